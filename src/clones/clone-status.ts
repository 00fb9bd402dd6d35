import type { CloneRecord, CloneState } from './clone-record.js';
import type { ClonePolicy } from './clone-policy.js';

/** Why a clone lapses: its TTL ran out, or nobody used it for the idle limit. */
export type LapseReason = 'ttl' | 'idle';

/** A clone's lifecycle position at one moment, derived from its record and its scope's policy. */
export interface CloneStatus {
  /** active, expiring (within the warning lead), expired (due, not yet reaped) or destroyed. */
  readonly state: CloneState;
  /** When it stops being used long enough to count as idle, or null when the policy has no idle limit. */
  readonly idleExpiresAt: number | null;
  /** When it lapses (earlier of TTL and idle limit), deferred to the lease's end while pinned; null once destroyed. */
  readonly dueAt: number | null;
  readonly dueReason: LapseReason | null;
  /** Whether a lease holds it now. */
  readonly pinned: boolean;
  /** Milliseconds until it is due (negative once past), null once destroyed. */
  readonly msLeft: number | null;
}

/** The status of a clone at `now`: the state `list` and `show` print and `reap` acts on. */
export function cloneStatus(record: CloneRecord, policy: ClonePolicy, now: number): CloneStatus {
  const pinned = record.pinnedUntil !== null && now < record.pinnedUntil;
  if (record.state === 'destroyed') return { state: 'destroyed', idleExpiresAt: null, dueAt: null, dueReason: null, pinned: false, msLeft: null };
  // Idle time counts from the last use, or from when the clone was made or reset if it has not been used since.
  const idleSince = Math.max(record.lastActivityAt, record.createdAt, record.refreshedAt ?? 0);
  const idleExpiresAt = policy.idleExpiryMs === null ? null : idleSince + policy.idleExpiryMs;
  const idleFirst = idleExpiresAt !== null && idleExpiresAt < record.expiresAt;
  const lapse = idleFirst ? idleExpiresAt : record.expiresAt;
  const dueAt = record.pinnedUntil !== null && record.pinnedUntil > lapse ? record.pinnedUntil : lapse;
  const state: CloneState = now >= dueAt ? 'expired' : now >= dueAt - policy.warningLeadMs ? 'expiring' : 'active';
  return { state, idleExpiresAt, dueAt, dueReason: idleFirst ? 'idle' : 'ttl', pinned, msLeft: dueAt - now };
}

/** A point in time for messages and hook payloads' sentences: `2026-12-01 14:05 UTC`. */
export function formatMoment(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
