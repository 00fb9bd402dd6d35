import type { AtExpiryAction, RetentionAction } from '../config/clones-config.js';
import type { ResolvedConfig } from '../config/mayfly-config.js';
import { parseDuration } from '../core/duration.js';
import type { ScopeKind } from './clone-record.js';

/** A scope kind's lifecycle policy, durations in milliseconds. */
export interface ClonePolicy {
  readonly kind: ScopeKind;
  readonly defaultTtlMs: number;
  readonly maxTtlMs: number;
  /** The most live clones one scope (one squad, one family, …) may hold at once. */
  readonly maxActive: number;
  /** No activity for this long expires a clone; null: never. */
  readonly idleExpiryMs: number | null;
  /** How long before expiry (or a retention action) the warning hooks run. */
  readonly warningLeadMs: number;
  readonly atExpiry: AtExpiryAction;
  readonly beforeRetentionDeadline: RetentionAction;
  /** How long before the retention deadline `reap` acts. */
  readonly retentionLeadMs: number;
}

/** The policy of a scope kind, from `clones.scopes.<kind>` of `mayfly.yaml` (defaults applied). */
export function clonePolicy(config: ResolvedConfig, kind: ScopeKind): ClonePolicy {
  const p = config.project.clones.scopes[kind];
  const field = (name: string): string => `clones.scopes.${kind}.${name}`;
  return {
    kind,
    defaultTtlMs: parseDuration(p.defaultTtl, field('defaultTtl')),
    maxTtlMs: parseDuration(p.maxTtl, field('maxTtl')),
    maxActive: p.maxActive,
    idleExpiryMs: p.idleExpiry === 'never' ? null : parseDuration(p.idleExpiry, field('idleExpiry')),
    warningLeadMs: parseDuration(p.warningLead, field('warningLead')),
    atExpiry: p.atExpiry,
    beforeRetentionDeadline: p.beforeRetentionDeadline,
    retentionLeadMs: parseDuration(p.retentionLead, field('retentionLead')),
  };
}
