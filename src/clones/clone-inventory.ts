import type { ResolvedConfig } from '../config/mayfly-config.js';
import { invalid } from '../core/errors.js';
import { compareNames } from '../core/names.js';
import { costOf, type CostLine } from '../costs/meter.js';
import { retentionDeadline, retentionDeadlines, type RetentionDeadline } from '../retention/retention-deadline.js';
import type { StorageSplit } from '../warehouse/storage-metrics.js';
import type { DatabaseInfo, Warehouse } from '../warehouse/warehouse.js';
import type { CloneHistoryEntry, HookDelivery } from './clone-hooks.js';
import { clonePolicy, type ClonePolicy } from './clone-policy.js';
import { CLONE_STATES, listCloneRecords, SCOPE_KINDS, type CloneRecord, type CloneState } from './clone-record.js';
import { parseScope } from './clone-scope.js';
import { cloneStatus, type CloneStatus } from './clone-status.js';

/** How `clone list` can sort. */
export const CLONE_SORTS = ['expiry', 'activity', 'size', 'cost', 'name'] as const;
/** One of {@link CLONE_SORTS}. */
export type CloneSort = (typeof CLONE_SORTS)[number];

/** Which clones to list; without `state`, destroyed clones are left out. */
export interface CloneFilter {
  /** A scope (`squad:c`) or a scope kind (`squad`). */
  readonly scope?: string;
  readonly owner?: string;
  readonly state?: string;
}

/** A clone as listed: its record, its status now, its retention deadline, storage and cost so far. */
export interface CloneView {
  readonly record: CloneRecord;
  readonly status: CloneStatus;
  /** When its oldest retained data passes production's retention (ms), or null. */
  readonly retentionDeadline: number | null;
  /** Shared, exclusive and retained-for-clone bytes; null once destroyed. */
  readonly storage: StorageSplit | null;
  readonly cost: CostLine;
}

/** Everything `clone show` prints. */
export interface CloneDetails extends CloneView {
  readonly policy: ClonePolicy;
  readonly database: DatabaseInfo | null;
  readonly retention: RetentionDeadline | null;
  readonly history: readonly { readonly at: number; readonly entry: CloneHistoryEntry }[];
  readonly pendingHooks: readonly HookDelivery[];
}

/** The clones matching `filter`, sorted: soonest expiry, least recent activity, largest, or costliest first. */
export async function listClones(warehouse: Warehouse, config: ResolvedConfig, filter: CloneFilter = {}, sort: CloneSort = 'expiry'): Promise<CloneView[]> {
  const match = recordFilter(filter);
  const now = warehouse.clock.now();
  const records = listCloneRecords(warehouse.control).filter((r) => match.record(r));
  // Only the clones shown: the figures of the others (and of production) are not computed.
  const storage = storageByName(warehouse, records.filter((r) => r.state !== 'destroyed').map((r) => r.name));
  const alive = records.filter((r) => r.state !== 'destroyed' && storage.has(r.name)).map((r) => r.name);
  const deadlines = new Map((await retentionDeadlines(warehouse, config, alive)).map((d) => [d.db, d]));
  const views: CloneView[] = [];
  for (const record of records) {
    const view = cloneView(warehouse, config, record, now, storage, deadlines.get(record.name) ?? null);
    if (match.state(view.status.state)) views.push(view);
  }
  return views.sort(comparator(sort));
}

/** One clone in full (destroyed ones too): record, status, policy, database, storage split, cost so far, history. */
export async function describeClone(warehouse: Warehouse, config: ResolvedConfig, record: CloneRecord): Promise<CloneDetails> {
  // Imported here: `clone list` needs neither the history nor the transitions, and its start-up is the sum of its modules.
  const [{ cloneHistory, undeliveredHooks }, { databaseExists }] = await Promise.all([import('./clone-hooks.js'), import('./clone-transitions.js')]);
  const now = warehouse.clock.now();
  const alive = record.state !== 'destroyed' && databaseExists(warehouse, record.name);
  const retention = alive ? await retentionDeadline(warehouse, config, record.name) : null;
  const view = cloneView(warehouse, config, record, now, alive ? storageByName(warehouse, record.name) : new Map(), retention);
  return {
    ...view,
    policy: clonePolicy(config, record.scopeKind),
    database: alive ? warehouse.database(record.name) : null,
    retention,
    history: cloneHistory(warehouse.control, record.name),
    pendingHooks: undeliveredHooks(warehouse.control, record.name),
  };
}

function cloneView(
  warehouse: Warehouse,
  config: ResolvedConfig,
  record: CloneRecord,
  now: number,
  storage: ReadonlyMap<string, StorageSplit>,
  retention: RetentionDeadline | null,
): CloneView {
  const status = cloneStatus(record, clonePolicy(config, record.scopeKind), now);
  const destroyed = record.state === 'destroyed';
  return {
    record,
    status,
    retentionDeadline: retention?.deadline ?? null,
    storage: destroyed ? null : (storage.get(record.name) ?? null),
    cost: costOf(warehouse, config, record.name, record.createdAt, record.destroyedAt ?? now, record),
  };
}

function storageByName(warehouse: Warehouse, only: string | readonly string[]): Map<string, StorageSplit> {
  return new Map(warehouse.metrics(only).databases.map((d) => [d.name, d]));
}

function recordFilter(filter: CloneFilter): { record: (r: CloneRecord) => boolean; state: (s: CloneState) => boolean } {
  const state = filter.state;
  if (state !== undefined && !(CLONE_STATES as readonly string[]).includes(state)) {
    throw invalid('INVALID_STATE', `unknown state ${JSON.stringify(state)}: use one of ${CLONE_STATES.join(', ')}`);
  }
  let scope: (r: CloneRecord) => boolean = () => true;
  if (filter.scope !== undefined) {
    const text = filter.scope;
    if ((SCOPE_KINDS as readonly string[]).includes(text)) scope = (r) => r.scopeKind === text;
    else {
      const s = parseScope(text);
      scope = (r) => r.scope === `${s.kind}:${s.id}`;
    }
  }
  return {
    record: (r) => scope(r) && (filter.owner === undefined || r.owner === filter.owner) && (state === 'destroyed' || r.state !== 'destroyed'),
    state: (s) => state === undefined || s === state,
  };
}

function comparator(sort: CloneSort): (a: CloneView, b: CloneView) => number {
  const byName = (a: CloneView, b: CloneView): number => compareNames(a.record.name, b.record.name);
  const then = (d: number, a: CloneView, b: CloneView): number => d || byName(a, b);
  switch (sort) {
    case 'expiry':
      return (a, b) => then((a.status.dueAt ?? Infinity) - (b.status.dueAt ?? Infinity) || 0, a, b);
    case 'activity':
      return (a, b) => then(a.record.lastActivityAt - b.record.lastActivityAt, a, b);
    case 'size':
      return (a, b) => then((b.storage?.exclusiveBytes ?? 0) - (a.storage?.exclusiveBytes ?? 0), a, b);
    case 'cost':
      return (a, b) => then(b.cost.total - a.cost.total, a, b);
    case 'name':
      return byName;
  }
}
