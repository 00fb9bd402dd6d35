import { clonePolicy } from '../clones/clone-policy.js';
import { listCloneRecords, type CloneRecord } from '../clones/clone-record.js';
import type { RetentionAction } from '../config/clones-config.js';
import type { ResolvedConfig } from '../config/mayfly-config.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { retentionDeadlines, type TableDeadline } from './retention-deadline.js';
import { isoDay, retentionCutoff, retentionPolicies } from './retention-policy.js';
import { PURGE_EVENT_KIND, type TablePurge } from './retention-purge.js';

/** Where a clone stands against production's retention. */
export const RETENTION_STATUSES = ['non-compliant', 'near', 'ok', 'no-data'] as const;
/** One of {@link RETENTION_STATUSES}. */
export type RetentionStatus = (typeof RETENTION_STATUSES)[number];

/** One database (a clone) against production's retention. */
export interface CloneRetention {
  readonly name: string;
  /** `squad:c`, …; `-` for a database Mayfly holds no clone record of. */
  readonly scope: string;
  readonly owner: string;
  /** When its oldest retained data passes production's retention (ms), null when it holds none. */
  readonly deadline: number | null;
  readonly status: RetentionStatus;
  /** What `reap` does before the deadline (the scope's policy), null for a database without a clone record. */
  readonly action: RetentionAction | null;
  /** When `reap` acts: the deadline minus the policy's lead. */
  readonly actsAt: number | null;
  /** Bytes only this clone keeps alive: files production no longer references. */
  readonly retainedForCloneBytes: number;
  readonly tables: readonly TableDeadline[];
}

/** A production table's policy and its last purge. */
export interface PolicyStatus {
  readonly table: string;
  readonly column: string;
  readonly days: number;
  /** Today's cutoff (`YYYY-MM-DD`): production keeps this day and later. */
  readonly cutoff: string;
  readonly lastPurge: (TablePurge & { readonly at: number }) | null;
}

/** The result of `retention report`. */
export interface RetentionReport {
  readonly at: number;
  readonly production: string;
  /** How far ahead a deadline counts as near (ms). */
  readonly withinMs: number;
  readonly policies: readonly PolicyStatus[];
  /** Every database but production, most urgent first. */
  readonly clones: readonly CloneRetention[];
  readonly nonCompliant: number;
  readonly near: number;
  /** Bytes kept alive only for clones, all clones together. */
  readonly retainedForCloneBytes: number;
}

/**
 * Production's policies with their last purge, and every other database
 * against retention: non-compliant (its deadline has passed), near (the
 * deadline falls within `withinMs`, or within its policy's retention lead),
 * with the bytes each keeps alive only for itself.
 */
export async function retentionReport(warehouse: Warehouse, config: ResolvedConfig, options: { withinMs: number }): Promise<RetentionReport> {
  const at = warehouse.clock.now();
  const production = warehouse.settings.production;
  const policies = retentionPolicies(config).map((p): PolicyStatus => {
    const events = warehouse.control.listEvents<TablePurge>(PURGE_EVENT_KIND, { subject: p.table });
    const last = events[events.length - 1];
    return { table: p.table, column: p.column, days: p.days, cutoff: isoDay(retentionCutoff(at, p.days)), lastPurge: last ? { ...last.value, at: last.at } : null };
  });
  const records = new Map<string, CloneRecord>();
  for (const r of listCloneRecords(warehouse.control)) if (r.state !== 'destroyed') records.set(r.name, r);
  const metrics = new Map(warehouse.metrics().databases.map((d) => [d.name, d]));
  const names = [...metrics.keys()].filter((n) => n !== production).sort();
  const deadlines = await retentionDeadlines(warehouse, config, names);
  const clones = deadlines.map((d): CloneRetention => {
    const record = records.get(d.db);
    const policy = record ? clonePolicy(config, record.scopeKind) : undefined;
    const lead = policy?.retentionLeadMs ?? 0;
    const status: RetentionStatus =
      d.deadline === null ? 'no-data' : d.deadline <= at ? 'non-compliant' : d.deadline - at <= Math.max(options.withinMs, lead) ? 'near' : 'ok';
    return {
      name: d.db,
      scope: record?.scope ?? '-',
      owner: record?.owner ?? '-',
      deadline: d.deadline,
      status,
      action: policy?.beforeRetentionDeadline ?? null,
      actsAt: d.deadline === null || !policy ? null : d.deadline - lead,
      retainedForCloneBytes: metrics.get(d.db)?.retainedForCloneBytes ?? 0,
      tables: d.tables,
    };
  });
  const rank = (c: CloneRetention): number => RETENTION_STATUSES.indexOf(c.status);
  clones.sort((a, b) => rank(a) - rank(b) || (a.deadline ?? Infinity) - (b.deadline ?? Infinity) || a.name.localeCompare(b.name));
  return {
    at,
    production,
    withinMs: options.withinMs,
    policies,
    clones,
    nonCompliant: clones.filter((c) => c.status === 'non-compliant').length,
    near: clones.filter((c) => c.status === 'near').length,
    retainedForCloneBytes: clones.reduce((n, c) => n + c.retainedForCloneBytes, 0),
  };
}
