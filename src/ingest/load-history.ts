import { retryOnConflict } from '../warehouse/conflict-retry.js';
import { quoteLiteral } from '../core/names.js';
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
    `rows_loaded BIGINT, rows_rejected BIGINT, first_error VARCHAR, loaded_at TIMESTAMP)`,
  `CREATE TABLE IF NOT EXISTS ${LOAD_ERRORS} (pipe VARCHAR, file VARCHAR, line BIGINT, reason VARCHAR, raw VARCHAR, loaded_at TIMESTAMP)`,
];

/** Whether database `db` has a load history yet. */
export function hasLoadHistory(warehouse: Warehouse, db: string): boolean {
  return warehouse.tables(db).some((t) => t.schema === SYSTEM_SCHEMA && t.name === 'load_history');
}

/** Creates the load history and errors tables in the session's database (trusted session) unless they exist. */
export async function ensureLoadTables(session: Session): Promise<void> {
  if (hasLoadHistory(session.warehouse, session.database)) return;
  await retryOnConflict(() => session.run(['BEGIN', ...CREATE_TABLES, 'COMMIT'].join(';\n')));
}

/** The load history of the session's database (one pipe's, or all), oldest first; empty before the first load. */
export async function readLoadHistory(session: Session, pipe?: string): Promise<readonly LoadRecord[]> {
  if (!hasLoadHistory(session.warehouse, session.database)) return [];
  const where = pipe === undefined ? '' : ` WHERE pipe = ${quoteLiteral(pipe)}`;
  const [r] = await session.run(
    `SELECT pipe, file, size, epoch_ms(modified_at) AS modified_at, checksum, status, rows_loaded, rows_rejected, first_error, epoch_ms(loaded_at) AS loaded_at ` +
      `FROM ${LOAD_HISTORY}${where} ORDER BY loaded_at, file`,
  );
  if (r?.kind !== 'rows') return [];
  return r.rows.map((row) => ({
    pipe: String(row.pipe),
    file: String(row.file),
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

/** Whether the pipe already processed the file, as the session (or its open transaction) sees the database. */
export async function isProcessed(session: Session, pipe: string, file: string): Promise<boolean> {
  const statuses = PROCESSED_STATUSES.map(quoteLiteral).join(', ');
  const [r] = await session.run(
    `SELECT count(*) AS n FROM ${LOAD_HISTORY} WHERE pipe = ${quoteLiteral(pipe)} AND file = ${quoteLiteral(file)} AND status IN (${statuses})`,
  );
  return r?.kind === 'rows' && num(r.rows[0]?.n ?? 0) > 0;
}

/** `INSERT` of one history row. */
export function insertLoadRecordSql(r: LoadRecord): string {
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
  ];
  return `INSERT INTO ${LOAD_HISTORY} VALUES (${values.join(', ')})`;
}

/** `INSERT` of one error row that is not a rejected row of a load (a file changed after it was loaded). */
export function insertLoadErrorSql(pipe: string, file: string, reason: string, at: number): string {
  return `INSERT INTO ${LOAD_ERRORS} VALUES (${quoteLiteral(pipe)}, ${quoteLiteral(file)}, NULL, ${quoteLiteral(reason)}, NULL, epoch_ms(${Math.trunc(at)}))`;
}

/** A timestamp literal (UTC, to the millisecond) as the rejects table's `loaded_at` value. */
export function timestampText(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}

function num(c: unknown): number {
  return typeof c === 'number' ? c : Number(c);
}
