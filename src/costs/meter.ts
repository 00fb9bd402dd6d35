import type { ResolvedConfig } from '../config/mayfly-config.js';
import type { Warehouse } from '../warehouse/warehouse.js';

/**
 * Meters databases: compute time of every statement (from the warehouse's
 * activity), and storage samples (exclusive and retained-for-clone bytes).
 * Buffered in memory; `flush` writes to the control store's event log.
 */
export class Meter {
  private constructor(
    private readonly warehouse: Warehouse,
    private readonly config: ResolvedConfig,
  ) {}

  /** Starts metering the warehouse's activity. */
  static attach(warehouse: Warehouse, config: ResolvedConfig): Meter {
    return new Meter(warehouse, config);
  }

  /** Records a storage sample now for each database (every reap does, for every clone). */
  sample(_dbs: readonly string[]): void {
    void this.warehouse;
    void this.config;
  }

  /** Writes buffered compute time and samples databases that committed since the last flush. */
  flush(): void {}

  /** Flushes and stops listening. */
  detach(): void {}
}

/** What a database has cost over a period. */
export interface CostLine {
  readonly storage: number;
  readonly compute: number;
  readonly total: number;
  readonly currency: string;
}

/** What database `db` cost between `since` and `until` (ms). */
export function costOf(_warehouse: Warehouse, _config: ResolvedConfig, _db: string, _since: number, _until: number): CostLine {
  return { storage: 0, compute: 0, total: 0, currency: 'USD' };
}
