import { hostname } from 'node:os';
import { conflict } from '../core/errors.js';
import type { Clock } from '../core/clock.js';
import type { ControlStore } from '../warehouse/control-store.js';
import { DAG_RUN_KIND, type DagRunRecord } from './dag-run-history.js';

/** The control-store record kind of target locks (key: the target database). */
export const DAG_LOCK_KIND = 'dag-lock';

/** How often a running DAG refreshes its lock's heartbeat. */
export const HEARTBEAT_MS = 5_000;
/** A lock whose heartbeat is older than this is stale (its process hung or its host went away). */
export const STALE_AFTER_MS = 60_000;

/** Who holds a target. */
export interface DagLock {
  readonly target: string;
  readonly runId: string;
  readonly pid: number;
  readonly host: string;
  readonly startedAt: number;
  readonly heartbeatAt: number;
}

/** A lock this process holds: refresh it while the run lasts, release it at the end. */
export interface HeldLock {
  readonly lock: DagLock;
  /** The run a stale lock belonged to, now marked interrupted. */
  readonly tookOverFrom?: string;
  /** Stops the heartbeat and removes the lock (if it is still this run's). */
  release(): void;
}

/**
 * Takes the lock on `target` for `runId`, in one control-store transaction
 * so two runs racing (in this process or others) cannot both win. A lock held
 * by a live run is DAG_RUN_IN_PROGRESS, naming that run, its pid and start; a
 * stale one (its process is dead on this host, or its heartbeat is older than
 * {@link STALE_AFTER_MS}) is taken over and its run marked interrupted.
 * `onTakeOver` runs inside the same transaction.
 */
export function acquireDagLock(control: ControlStore, clock: Clock, target: string, runId: string, onTakeOver?: (previousRunId: string) => void): HeldLock {
  const host = hostname();
  const now = clock.now();
  const lock: DagLock = { target, runId, pid: process.pid, host, startedAt: now, heartbeatAt: now };
  let tookOverFrom: string | undefined;
  control.atomically(() => {
    const held = control.getRecord<DagLock>(DAG_LOCK_KIND, target);
    if (held) {
      if (!isStale(held, now)) {
        throw conflict(
          'DAG_RUN_IN_PROGRESS',
          `run ${held.runId} is already running against ${target} (pid ${held.pid} on ${held.host}, started ${new Date(held.startedAt).toISOString()}); wait for it to finish (\`mayfly dag show ${held.runId}\`) or run against another database`,
        );
      }
      tookOverFrom = held.runId;
      const previous = control.getRecord<DagRunRecord>(DAG_RUN_KIND, held.runId);
      if (previous?.status === 'running') control.putRecord(DAG_RUN_KIND, held.runId, { ...previous, status: 'interrupted', finishedAt: now });
      onTakeOver?.(held.runId);
    }
    control.putRecord(DAG_LOCK_KIND, target, lock);
  });
  const beat = setInterval(() => {
    try {
      control.atomically(() => {
        const held = control.getRecord<DagLock>(DAG_LOCK_KIND, target);
        if (held?.runId === runId) control.putRecord(DAG_LOCK_KIND, target, { ...held, heartbeatAt: clock.now() });
      });
    } catch {
      // A busy catalog skips one beat; the next one comes well before the lock turns stale.
    }
  }, HEARTBEAT_MS);
  beat.unref();
  return {
    lock,
    ...(tookOverFrom !== undefined ? { tookOverFrom } : {}),
    release() {
      clearInterval(beat);
      control.atomically(() => {
        if (control.getRecord<DagLock>(DAG_LOCK_KIND, target)?.runId === runId) control.deleteRecord(DAG_LOCK_KIND, target);
      });
    },
  };
}

/** The lock on `target`, if a run holds one. */
export function dagLockOf(control: ControlStore, target: string): DagLock | undefined {
  return control.getRecord<DagLock>(DAG_LOCK_KIND, target);
}

/** Whether a lock's run can no longer be running. */
export function isStale(lock: DagLock, now: number): boolean {
  if (now - lock.heartbeatAt > STALE_AFTER_MS) return true;
  return lock.host === hostname() && !processAlive(lock.pid);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
