import type { ResolvedConfig } from '../config/mayfly-config.js';
import { quoteIdent } from '../core/names.js';
import type { Session } from '../warehouse/session.js';
import { findColumn, liveRows } from '../warehouse/table-stats.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { parseIsoDay, passesRetentionAt, retentionPolicies, type TablePolicy } from './retention-policy.js';

/** One retained table's contribution to a database's retention deadline. */
export interface TableDeadline {
  /** `schema.table`. */
  readonly table: string;
  /** The retention date column. */
  readonly column: string;
  /** The oldest value of the table's retention date column in this database (ms), null when empty. */
  readonly oldest: number | null;
  readonly retentionDays: number;
  /** When that oldest data passes production's retention (ms), null when empty. */
  readonly deadline: number | null;
}

/** When a database's oldest retained data passes production's retention. */
export interface RetentionDeadline {
  readonly db: string;
  /** The earliest table deadline (ms), or null when no retained table holds data. */
  readonly deadline: number | null;
  readonly tables: readonly TableDeadline[];
}

/**
 * Control-store record kind caching the oldest day of a retention column per
 * table version (key `<table version id>/c<column id>`). A table version is
 * immutable and content-addressed, so the value never goes stale, and clones
 * that share production's table versions read it instead of scanning.
 */
export const OLDEST_RECORD_KIND = 'retention-oldest';

/** A cached oldest day: `YYYY-MM-DD`, or null when the column holds no value. */
interface OldestRecord {
  readonly oldest: string | null;
}

/**
 * The retention deadline of database `db`: for every table with a retention
 * policy, the day its oldest row passes production's retention; the earliest wins.
 */
export async function retentionDeadline(warehouse: Warehouse, config: ResolvedConfig, db: string): Promise<RetentionDeadline> {
  const [one] = await retentionDeadlines(warehouse, config, [db]);
  return one ?? { db, deadline: null, tables: [] };
}

/**
 * The retention deadlines of several databases, sharing one engine session for
 * the tables whose oldest day is not cached yet (the rest cost one record read).
 */
export async function retentionDeadlines(warehouse: Warehouse, config: ResolvedConfig, dbs: readonly string[]): Promise<RetentionDeadline[]> {
  const policies = retentionPolicies(config);
  const scanner = new OldestScanner(warehouse);
  try {
    const out: RetentionDeadline[] = [];
    for (const db of dbs) out.push(await deadlineOf(warehouse, scanner, policies, db));
    return out;
  } finally {
    scanner.close();
  }
}

async function deadlineOf(warehouse: Warehouse, scanner: OldestScanner, policies: readonly TablePolicy[], db: string): Promise<RetentionDeadline> {
  if (policies.length === 0) return { db, deadline: null, tables: [] };
  const tree = warehouse.tree(warehouse.requireRef(db).commitId);
  const tables: TableDeadline[] = [];
  for (const p of policies) {
    const obj = tree.object(p.schema, p.name);
    if (obj?.kind !== 'table') continue;
    // A clone that dropped or renamed the column holds no data retention can date.
    const column = findColumn(obj.version, p.column);
    let oldest: number | null = null;
    if (column && liveRows(obj.version) > 0) {
      const key = `${obj.id}/c${column.id}`;
      oldest = await scanner.oldest(key, db, p, column.name, () => warehouse.tree(warehouse.requireRef(db).commitId).object(p.schema, p.name));
    }
    tables.push({ table: p.table, column: p.column, oldest, retentionDays: p.days, deadline: oldest === null ? null : passesRetentionAt(oldest, p.days) });
  }
  const deadlines = tables.flatMap((t) => (t.deadline === null ? [] : [t.deadline]));
  return { db, deadline: deadlines.length ? Math.min(...deadlines) : null, tables };
}

/** Reads oldest days from the cache, or scans (one `min()` per table version) through one lazily opened session. */
class OldestScanner {
  private session: Session | undefined;
  private readonly seen = new Map<string, number | null>();

  constructor(private readonly warehouse: Warehouse) {}

  async oldest(key: string, db: string, p: TablePolicy, column: string, current: () => { kind: string; id?: string } | undefined): Promise<number | null> {
    const known = this.seen.get(key);
    if (known !== undefined) return known;
    const cached = this.warehouse.control.getRecord<OldestRecord>(OLDEST_RECORD_KIND, key);
    if (cached) return this.remember(key, cached.oldest);
    this.session ??= await this.warehouse.session(this.warehouse.settings.production, { purpose: 'retention' });
    const sql = `SELECT CAST(CAST(min(${quoteIdent(column)}) AS DATE) AS VARCHAR) AS oldest FROM ${quoteIdent(db)}.${quoteIdent(p.schema)}.${quoteIdent(p.name)}`;
    const [result] = await this.session.run(sql);
    const cell = result?.kind === 'rows' ? result.rows[0]?.oldest : null;
    const oldest = typeof cell === 'string' ? cell : null;
    // The statement read the database as it was when it ran; cache only if that is still the version the key names.
    const now = current();
    if (now?.kind === 'table' && now.id !== undefined && key.startsWith(`${now.id}/`)) {
      this.warehouse.control.putRecord(OLDEST_RECORD_KIND, key, { oldest } satisfies OldestRecord);
    }
    return this.remember(key, oldest);
  }

  close(): void {
    this.session?.close();
  }

  private remember(key: string, oldest: string | null): number | null {
    const ms = oldest === null ? null : parseIsoDay(oldest);
    this.seen.set(key, ms);
    return ms;
  }
}
