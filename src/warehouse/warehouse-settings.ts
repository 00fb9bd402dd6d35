export { MAX_TIMEOUT_MS, timeoutProblem } from '../config/statement-limits.js';

/** Data-plane settings, resolved once when the warehouse opens (defaults live in `mayfly.yaml`'s schema). */
export interface WarehouseSettings {
  /** Name of the production database. */
  readonly production: string;
  /** How long commits stay reachable for time travel and AT-clones (ms). */
  readonly timeTravelMs: number;
  /** How old an unreferenced file must be before GC removes it (ms); protects writes in flight. */
  readonly gcGraceMs: number;
  /** Target size of the data files a write produces (bytes). */
  readonly targetFileBytes: number;
  /** Files below this size are merged by compaction (bytes). */
  readonly smallFileBytes: number;
  /** DuckDB threads per session. */
  readonly threads: number;
  /** DuckDB memory limit per session, e.g. `4GB`. */
  readonly memoryLimit: string;
  /** Longest one statement of user SQL may run (ms) before it is stopped with SQL_TIMEOUT. */
  readonly statementTimeoutMs: number;
  /** Longest one statement of a job (pipe load, DAG model, deployment, maintenance) may run (ms). */
  readonly jobStatementTimeoutMs: number;
}
