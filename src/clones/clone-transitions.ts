import type { ResolvedConfig } from '../config/mayfly-config.js';
import { isMayflyError } from '../core/errors.js';
import { databaseChanges, type DatabaseChanges } from '../warehouse/database-changes.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { recordCloneEvent } from './clone-hooks.js';
import { putCloneRecord, type CloneRecord } from './clone-record.js';

/** The outcome of a refresh: the new record, what it discarded, and the hook deliveries it queued. */
export interface RefreshOutcome {
  readonly record: CloneRecord;
  /** What the clone had changed since its clone point (null when its database was already gone). */
  readonly discarded: DatabaseChanges | null;
  readonly deliveries: readonly string[];
}

/** The outcome of a destroy: the destroyed record and the hook deliveries it queued. */
export interface DestroyOutcome {
  readonly record: CloneRecord;
  /** Whether a database was dropped (false when it had already been dropped outside Mayfly). */
  readonly dropped: boolean;
  readonly deliveries: readonly string[];
}

/** How many rows and objects a refresh discarded, in words. */
export function describeChanges(c: DatabaseChanges | null): string {
  if (c === null) return 'nothing (its database was already gone)';
  if (c.objects.length === 0) return 'nothing (it had no changes)';
  return `${c.objects.length} changed object${c.objects.length === 1 ? '' : 's'}, ${c.rowsInserted} rows written and ${c.rowsDeleted} removed`;
}

/**
 * Inside the caller's transaction: re-points the clone at its source's
 * latest commit (same name, same schemas) and updates its record, so readers
 * see the old or the new state, never a mix. A clone past its expiry starts a
 * new TTL of its original length.
 */
export function refreshInTransaction(warehouse: Warehouse, config: ResolvedConfig, record: CloneRecord, now: number, reason: string): RefreshOutcome {
  const exists = databaseExists(warehouse, record.name);
  const discarded = exists ? databaseChanges(warehouse, record.name, record.schemas ?? undefined) : null;
  warehouse.cloneDatabase(record.name, record.source, { replace: true, ...(record.schemas ? { schemas: record.schemas } : {}) });
  const renewed = now >= record.expiresAt;
  const next: CloneRecord = {
    ...record,
    takenAt: now,
    refreshedAt: now,
    refreshes: record.refreshes + 1,
    expiresAt: renewed ? now + record.ttlMs : record.expiresAt,
    state: 'active',
    warned: { expiresAt: renewed ? null : record.warned.expiresAt, retentionDeadline: null },
    updatedAt: now,
  };
  putCloneRecord(warehouse.control, next);
  const message = `clone ${record.name} was refreshed from ${record.source} (${reason}); it discarded ${describeChanges(discarded)}`;
  const deliveries = recordCloneEvent(warehouse.control, config, 'refreshed', next, now, message, {
    reason,
    renewedUntil: renewed ? new Date(next.expiresAt).toISOString() : null,
    discarded: discarded && { objects: discarded.objects, rowsInserted: discarded.rowsInserted, rowsDeleted: discarded.rowsDeleted },
  });
  return { record: next, discarded, deliveries };
}

/**
 * Inside the caller's transaction: drops the clone's database (everything
 * created in it goes with it) and marks its record destroyed; the record stays
 * for the clone's history and cost.
 */
export function destroyInTransaction(warehouse: Warehouse, config: ResolvedConfig, record: CloneRecord, now: number, reason: string): DestroyOutcome {
  const dropped = databaseExists(warehouse, record.name);
  if (dropped) warehouse.dropDatabase(record.name);
  const next: CloneRecord = { ...record, state: 'destroyed', destroyedAt: now, destroyReason: reason, updatedAt: now };
  putCloneRecord(warehouse.control, next);
  const message = dropped ? `clone ${record.name} was destroyed (${reason})` : `clone ${record.name} is recorded as destroyed: its database was dropped outside Mayfly`;
  const deliveries = recordCloneEvent(warehouse.control, config, 'destroyed', next, now, message, { reason });
  return { record: next, dropped, deliveries };
}

/** Whether database `name` exists. */
export function databaseExists(warehouse: Warehouse, name: string): boolean {
  try {
    warehouse.requireRef(name);
    return true;
  } catch (e) {
    if (isMayflyError(e, 'DB_NOT_FOUND')) return false;
    throw e;
  }
}
