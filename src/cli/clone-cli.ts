import type { Mayfly } from '../app/create-mayfly.js';
import type { HookReport } from '../clones/clone-hooks.js';
import type { CloneView } from '../clones/clone-inventory.js';
import type { CloneLifecycle } from '../clones/clone-lifecycle.js';
import type { CloneRecord } from '../clones/clone-record.js';
import type { CloneStatus } from '../clones/clone-status.js';
import type { CostLine } from '../costs/meter.js';
import { formatTime, type Output } from './output.js';

const DAY = 86_400_000;

/** The lifecycle over an open Mayfly, as `createMayfly` wired it (built on first use: listing commands never load it). */
export async function lifecycleOf(mayfly: Mayfly): Promise<CloneLifecycle> {
  // Imported before the property builds it: the property can only \`require\` the module, and an import
  // loads its graph through the ES module loader (and its hooks: the start-up test sees what it loads).
  await import('../clones/clone-lifecycle.js');
  return mayfly.lifecycle;
}

/** A time as ISO-8601 for JSON, or null. */
export function isoOrNull(ms: number | null | undefined): string | null {
  return ms === null || ms === undefined ? null : new Date(ms).toISOString();
}

/** A clone record as JSON: its fields, times as ISO-8601. */
export function cloneRecordJson(r: CloneRecord): Record<string, unknown> {
  return {
    name: r.name,
    scope: r.scope,
    owner: r.owner,
    purpose: r.purpose,
    ticket: r.ticket ?? null,
    source: r.source,
    schemas: r.schemas,
    takenAt: isoOrNull(r.takenAt),
    createdAt: isoOrNull(r.createdAt),
    expiresAt: isoOrNull(r.expiresAt),
    ttlDays: r.ttlMs / DAY,
    lastActivityAt: isoOrNull(r.lastActivityAt),
    refreshedAt: isoOrNull(r.refreshedAt),
    refreshes: r.refreshes,
    pinnedUntil: isoOrNull(r.pinnedUntil),
    destroyedAt: isoOrNull(r.destroyedAt),
    destroyReason: r.destroyReason,
  };
}

/** A listed clone as JSON: record, state now, days left, retention deadline, storage and cost. */
export function cloneViewJson(v: CloneView): Record<string, unknown> {
  return {
    ...cloneRecordJson(v.record),
    state: v.status.state,
    dueAt: isoOrNull(v.status.dueAt),
    dueReason: v.status.dueReason,
    daysLeft: v.status.msLeft === null ? null : Math.round((v.status.msLeft / DAY) * 10) / 10,
    pinned: v.status.pinned,
    retentionDeadline: isoOrNull(v.retentionDeadline),
    storage: v.storage && {
      logicalBytes: v.storage.logicalBytes,
      sharedBytes: v.storage.sharedBytes,
      exclusiveBytes: v.storage.exclusiveBytes,
      retainedForCloneBytes: v.storage.retainedForCloneBytes,
      chargedBytes: v.storage.chargedBytes,
      files: v.storage.files,
    },
    cost: v.cost,
  };
}

/** Time left for people: `12.5 d`, `5 h`, `expired`, `pinned` details, or `-` once destroyed. */
export function formatLeft(status: CloneStatus): string {
  if (status.msLeft === null) return '-';
  if (status.msLeft <= 0) return 'expired';
  if (status.msLeft < DAY) return `${Math.max(1, Math.round(status.msLeft / 3_600_000))} h`;
  return `${(status.msLeft / DAY).toFixed(status.msLeft < 10 * DAY ? 1 : 0)} d`;
}

/** A date for tables: `2026-03-01 14:05:09`, or `-`. */
export function formatWhen(ms: number | null | undefined): string {
  return ms === null || ms === undefined ? '-' : formatTime(ms);
}

/** A cost: `12.34 USD`. */
export function formatCost(c: CostLine): string {
  return `${c.total.toFixed(2)} ${c.currency}`;
}

/** Says on stderr which hooks failed (they are retried by the next reap). */
export function noteHookFailures(out: Output, hooks: HookReport): void {
  for (const f of hooks.failed) out.note(`warning: the ${f.event} hook for ${f.clone} failed (${f.error}); \`mayfly reap\` retries it`);
}

/** Hook results as JSON. */
export function hooksJson(hooks: HookReport): Record<string, unknown> {
  return { sent: hooks.sent, failed: hooks.failed };
}
