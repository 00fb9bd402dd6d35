import type { ControlStore } from '../warehouse/control-store.js';
import { ensureCloneIndex, reindexClone } from './clone-index.js';

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
  /** The schemas it holds when it was cloned with `--schema` (refresh keeps them), else null: the whole source. */
  readonly schemas: readonly string[] | null;
  /** The TTL it was given (ms): a refresh at expiry starts a new one of this length. */
  readonly ttlMs: number;
  /** How many times it was refreshed. */
  readonly refreshes: number;
  /** Warnings already sent, so each is sent once: the expiry and the retention deadline they were sent for. */
  readonly warned: { readonly expiresAt: number | null; readonly retentionDeadline: number | null };
  /** Why it was destroyed (`expired`, `idle`, `retention`, `destroyed by <owner>`, …), null while alive. */
  readonly destroyReason: string | null;
  /** When the record last changed: reap skips a clone whose record changed since it planned. */
  readonly updatedAt: number;
}

/** Every clone record, destroyed ones included, by name. */
export function listCloneRecords(store: ControlStore): readonly CloneRecord[] {
  return store.listRecords<CloneRecord>(CLONE_RECORD_KIND).map((r) => r.value);
}

/** The record of clone `name`, if Mayfly made it (the live clone, or the last one of that name). */
export function getCloneRecord(store: ControlStore, name: string): CloneRecord | undefined {
  return store.getRecord<CloneRecord>(CLONE_RECORD_KIND, name);
}

/** Writes a clone record under its name and moves its index entries with it (inside the caller's transaction). */
export function putCloneRecord(store: ControlStore, record: CloneRecord): void {
  ensureCloneIndex(store, () => listCloneRecords(store));
  const before = getCloneRecord(store, record.name);
  store.putRecord(CLONE_RECORD_KIND, record.name, record);
  reindexClone(store, before, record);
}

/**
 * Moves the record of a destroyed clone to `name@<destroyedAt>` so the name can
 * be used again while the old clone's history (and its cost) stays listed.
 */
export function archiveCloneRecord(store: ControlStore, record: CloneRecord): void {
  ensureCloneIndex(store, () => listCloneRecords(store));
  store.putRecord(CLONE_RECORD_KIND, `${record.name}@${record.destroyedAt ?? record.updatedAt}`, record);
  store.deleteRecord(CLONE_RECORD_KIND, record.name);
  reindexClone(store, record, undefined);
}
