import type { ResolvedConfig } from '../config/mayfly-config.js';
import { invalid } from '../core/errors.js';
import { quoteIdent } from '../core/names.js';
import { retryOnConflict } from '../warehouse/conflict-retry.js';
import { fileDateRanges } from '../warehouse/file-date-ranges.js';
import type { Session } from '../warehouse/session.js';
import { findColumn } from '../warehouse/table-stats.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { isDateType, isoDay, parseIsoDay, retentionCutoff, retentionPolicies, type TablePolicy } from './retention-policy.js';

/** Event kind of a purge of one production table (subject: `schema.table`). */
export const PURGE_EVENT_KIND = 'retention-purge';

/** What one table's purge removed; also the body of a {@link PURGE_EVENT_KIND} event. */
export interface TablePurge {
  /** `schema.table`. */
  readonly table: string;
  readonly column: string;
  readonly days: number;
  /** The first day kept (`YYYY-MM-DD`): rows dated before it were purged. */
  readonly cutoff: string;
  /** Rows purged (with `--dry-run`: rows that would be). */
  readonly rows: number;
  /** Data files that left the table whole (with `--dry-run`: files dated entirely before the cutoff). */
  readonly filesDropped: number;
  readonly bytesDropped: number;
  /** Delete vectors written for rows of files that straddle the cutoff. */
  readonly deleteVectors: number;
  /** Why the table was not purged (it is not in production), if it was not. */
  readonly skipped?: string;
}

/** The result of `retention apply`. */
export interface RetentionApplyReport {
  readonly db: string;
  readonly dryRun: boolean;
  /** When it ran (warehouse clock). */
  readonly at: number;
  readonly tables: readonly TablePurge[];
  readonly rows: number;
  readonly filesDropped: number;
  readonly bytesDropped: number;
  readonly elapsedMs: number;
}

/** Options of {@link applyRetention}. */
export interface ApplyRetentionOptions {
  /** Count what would be purged, purge nothing. */
  readonly dryRun?: boolean;
  /** Called before each table. */
  readonly onProgress?: (done: number, total: number, table: string) => void;
}

const CONFLICT_RETRIES = 5;

/**
 * Purges production's rows past retention: per configured table, one
 * `DELETE … WHERE column < cutoff` through a trusted session. Files whose rows
 * all fall before the cutoff leave the table version whole; rows of files
 * straddling it go to a delete vector. Clones keep their own table versions,
 * so they are untouched. Every table with rows purged is recorded as a
 * {@link PURGE_EVENT_KIND} event. Idempotent within a day.
 */
export async function applyRetention(warehouse: Warehouse, config: ResolvedConfig, options: ApplyRetentionOptions = {}): Promise<RetentionApplyReport> {
  const started = performance.now();
  const db = warehouse.settings.production;
  const at = warehouse.clock.now();
  const policies = retentionPolicies(config);
  // Every policy is checked against production before the first write.
  const present = policies.filter((p) => checkPolicy(warehouse, db, p));
  const tables: TablePurge[] = [];
  const session = present.length ? await warehouse.session(db, { trusted: true, purpose: 'retention', writeOnly: db }) : undefined;
  try {
    for (const [i, p] of policies.entries()) {
      options.onProgress?.(i, policies.length, p.table);
      const cutoff = isoDay(retentionCutoff(at, p.days));
      if (!session || !present.includes(p)) {
        tables.push({ table: p.table, column: p.column, days: p.days, cutoff, rows: 0, filesDropped: 0, bytesDropped: 0, deleteVectors: 0, skipped: `${db} has no table ${p.table}` });
        continue;
      }
      if (options.dryRun) {
        tables.push(await estimate(session, db, p, cutoff));
        continue;
      }
      const { files, dropped, ...purge } = await purgeTable(session, db, p, cutoff);
      if (purge.rows > 0) {
        // After the purge's commit: from this moment no time travel reads the table as it was, and GC reclaims what held only purged rows.
        const purgedAt = warehouse.clock.now();
        warehouse.recordPurge({ db, table: p.table, at: purgedAt, cutoff, files, dropped });
        warehouse.control.appendEvent(PURGE_EVENT_KIND, p.table, purgedAt, purge);
      }
      tables.push(purge);
    }
    options.onProgress?.(policies.length, policies.length, '');
  } finally {
    session?.close();
  }
  const sum = (f: (t: TablePurge) => number): number => tables.reduce((n, t) => n + f(t), 0);
  return {
    db,
    dryRun: options.dryRun ?? false,
    at,
    tables,
    rows: sum((t) => t.rows),
    filesDropped: sum((t) => t.filesDropped),
    bytesDropped: sum((t) => t.bytesDropped),
    elapsedMs: performance.now() - started,
  };
}

/** Whether production has the policy's table; refuses a missing or non-date column (nothing purged yet). */
function checkPolicy(warehouse: Warehouse, db: string, p: TablePolicy): boolean {
  const obj = warehouse.tree(warehouse.requireRef(db).commitId).object(p.schema, p.name);
  if (obj === undefined) return false;
  if (obj.kind !== 'table') throw invalid('RETENTION_NOT_A_TABLE', `retention.${p.table}: ${db}.${p.table} is a view; retention applies to tables`);
  const column = findColumn(obj.version, p.column);
  if (!column) {
    throw invalid(
      'RETENTION_COLUMN_NOT_FOUND',
      `retention.${p.table}.column: ${p.table} has no column ${p.column} (columns: ${obj.version.columns.map((c) => c.name).join(', ')}); nothing was purged`,
    );
  }
  if (!isDateType(column.type)) {
    throw invalid('RETENTION_COLUMN_TYPE', `retention.${p.table}.column: ${p.column} is ${column.type}; use a DATE or TIMESTAMP column; nothing was purged`);
  }
  return true;
}

/** A table's purge, with the data files that held purged rows (all of them, and those that left the table). */
async function purgeTable(session: Session, db: string, p: TablePolicy, cutoff: string): Promise<TablePurge & { files: string[]; dropped: string[] }> {
  const warehouse = session.warehouse;
  const sql = `DELETE FROM ${quoteIdent(db)}.${quoteIdent(p.schema)}.${quoteIdent(p.name)} WHERE ${quoteIdent(p.column)} < DATE '${cutoff}'`;
  // A pipe loading the table meanwhile: the purge is a pure function of the table and the day, so it simply runs again.
  return retryOnConflict(async () => {
    const before = tableVersion(warehouse, db, p);
    const [result] = await session.run(sql);
    const rows = result?.kind === 'done' ? (result.rowsAffected ?? 0) : 0;
    const after = tableVersion(warehouse, db, p);
    const kept = new Set(after?.files.map((f) => f.key));
    const dropped = (before?.files ?? []).filter((f) => !kept.has(f.key));
    const hadDeletes = new Set(before?.deletes.map((d) => d.key));
    const newDeletes = (after?.deletes ?? []).filter((d) => !hadDeletes.has(d.key));
    const touched = new Set(newDeletes.flatMap((d) => d.targets));
    const straddling = (before?.files ?? []).filter((f) => kept.has(f.key) && touched.has(f.key));
    return {
      files: rows > 0 ? [...dropped, ...straddling].map((f) => f.key) : [],
      dropped: rows > 0 ? dropped.map((f) => f.key) : [],
      table: p.table,
      column: p.column,
      days: p.days,
      cutoff,
      rows,
      filesDropped: rows > 0 ? dropped.length : 0,
      bytesDropped: rows > 0 ? dropped.reduce((n, f) => n + f.bytes, 0) : 0,
      deleteVectors: rows > 0 ? newDeletes.length : 0,
    };
  }, CONFLICT_RETRIES);
}

async function estimate(session: Session, db: string, p: TablePolicy, cutoff: string): Promise<TablePurge> {
  const name = `${quoteIdent(db)}.${quoteIdent(p.schema)}.${quoteIdent(p.name)}`;
  const [result] = await session.run(`SELECT count(*) AS n FROM ${name} WHERE ${quoteIdent(p.column)} < DATE '${cutoff}'`);
  const rows = result?.kind === 'rows' ? Number(result.rows[0]?.n ?? 0) : 0;
  const cut = parseIsoDay(cutoff);
  const ranges = rows > 0 ? await fileDateRanges(session, db, p.schema, p.name, p.column) : [];
  const whole = ranges.filter((f) => f.newest !== null && parseIsoDay(f.newest) < cut);
  const straddling = ranges.some((f) => f.oldest !== null && f.newest !== null && parseIsoDay(f.oldest) < cut && parseIsoDay(f.newest) >= cut);
  return {
    table: p.table,
    column: p.column,
    days: p.days,
    cutoff,
    rows,
    filesDropped: whole.length,
    bytesDropped: whole.reduce((n, f) => n + f.bytes, 0),
    deleteVectors: straddling ? 1 : 0,
  };
}

function tableVersion(warehouse: Warehouse, db: string, p: TablePolicy) {
  const obj = warehouse.tree(warehouse.requireRef(db).commitId).object(p.schema, p.name);
  return obj?.kind === 'table' ? obj.version : undefined;
}
