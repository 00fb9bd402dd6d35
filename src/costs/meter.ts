import type { ResolvedConfig } from '../config/mayfly-config.js';
import type { ActivityEvent } from '../warehouse/activity.js';
import type { DatabaseMetrics } from '../warehouse/storage-metrics.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { COMPUTE_EVENT_KIND, STORAGE_EVENT_KIND, type ComputeSample, type StorageSample } from './meter-events.js';

/** Pricing lives in cost-report.ts; re-exported here, beside the meter that records what it prices. */
export { costOf, type CostLine } from './cost-report.js';

/** How often a long-running process writes what it buffered, at the latest (checked on activity). */
const DEFAULT_FLUSH_INTERVAL_MS = 5 * 60_000;
/** A clone whose last storage sample is older than this is sampled by the next reap even if reap does nothing to it. */
export const STORAGE_SAMPLE_MAX_AGE_MS = 24 * 3_600_000;

interface ComputeBuffer {
  ms: number;
  statements: number;
  readonly purposes: Record<string, number>;
  /** The last statement's time: the compute event is stamped with it. */
  lastAt: number;
}

/**
 * Meters databases: compute time of every statement (from the warehouse's
 * activity), and storage samples (exclusive and retained-for-clone bytes).
 * Buffered in memory; `flush` writes to the control store's event log.
 */
export class Meter {
  private compute = new Map<string, ComputeBuffer>();
  private committed = new Set<string>();
  private lastFlush: number;
  private flushScheduled = false;
  private readonly stop: () => void;

  private constructor(
    private readonly warehouse: Warehouse,
    private readonly flushIntervalMs: number,
  ) {
    this.lastFlush = warehouse.clock.now();
    this.stop = warehouse.onActivity((e) => this.record(e));
  }

  /** Starts metering the warehouse's activity (`flushIntervalMs`: how often a long-running process writes, at the latest). */
  static attach(warehouse: Warehouse, _config: ResolvedConfig, options: { flushIntervalMs?: number } = {}): Meter {
    // Prices are applied when a report is made, not when usage is recorded: the configuration is not needed here yet.
    return new Meter(warehouse, options.flushIntervalMs ?? DEFAULT_FLUSH_INTERVAL_MS);
  }

  /**
   * Records a storage sample now for each database given (reap gives the
   * clones it acts on), and for each of `ifStale` whose last sample is older
   * than {@link STORAGE_SAMPLE_MAX_AGE_MS}; databases that no longer exist are
   * skipped. Only these databases' figures are computed. Returns how many were sampled.
   */
  sample(dbs: readonly string[], ifStale: readonly string[] = []): number {
    const at = this.warehouse.clock.now();
    const stale = ifStale.filter((db) => !dbs.includes(db) && this.warehouse.control.listEvents(STORAGE_EVENT_KIND, { subject: db, since: at - STORAGE_SAMPLE_MAX_AGE_MS, until: at + 1 }).length === 0);
    const wanted = [...dbs, ...stale];
    if (wanted.length === 0) return 0;
    const metrics = this.warehouse.metrics(wanted).databases;
    this.warehouse.control.atomically(() => {
      for (const d of metrics) this.warehouse.control.appendEvent(STORAGE_EVENT_KIND, d.name, at, storageSample(d));
    });
    return metrics.length;
  }

  /**
   * Writes buffered compute time, and samples the storage of the databases
   * that committed since the last flush — only theirs: a write never pays for
   * other databases. A source that drops files its clones still hold moves
   * bytes into those clones' exclusive figures; their samples catch up when
   * they commit or at the next reap that samples them (at least daily).
   */
  flush(): void {
    const { compute, committed } = this;
    this.lastFlush = this.warehouse.clock.now();
    if (compute.size === 0 && committed.size === 0) return;
    const sampled = committed.size > 0 ? this.warehouse.metrics([...committed]).databases : [];
    const at = this.warehouse.clock.now();
    this.warehouse.control.atomically(() => {
      for (const [db, c] of compute) {
        const body: ComputeSample = { ms: c.ms, statements: c.statements, purposes: c.purposes };
        this.warehouse.control.appendEvent(COMPUTE_EVENT_KIND, db, c.lastAt, body);
      }
      for (const d of sampled) this.warehouse.control.appendEvent(STORAGE_EVENT_KIND, d.name, at, storageSample(d));
    });
    // Cleared only once written: a flush that failed leaves the buffer for the next one.
    this.compute = new Map();
    this.committed = new Set();
  }

  /** Flushes and stops listening. */
  detach(): void {
    this.stop();
    this.flush();
  }

  private record(e: ActivityEvent): void {
    const c = this.compute.get(e.db) ?? { ms: 0, statements: 0, purposes: {}, lastAt: e.at };
    c.ms += e.elapsedMs;
    c.statements += 1;
    c.purposes[e.purpose] = (c.purposes[e.purpose] ?? 0) + e.elapsedMs;
    c.lastAt = e.at;
    this.compute.set(e.db, c);
    if (e.kind === 'write') this.committed.add(e.db);
    if (!this.flushScheduled && e.at - this.lastFlush >= this.flushIntervalMs) {
      // Not on the statement's path: the listener must stay cheap and must not throw.
      this.flushScheduled = true;
      setImmediate(() => {
        this.flushScheduled = false;
        try {
          this.flush();
        } catch {
          // The next flush (or detach) writes the buffer again: nothing is lost but the timing.
        }
      }).unref();
    }
  }
}

function storageSample(d: DatabaseMetrics): StorageSample {
  return { exclusive: d.exclusiveBytes, retained: d.retainedForCloneBytes, logical: d.logicalBytes, charged: d.chargedBytes };
}
