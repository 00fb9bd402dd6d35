import type { ControlStore } from '../warehouse/control-store.js';

/** The kinds of scope a clone is made for. */
export const SCOPE_KINDS = ['squad', 'family', 'cross-family'] as const;
/** A kind of scope: `squad`, `family` or `cross-family`. */
export type ScopeKind = (typeof SCOPE_KINDS)[number];

/** A clone's lifecycle states. */
export const CLONE_STATES = ['active', 'expiring', 'expired', 'destroyed'] as const;
/** A clone's lifecycle state. */
export type CloneState = (typeof CLONE_STATES)[number];

/** The control-store record kind of clone records (key: the clone's name). */
export const CLONE_RECORD_KIND = 'clone';

/** What Mayfly records about a clone beside its database (times in ms since the epoch). */
export interface CloneRecord {
  readonly name: string;
  /** `squad:<id>`, `family:<id>` or `cross-family:<name>`. */
  readonly scope: string;
  readonly scopeKind: ScopeKind;
  readonly owner: string;
  readonly purpose: string;
  readonly ticket?: string;
  /** The database it was cloned from. */
  readonly source: string;
  /** The point in time of the source it shows (the clone point, moved by refresh). */
  readonly takenAt: number;
  readonly createdAt: number;
  readonly expiresAt: number;
  /** Last query, write, pipe load or DAG run in it. */
  readonly lastActivityAt: number;
  readonly refreshedAt: number | null;
  readonly state: CloneState;
  /** A lease: never reaped before then (still bounded by retention compliance). */
  readonly pinnedUntil: number | null;
  readonly destroyedAt: number | null;
}

/** Every clone record, destroyed ones included, by name. */
export function listCloneRecords(store: ControlStore): readonly CloneRecord[] {
  return store.listRecords<CloneRecord>(CLONE_RECORD_KIND).map((r) => r.value);
}

/** The record of clone `name`, if Mayfly made it. */
export function getCloneRecord(store: ControlStore, name: string): CloneRecord | undefined {
  return store.getRecord<CloneRecord>(CLONE_RECORD_KIND, name);
}
