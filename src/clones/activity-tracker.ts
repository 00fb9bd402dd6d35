import type { ActivityEvent } from '../warehouse/activity.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { getCloneRecord, putCloneRecord } from './clone-record.js';

/** Session purposes that are Mayfly's own housekeeping, not use of a clone: they never reset its idle time. */
export const HOUSEKEEPING_PURPOSES: ReadonlySet<string> = new Set(['reap', 'retention', 'meter', 'metrics', 'gc', 'compact']);

/**
 * Tracks the last activity of clones: every statement in a clone (query,
 * write, pipe load, DAG run) is noted in memory — the listener runs on the
 * statement path, so it only updates a map — and `flush` writes the latest
 * time into the clone records in one transaction.
 */
export class CloneActivityTracker {
  private readonly latest = new Map<string, number>();
  private stop: (() => void) | undefined;

  private constructor(private readonly warehouse: Warehouse) {}

  /** Starts listening to the warehouse's activity. */
  static attach(warehouse: Warehouse): CloneActivityTracker {
    const tracker = new CloneActivityTracker(warehouse);
    tracker.stop = warehouse.onActivity((e) => tracker.note(e));
    return tracker;
  }

  /** Databases with activity not yet written. */
  get pending(): number {
    return this.latest.size;
  }

  /** Writes the buffered activity times into the records of live clones; returns how many records changed. */
  flush(): number {
    if (this.latest.size === 0) return 0;
    const batch = [...this.latest];
    this.latest.clear();
    const store = this.warehouse.control;
    return store.atomically(() => {
      let changed = 0;
      for (const [db, at] of batch) {
        const record = getCloneRecord(store, db);
        if (!record || record.state === 'destroyed' || record.lastActivityAt >= at) continue;
        // updatedAt is left alone: activity is not a change reap must re-plan for, it only moves the idle limit.
        putCloneRecord(store, { ...record, lastActivityAt: at });
        changed++;
      }
      return changed;
    });
  }

  /** Flushes and stops listening. */
  detach(): void {
    this.stop?.();
    this.stop = undefined;
    this.flush();
  }

  private note(e: ActivityEvent): void {
    if (HOUSEKEEPING_PURPOSES.has(e.purpose)) return;
    const seen = this.latest.get(e.db);
    if (seen === undefined || e.at > seen) this.latest.set(e.db, e.at);
  }
}
