import type { ControlStore } from '../warehouse/control-store.js';
import type { CloneRecord, ScopeKind } from './clone-record.js';

/**
 * Indexes of the clone records, kept in the same transaction as each record
 * change so one clone's lifecycle never reads the others' records:
 * - per scope, the names of its live clones (the active-clone limit reads one record);
 * - per scope kind, each live clone's expiry and idle start as sortable keys
 *   (reap reads the range that may be due now, whatever the policy says today).
 * Catalogs written before the indexes existed get them built once, from every record.
 */

/** Record kind of the live clones of one scope (key: the scope, `squad:c`). */
export const CLONE_SCOPE_KIND = 'clone-scope';
/** Record kind of the due-time keys (`expires/<kind>/<time>/<name>`, `idle/<kind>/<time>/<name>`). */
export const CLONE_DUE_KIND = 'clone-due';
/** Record kind of the marker saying which index version this catalog holds. */
const CLONE_INDEX_KIND = 'clone-index';
const INDEX_VERSION = 1;

/** The live clones of one scope, by name. */
export interface ScopeMembers {
  readonly live: readonly string[];
}

/** The clocks a clone's due time follows: its expiry (TTL, moved by extend and refresh) and the start of its idle time. */
export type DueClock = 'expires' | 'idle';

/** Width of the zero-padded times in due keys, so keys sort as the times do. */
const TIME_DIGITS = 15;

function pad(ms: number): string {
  return String(Math.max(0, Math.floor(ms))).padStart(TIME_DIGITS, '0');
}

/** When a live clone's idle time counts from: its last use, or its creation or reset if it has not been used since. */
export function idleSince(r: CloneRecord): number {
  return Math.max(r.lastActivityAt, r.createdAt, r.refreshedAt ?? 0);
}

function isLive(r: CloneRecord | undefined): r is CloneRecord {
  return r !== undefined && r.state !== 'destroyed';
}

function dueKeys(r: CloneRecord | undefined): readonly string[] {
  if (!isLive(r)) return [];
  return [`expires/${r.scopeKind}/${pad(r.expiresAt)}/${r.name}`, `idle/${r.scopeKind}/${pad(idleSince(r))}/${r.name}`];
}

/** The live clones of `scope` (one record read). */
export function scopeMembers(store: ControlStore, scope: string): readonly string[] {
  return store.getRecord<ScopeMembers>(CLONE_SCOPE_KIND, scope)?.live ?? [];
}

/** The names of live clones of `kind` whose `clock` time is at or before `until`, by that time. */
export function clonesDueBy(store: ControlStore, kind: ScopeKind, clock: DueClock, until: number): readonly string[] {
  if (until < 0) return [];
  const prefix = `${clock}/${kind}/`;
  return store.listRecordRange<{ name: string }>(CLONE_DUE_KIND, { from: prefix, to: `${prefix}${pad(until + 1)}` }).map((r) => r.value.name);
}

/** Inside the caller's transaction: moves the index entries of one clone from its record `before` to `after`. */
export function reindexClone(store: ControlStore, before: CloneRecord | undefined, after: CloneRecord | undefined): void {
  const gone = new Set(dueKeys(before));
  for (const key of dueKeys(after)) {
    if (!gone.delete(key)) store.putRecord(CLONE_DUE_KIND, key, { name: after?.name });
  }
  for (const key of gone) store.deleteRecord(CLONE_DUE_KIND, key);
  const wasIn = isLive(before) ? before.scope : undefined;
  const isIn = isLive(after) ? after.scope : undefined;
  if (wasIn === isIn) return;
  if (wasIn !== undefined && before) setMembers(store, wasIn, scopeMembers(store, wasIn).filter((n) => n !== before.name));
  if (isIn !== undefined && after) setMembers(store, isIn, [...scopeMembers(store, isIn).filter((n) => n !== after.name), after.name].sort());
}

function setMembers(store: ControlStore, scope: string, live: readonly string[]): void {
  if (live.length === 0) store.deleteRecord(CLONE_SCOPE_KIND, scope);
  else store.putRecord(CLONE_SCOPE_KIND, scope, { live } satisfies ScopeMembers);
}

/** Whether this catalog's clone indexes are built (one record read). */
export function cloneIndexBuilt(store: ControlStore): boolean {
  return store.getRecord<{ version: number }>(CLONE_INDEX_KIND, 'version')?.version === INDEX_VERSION;
}

/**
 * Builds the indexes from every clone record, once per catalog (a catalog
 * from before they existed, or one whose index version is older); later
 * calls read one marker record. Runs in its own transaction, so two
 * processes never both build.
 */
export function ensureCloneIndex(store: ControlStore, allRecords: () => readonly CloneRecord[]): void {
  if (cloneIndexBuilt(store)) return;
  store.atomically(() => {
    if (cloneIndexBuilt(store)) return;
    for (const kind of [CLONE_SCOPE_KIND, CLONE_DUE_KIND]) for (const r of store.listRecords(kind)) store.deleteRecord(kind, r.key);
    for (const r of allRecords()) reindexClone(store, undefined, r);
    store.putRecord(CLONE_INDEX_KIND, 'version', { version: INDEX_VERSION });
  });
}

/** Every live clone's name, from the scope records (one read per scope, never a clone record). */
export function liveCloneNames(store: ControlStore): readonly string[] {
  return store
    .listRecords<ScopeMembers>(CLONE_SCOPE_KIND)
    .flatMap((r) => r.value.live)
    .sort();
}
