import { formatDuration } from '../core/duration.js';

/** The durations a statement time limit is compared with. */
export interface RetentionWindows {
  readonly timeTravelMs: number;
  readonly gcGraceMs: number;
}

/** The longest time limit a timer can keep (about 24.8 days); a longer one would fire at once. */
export const MAX_TIMEOUT_MS = 2_147_483_647;

/**
 * Why a statement time limit of `ms` is unsafe under these settings, or
 * undefined: it must be above zero, fit a timer, and not outlast the
 * time-travel window or the GC grace (which would let GC prune the commit a
 * running statement read from).
 */
export function timeoutProblem(ms: number, s: RetentionWindows): string | undefined {
  if (!Number.isFinite(ms) || ms <= 0) return 'a statement time limit must be above zero';
  if (ms > MAX_TIMEOUT_MS) return `a statement time limit can be at most 24d, not ${formatDuration(ms)}`;
  if (ms > s.timeTravelMs) {
    return `a statement time limit of ${formatDuration(ms)} is longer than the time-travel window (timeTravel ${formatDuration(s.timeTravelMs)}): garbage collection could remove the commit a running statement reads; lengthen timeTravel or shorten the limit`;
  }
  if (ms > s.gcGraceMs) {
    return `a statement time limit of ${formatDuration(ms)} is longer than the GC grace period (gcGrace ${formatDuration(s.gcGraceMs)}): garbage collection could remove files a running statement writes; lengthen gcGrace or shorten the limit`;
  }
  return undefined;
}

/** How long a statement of user SQL may run by default. */
export const DEFAULT_STATEMENT_TIMEOUT = '5m';
/** How long a statement of a pipe, DAG or deployment may run by default (they move more data than a query). */
export const DEFAULT_JOB_STATEMENT_TIMEOUT = '30m';
