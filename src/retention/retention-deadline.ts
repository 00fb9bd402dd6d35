import type { ResolvedConfig } from '../config/mayfly-config.js';
import type { Warehouse } from '../warehouse/warehouse.js';

/** One retained table's contribution to a database's retention deadline. */
export interface TableDeadline {
  /** `schema.table`. */
  readonly table: string;
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
 * The retention deadline of database `db`: for every table with a retention
 * policy, the day its oldest row passes production's retention; the earliest wins.
 */
export async function retentionDeadline(_warehouse: Warehouse, _config: ResolvedConfig, db: string): Promise<RetentionDeadline> {
  // Placeholder until the retention module lands.
  return { db, deadline: null, tables: [] };
}
