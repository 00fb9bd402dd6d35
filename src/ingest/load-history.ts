import { retryOnConflict } from '../warehouse/conflict-retry.js';
import { quoteLiteral } from '../core/names.js';
import { TARGET_TABLE_COLUMN } from '../warehouse/clone-history.js';
import { SYSTEM_SCHEMA, type Session } from '../warehouse/session.js';
import type { Warehouse } from '../warehouse/warehouse.js';

/** The table of every file a pipe processed in a database, in its system schema (cloned with the data). */
export const LOAD_HISTORY = `${SYSTEM_SCHEMA}.load_history`;
/** The table of every rejected row (and of every file that changed after it was loaded). */
export const LOAD_ERRORS = `${SYSTEM_SCHEMA}.load_errors`;

/**
 * What happened to a file: `LOADED` (every row), `PARTIALLY_LOADED` (its good
 * rows, ON_ERROR = CONTINUE), `LOAD_FAILED` (none of it: skipped, or
 * unreadable), `ABORTED` (none of it, ON_ERROR = ABORT_STATEMENT: retried by
 * the next refresh), `CHANGED` (rewritten after it was loaded: reported, not
 * loaded again).
 */
export const LOAD_STATUSES = ['LOADED', 'PARTIALLY_LOADED', 'LOAD_FAILED', 'ABORTED', 'CHANGED'] as const;
/** One of {@link LOAD_STATUSES}. */
export type LoadStatus = (typeof LOAD_STATUSES)[number];

/** Statuses after which a file is done: a pipe never loads it again. */
export const PROCESSED_STATUSES: readonly LoadStatus[] = ['LOADED', 'PARTIALLY_LOADED', 'LOAD_FAILED'];

/** One row of the load history. Times are ms since the epoch. */
export interface LoadRecord {
  /** `schema.name` of the pipe. */
  readonly pipe: string;
  /** `@stage/path` of the file. */
  readonly file: string;
  /**
   * `schema.table` the file was loaded into: the history is the table's, so it
   * travels with the table into schema and table clones. Null for rows written
   * before the column existed (attributed through the pipe).
   */
  readonly table: string | null;
  readonly size: number;
  readonly modifiedAt: number;
  readonly checksum: string;
  readonly status: LoadStatus;
  readonly rowsLoaded: number;
  readonly rowsRejected: number;
  /** `line N: reason` of the first rejected row, if any. */
  readonly firstError: string | null;
  readonly loadedAt: number;
}

const CREATE_TABLES = [
  `CREATE SCHEMA IF NOT EXISTS ${SYSTEM_SCHEMA}`,
  `CREATE TABLE IF NOT EXISTS ${LOAD_HISTORY} (pipe VARCHAR, file VARCHAR, size BIGINT, modified_at TIMESTAMP, checksum VARCHAR, status VARCHAR, ` +
    `rows_loaded BIGINT, rows_rejected BIGINT, first_error VARCHAR, loaded_at TIMESTAMP, ${TARGET_TABLE_COLUMN} VARCHAR)`,
  `CREATE TABLE IF NOT EXISTS ${LOAD_ERRORS} (pipe VARCHAR, file VARCHAR, line BIGINT, reason VARCHAR, raw VARCHAR, loaded_at TIMESTAMP, ${TARGET_TABLE_COLUMN} VARCHAR)`,
];

const HISTORY_COLUMNS = `pipe, file, size, modified_at, checksum, status, rows_loaded, rows_rejected, first_error, loaded_at, ${TARGET_TABLE_COLUMN}`;

/** Which rows describe a pipe's loads: those of its table, and older rows (no table recorded) of the pipe itself. */
export interface HistoryKey {
  /** `schema.name` of the pipe. */
  readonly pipe: string;
  /** `schema.table` the pipe loads. */
  readonly table: string;
}

/** Whether a history row describes the loads of `key`'s table. */
export function describes(r: Pick<LoadRecord, 'pipe' | 'table'>, key: HistoryKey): boolean {
  return r.table === key.table || (r.table === null && r.pipe === key.pipe);
}

/** The WHERE condition of {@link describes}. */
export function historyCondition(key: HistoryKey): string {
  return `(${TARGET_TABLE_COLUMN} = ${quoteLiteral(key.table)} OR (${TARGET_TABLE_COLUMN} IS NULL AND pipe = ${quoteLiteral(key.pipe)}))`;
}

/** Whether database `db` has a load history yet. */
export function hasLoadHistory(warehouse: Warehouse, db: string): boolean {
  return warehouse.tables(db).some((t) => t.schema === SYSTEM_SCHEMA && t.name === 'load_history');
}

/** Whether database `db` has its load history and errors tables, with the target-table column: nothing for {@link ensureLoadTables} to do. */
export function loadTablesReady(warehouse: Warehouse, db: string): boolean {
  const tree = warehouse.tree(warehouse.requireRef(db).commitId);
  return [LOAD_HISTORY, LOAD_ERRORS].every((n) => {
    const obj = tree.object(SYSTEM_SCHEMA, n.slice(SYSTEM_SCHEMA.length + 1));
    return obj?.kind === 'table' && obj.version.columns.some((c) => c.name === TARGET_TABLE_COLUMN);
  });
}

/**
 * Creates the load history and errors tables in the session's database
 * (trusted session) unless they exist, and adds the target-table column to
 * tables created before it existed.
 */
export async function ensureLoadTables(session: Session): Promise<void> {
  const tables = session.warehouse.tables(session.database).filter((t) => t.schema === SYSTEM_SCHEMA);
  const missing = ['load_history', 'load_errors'].filter((n) => !tables.some((t) => t.name === n));
  const tree = session.warehouse.tree(session.warehouse.requireRef(session.database).commitId);
  const outdated = [LOAD_HISTORY, LOAD_ERRORS].filter((n) => {
    const obj = tree.object(SYSTEM_SCHEMA, n.slice(SYSTEM_SCHEMA.length + 1));
    return obj?.kind === 'table' && !obj.version.columns.some((c) => c.name === TARGET_TABLE_COLUMN);
  });
  if (missing.length === 0 && outdated.length === 0) return;
  const alter = outdated.map((n) => `ALTER TABLE ${n} ADD COLUMN IF NOT EXISTS ${TARGET_TABLE_COLUMN} VARCHAR`);
  await retryOnConflict(() => session.run(['BEGIN', ...CREATE_TABLES, ...alter, 'COMMIT'].join(';\n')));
}

/** The load history of the session's database (one pipe's table's, or all), oldest first; empty before the first load. */
export async function readLoadHistory(session: Session, key?: HistoryKey): Promise<readonly LoadRecord[]> {
  if (!hasLoadHistory(session.warehouse, session.database)) return [];
  const where = key === undefined ? '' : ` WHERE ${historyCondition(key)}`;
  const [r] = await session.run(
    `SELECT pipe, file, ${TARGET_TABLE_COLUMN} AS target_table, size, epoch_ms(modified_at) AS modified_at, checksum, status, rows_loaded, rows_rejected, first_error, epoch_ms(loaded_at) AS loaded_at ` +
      `FROM ${LOAD_HISTORY}${where} ORDER BY loaded_at, file`,
  );
  if (r?.kind !== 'rows') return [];
  return r.rows.map((row) => ({
    pipe: String(row.pipe),
    file: String(row.file),
    table: row.target_table === null ? null : String(row.target_table),
    size: num(row.size),
    modifiedAt: num(row.modified_at),
    checksum: String(row.checksum),
    status: String(row.status) as LoadStatus,
    rowsLoaded: num(row.rows_loaded),
    rowsRejected: num(row.rows_rejected),
    firstError: row.first_error === null ? null : String(row.first_error),
    loadedAt: num(row.loaded_at),
  }));
}

/**
 * The content id of the load history table as the session's open transaction
 * sees it: equal ids mean equal rows, so a loader that knows the history at
 * one id need not read it again while the id stays the same.
 */
export function historyVersion(session: Session): string | undefined {
  return session.snapshot(session.database).tree.schemas.get(SYSTEM_SCHEMA)?.tables.get('load_history');
}

/**
 * Which of `files` were already processed into the pipe's table, as the
 * session (or its open transaction) sees the database: by any pipe, here or in
 * the database, schema or table this table was cloned from.
 */
export async function processedAmong(session: Session, key: HistoryKey, files: readonly string[]): Promise<ReadonlySet<string>> {
  if (files.length === 0) return new Set();
  const statuses = PROCESSED_STATUSES.map(quoteLiteral).join(', ');
  const [r] = await session.run(
    `SELECT DISTINCT file FROM ${LOAD_HISTORY} WHERE ${historyCondition(key)} AND file IN (${files.map(quoteLiteral).join(', ')}) AND status IN (${statuses})`,
  );
  return new Set(r?.kind === 'rows' ? r.rows.map((row) => String(row.file)) : []);
}

/** `INSERT` of history rows: one statement, so one history file however many loads it records. */
export function insertLoadRecordsSql(records: readonly LoadRecord[]): string {
  const rows = records.map((r) => {
    const values = [
      quoteLiteral(r.pipe),
      quoteLiteral(r.file),
      String(r.size),
      `epoch_ms(${Math.trunc(r.modifiedAt)})`,
      quoteLiteral(r.checksum),
      quoteLiteral(r.status),
      String(r.rowsLoaded),
      String(r.rowsRejected),
      r.firstError === null ? 'NULL' : quoteLiteral(r.firstError),
      `epoch_ms(${Math.trunc(r.loadedAt)})`,
      r.table === null ? 'NULL' : quoteLiteral(r.table),
    ];
    return `(${values.join(', ')})`;
  });
  return `INSERT INTO ${LOAD_HISTORY} (${HISTORY_COLUMNS}) VALUES ${rows.join(', ')}`;
}

/** `INSERT` of one error row that is not a rejected row of a load (a file changed after it was loaded). */
export function insertLoadErrorSql(key: HistoryKey, file: string, reason: string, at: number): string {
  return (
    `INSERT INTO ${LOAD_ERRORS} (pipe, file, line, reason, raw, loaded_at, ${TARGET_TABLE_COLUMN}) ` +
    `VALUES (${quoteLiteral(key.pipe)}, ${quoteLiteral(file)}, NULL, ${quoteLiteral(reason)}, NULL, epoch_ms(${Math.trunc(at)}), ${quoteLiteral(key.table)})`
  );
}

/** A timestamp literal (UTC, to the millisecond) as the rejects table's `loaded_at` value. */
export function timestampText(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}

function num(c: unknown): number {
  return typeof c === 'number' ? c : Number(c);
}
