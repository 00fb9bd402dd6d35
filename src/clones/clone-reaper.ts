import type { ResolvedConfig } from '../config/mayfly-config.js';
import { formatDuration } from '../core/duration.js';
import { isMayflyError } from '../core/errors.js';
import { retentionDeadline, retentionDeadlines } from '../retention/retention-deadline.js';
import type { GcReport } from '../warehouse/garbage-collector.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { abandonedHooks, deliverHooks, pruneDeliveredHooks, recordCloneEvent, type HookDelivery, type HookReport } from './clone-hooks.js';
import { clonePolicy, type ClonePolicy } from './clone-policy.js';
import { getCloneRecord, putCloneRecord, type CloneRecord } from './clone-record.js';
import { cloneStatus, formatMoment } from './clone-status.js';
import { databaseExists, destroyInTransaction, refreshInTransaction } from './clone-transitions.js';
import type { DeploymentReplayer } from './deployment-replayer.js';
import { liveClones, reapCandidates } from './reap-candidates.js';

/** What reap can do to one clone. */
export const REAP_ACTIONS = ['warn-expiring', 'warn-retention', 'refresh', 'destroy', 'forget'] as const;
/** One of {@link REAP_ACTIONS}. */
export type ReapAction = (typeof REAP_ACTIONS)[number];

/** Why reap acts: TTL or idle limit passed, retention deadline near, or the database is already gone. */
export type ReapCause = 'ttl' | 'idle' | 'retention' | 'missing';

/** One planned step. */
export interface ReapStep {
  readonly clone: string;
  readonly action: ReapAction;
  readonly cause: ReapCause;
  /** A sentence for people and hooks. */
  readonly message: string;
  /** The expiry or retention deadline the step is about (ms). */
  readonly dueAt: number | null;
}

/** Takes storage samples of databases (the costs module's Meter): reap samples the clones it acts on, and those whose last sample is old. */
export interface StorageSampler {
  /** Records a storage sample now for each of `dbs`, and for each of `ifStale` not sampled lately; returns how many it sampled. */
  sample(dbs: readonly string[], ifStale?: readonly string[]): number;
}

/** Options of {@link reap}. */
export interface ReapOptions {
  /** Plan and report only: nothing is changed, no hook runs, GC only reports. */
  readonly dryRun?: boolean;
  readonly sampler?: StorageSampler;
  /** Re-applies a clone's deployments when reap refreshes it. */
  readonly replayer?: DeploymentReplayer;
  /** Called after each step (and once with the plan's size before the first). */
  readonly onProgress?: (done: number, total: number, clone: string) => void;
}

/** What a reap did. */
export interface ReapReport {
  readonly dryRun: boolean;
  readonly at: number;
  /** Clones examined (not destroyed). */
  readonly clones: number;
  readonly plan: readonly ReapStep[];
  /** Steps applied (all of the plan unless skipped or failed). */
  readonly applied: readonly ReapStep[];
  /** Steps skipped because the clone changed since reap planned (extended, pinned, destroyed by someone). */
  readonly skipped: readonly ReapStep[];
  readonly errors: readonly { readonly clone: string; readonly action: ReapAction | 'plan'; readonly code: string; readonly message: string }[];
  readonly hooks: HookReport;
  /** Deliveries that failed too often to be retried again. */
  readonly abandonedHooks: readonly Pick<HookDelivery, 'key' | 'event' | 'clone' | 'lastError'>[];
  /** Clones sampled for cost metering. */
  readonly sampled: number;
  readonly gc: GcReport;
  readonly elapsedMs: number;
}

const DELIVERED_KEPT_MS = 30 * 86_400_000;

/**
 * One pass of the lifecycle: expires clones past their TTL or idle limit
 * (destroy or refresh by policy; idle ones are destroyed), applies the
 * retention action before each deadline, warns once before either, samples
 * storage, delivers pending hooks and collects garbage. Each clone's change is
 * one transaction that re-checks the clone, so reap is idempotent and safe to
 * kill at any moment and run again.
 */
export async function reap(warehouse: Warehouse, config: ResolvedConfig, options: ReapOptions = {}): Promise<ReapReport> {
  const started = performance.now();
  const at = warehouse.clock.now();
  const dryRun = options.dryRun ?? false;
  const errors: { clone: string; action: ReapAction | 'plan'; code: string; message: string }[] = [];
  // Names from the scope index (no clone record read); records only for the clones that may be due.
  const liveNames = liveClones(warehouse.control);
  const present = liveNames.filter((name) => databaseExists(warehouse, name));
  const presentSet = new Set(present);
  const live = reapCandidates(warehouse.control, config, at, liveNames.filter((name) => !presentSet.has(name)));
  const plan: ReapStep[] = [];
  const planned = new Map<string, CloneRecord>();
  const existing = live.filter((r) => presentSet.has(r.name)).map((r) => r.name);
  // Sources too: a refresh helps only when the source holds less old data than the clone.
  const sources = [...new Set(live.map((r) => r.source))].filter((s) => !existing.includes(s) && databaseExists(warehouse, s));
  const deadlines = await deadlinesOf(warehouse, config, [...existing, ...sources]);
  for (const record of live) {
    try {
      const steps = await planClone(warehouse, config, record, at, deadlines);
      plan.push(...steps);
      if (steps.length) planned.set(record.name, record);
    } catch (e) {
      errors.push({ clone: record.name, action: 'plan', code: isMayflyError(e) ? e.code : 'INTERNAL', message: e instanceof Error ? e.message : String(e) });
    }
  }
  if (dryRun) {
    const gc = await warehouse.gc({ dryRun: true });
    return { dryRun, at, clones: live.length, plan, applied: [], skipped: [], errors, hooks: { sent: 0, failed: [] }, abandonedHooks: [], sampled: 0, gc, elapsedMs: performance.now() - started };
  }
  // Sample before acting, so a clone about to be destroyed is metered up to its end.
  // Only these: a reap does not compute the storage of every clone (a clone's samples otherwise come from its own writes).
  const sampled = options.sampler?.sample(existing.filter((n) => planned.has(n)), present) ?? 0;
  const applied: ReapStep[] = [];
  const skipped: ReapStep[] = [];
  options.onProgress?.(0, plan.length, '');
  for (const [i, step] of plan.entries()) {
    const before = planned.get(step.clone);
    try {
      const after = before ? await applyStep(warehouse, config, step, before, options.replayer) : undefined;
      // A clone's next step (a warning after a warning) checks against the record this one wrote.
      if (after) planned.set(step.clone, after);
      (after ? applied : skipped).push(step);
    } catch (e) {
      errors.push({ clone: step.clone, action: step.action, code: isMayflyError(e) ? e.code : 'INTERNAL', message: e instanceof Error ? e.message : String(e) });
    }
    options.onProgress?.(i + 1, plan.length, step.clone);
  }
  const hooks = await deliverHooks(warehouse.control, warehouse.clock);
  pruneDeliveredHooks(warehouse.control, at - DELIVERED_KEPT_MS);
  const abandoned = abandonedHooks(warehouse.control).map((d) => ({ key: d.key, event: d.event, clone: d.clone, lastError: d.lastError }));
  const gc = await warehouse.gc();
  return { dryRun, at, clones: live.length, plan, applied, skipped, errors, hooks, abandonedHooks: abandoned, sampled, gc, elapsedMs: performance.now() - started };
}

/** The retention deadlines of the clones, in one pass (one engine session); per clone if that fails, so one broken clone does not stop reap. */
async function deadlinesOf(warehouse: Warehouse, config: ResolvedConfig, names: readonly string[]): Promise<Map<string, number | null>> {
  try {
    return new Map((await retentionDeadlines(warehouse, config, names)).map((d) => [d.db, d.deadline]));
  } catch {
    return new Map();
  }
}

/** A database's retention deadline, from the batch or computed alone. */
async function deadlineOf(warehouse: Warehouse, config: ResolvedConfig, known: ReadonlyMap<string, number | null>, db: string): Promise<number | null> {
  const d = known.get(db);
  if (d !== undefined) return d;
  if (!databaseExists(warehouse, db)) return null;
  return (await retentionDeadline(warehouse, config, db)).deadline;
}

/** What reap would do to one clone now. */
async function planClone(warehouse: Warehouse, config: ResolvedConfig, record: CloneRecord, now: number, deadlines: ReadonlyMap<string, number | null>): Promise<ReapStep[]> {
  const name = record.name;
  if (!databaseExists(warehouse, name)) {
    return [{ clone: name, action: 'forget', cause: 'missing', dueAt: null, message: `clone ${name}'s database was dropped outside Mayfly; its record is marked destroyed` }];
  }
  const policy = clonePolicy(config, record.scopeKind);
  const deadline = await deadlineOf(warehouse, config, deadlines, name);
  const steps: ReapStep[] = [];
  if (deadline !== null) {
    const actAt = deadline - policy.retentionLeadMs;
    const action = policy.beforeRetentionDeadline;
    // Until its source purges the clone's oldest data, a refresh would bring the same data back: the clone then holds nothing production does not.
    const sourceDeadline = action === 'refresh' ? await deadlineOf(warehouse, config, deadlines, record.source) : null;
    const refreshHelps = sourceDeadline === null || sourceDeadline > deadline;
    if (now >= actAt && (action === 'destroy' || (action === 'refresh' && refreshHelps))) {
      const verb = action === 'refresh' ? 'refreshed' : 'destroyed';
      return [{ clone: name, action, cause: 'retention', dueAt: deadline, message: `clone ${name} is ${verb}: it holds data that production's retention purge${deadline <= now ? 'd' : 's'} on ${formatMoment(deadline)}` }];
    }
    if (now >= actAt - policy.warningLeadMs && record.warned.retentionDeadline !== deadline) {
      const then =
        action === 'warn'
          ? `it becomes non-compliant then: refresh it (\`mayfly clone refresh ${name}\`) or destroy it`
          : action === 'refresh' && !refreshHelps
            ? `reap refreshes it once ${record.source} has purged that data (clones.scopes.${policy.kind}.beforeRetentionDeadline)`
            : `reap will ${action} it on ${formatMoment(actAt)} (clones.scopes.${policy.kind}.beforeRetentionDeadline)`;
      steps.push({ clone: name, action: 'warn-retention', cause: 'retention', dueAt: deadline, message: `clone ${name} holds data that production's retention purges on ${formatMoment(deadline)}; ${then}` });
    }
  }
  const status = cloneStatus(record, policy, now);
  if (status.dueAt === null) return steps;
  const cause: ReapCause = status.dueReason === 'idle' ? 'idle' : 'ttl';
  const why = cause === 'idle' ? `has not been used since ${formatMoment(Math.max(record.lastActivityAt, record.refreshedAt ?? 0))}` : `expired on ${formatMoment(status.dueAt)}`;
  if (status.state === 'expired') {
    // An idle clone is removed whatever atExpiry says: refreshing keeps a clone in use current, not one nobody uses.
    const action = cause === 'idle' ? 'destroy' : policy.atExpiry;
    return [{ clone: name, action, cause, dueAt: status.dueAt, message: `clone ${name} ${why}; it is ${action === 'refresh' ? 'refreshed with a new TTL' : 'destroyed'}` }];
  }
  if (status.state === 'expiring' && record.warned.expiresAt !== status.dueAt) {
    const then = cause === 'idle' || policy.atExpiry === 'destroy' ? 'destroyed' : 'refreshed from its source';
    steps.push({
      clone: name,
      action: 'warn-expiring',
      cause,
      dueAt: status.dueAt,
      message:
        `clone ${name} ${cause === 'idle' ? 'is idle and ' : ''}expires on ${formatMoment(status.dueAt)} (in ${formatDuration(status.dueAt - now)}) and will then be ${then}; ` +
        `keep it with \`mayfly clone extend ${name} --ttl 7d\`${cause === 'idle' ? ', by using it,' : ''} or \`mayfly clone pin ${name} --until DATE\``,
    });
  }
  return steps;
}

/** Applies one step in one transaction, unless the clone changed since it was planned; returns the record it wrote. */
async function applyStep(
  warehouse: Warehouse,
  config: ResolvedConfig,
  step: ReapStep,
  planned: CloneRecord,
  replayer: DeploymentReplayer | undefined,
): Promise<CloneRecord | undefined> {
  const store = warehouse.control;
  const now = warehouse.clock.now();
  const unchanged = (): CloneRecord | undefined => {
    const current = getCloneRecord(store, step.clone);
    // Activity moves the idle limit without counting as a change (updatedAt), so it is compared too.
    const same = current && current.state !== 'destroyed' && current.updatedAt === planned.updatedAt && current.lastActivityAt === planned.lastActivityAt;
    return same ? current : undefined;
  };
  const policy: ClonePolicy = clonePolicy(config, planned.scopeKind);
  if (step.action === 'refresh') {
    const captured = replayer ? await replayer.capture(step.clone, planned.source) : undefined;
    const outcome = store.atomically(() => {
      const current = unchanged();
      if (!current) return undefined;
      if (step.cause !== 'retention') recordCloneEvent(store, config, 'expired', current, now, step.message, { cause: step.cause, action: 'refresh' });
      return refreshInTransaction(warehouse, config, current, now, step.cause === 'retention' ? 'retention deadline' : 'expired');
    });
    if (outcome && replayer) await replayer.replay(step.clone, captured);
    return outcome?.record;
  }
  return store.atomically((): CloneRecord | undefined => {
    const current = unchanged();
    if (!current) return undefined;
    switch (step.action) {
      case 'destroy':
        if (step.cause !== 'retention') recordCloneEvent(store, config, 'expired', current, now, step.message, { cause: step.cause, action: 'destroy' });
        return destroyInTransaction(warehouse, config, current, now, step.cause === 'retention' ? 'retention deadline' : step.cause === 'idle' ? 'idle' : 'expired').record;
      case 'forget':
        return destroyInTransaction(warehouse, config, current, now, 'database dropped outside Mayfly').record;
      case 'warn-expiring': {
        const next: CloneRecord = { ...current, state: 'expiring', warned: { ...current.warned, expiresAt: step.dueAt }, updatedAt: now };
        putCloneRecord(store, next);
        recordCloneEvent(store, config, 'expiring', next, now, step.message, {
          cause: step.cause,
          dueAt: step.dueAt && new Date(step.dueAt).toISOString(),
          action: step.cause === 'idle' ? 'destroy' : policy.atExpiry,
        });
        return next;
      }
      case 'warn-retention': {
        const next: CloneRecord = { ...current, warned: { ...current.warned, retentionDeadline: step.dueAt }, updatedAt: now };
        putCloneRecord(store, next);
        recordCloneEvent(store, config, 'retention-near', next, now, step.message, {
          deadline: step.dueAt && new Date(step.dueAt).toISOString(),
          action: policy.beforeRetentionDeadline,
        });
        return next;
      }
    }
    return undefined;
  });
}
