import type { ResolvedConfig } from '../config/mayfly-config.js';
import { retentionPolicies } from '../retention/retention-policy.js';
import type { ControlStore } from '../warehouse/control-store.js';
import { clonesDueBy, ensureCloneIndex, liveCloneNames } from './clone-index.js';
import { clonePolicy } from './clone-policy.js';
import { getCloneRecord, listCloneRecords, SCOPE_KINDS, type CloneRecord } from './clone-record.js';

/**
 * The live clones reap must look at `now`, by name: those whose expiry or
 * idle limit (under today's policy) falls within the warning lead, plus
 * `alsoNames` (clones whose database was dropped outside Mayfly). A pinned
 * clone is among them until its lease ends; planning then finds nothing to do.
 * With retention policies every live clone is examined: a retention deadline
 * follows a clone's data, which its record does not hold.
 */
export function reapCandidates(store: ControlStore, config: ResolvedConfig, now: number, alsoNames: readonly string[] = []): readonly CloneRecord[] {
  ensureCloneIndex(store, () => listCloneRecords(store));
  if (retentionPolicies(config).length > 0) return listCloneRecords(store).filter((r) => r.state !== 'destroyed');
  const names = new Set(alsoNames);
  for (const kind of SCOPE_KINDS) {
    const policy = clonePolicy(config, kind);
    for (const name of clonesDueBy(store, kind, 'expires', now + policy.warningLeadMs)) names.add(name);
    if (policy.idleExpiryMs !== null) for (const name of clonesDueBy(store, kind, 'idle', now + policy.warningLeadMs - policy.idleExpiryMs)) names.add(name);
  }
  return [...names].sort().flatMap((name) => {
    const record = getCloneRecord(store, name);
    return record && record.state !== 'destroyed' ? [record] : [];
  });
}

/** Every live clone's name from the scope index (built first if this catalog predates it), without reading a clone record. */
export function liveClones(store: ControlStore): readonly string[] {
  ensureCloneIndex(store, () => listCloneRecords(store));
  return liveCloneNames(store);
}
