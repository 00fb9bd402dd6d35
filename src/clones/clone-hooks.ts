import type { CloneEvent } from '../config/clones-config.js';
import type { ResolvedConfig } from '../config/mayfly-config.js';
import type { Clock } from '../core/clock.js';
import { parseDuration } from '../core/duration.js';
import { randomId } from '../core/ids.js';
import type { ControlStore } from '../warehouse/control-store.js';
import type { CloneRecord } from './clone-record.js';
import { runHook, type HookTarget } from './hook-runner.js';

/** The event-log kind of every clone's history (subject: the clone's name). */
export const CLONE_HISTORY_KIND = 'clone-lifecycle';
/** The record kind of hook deliveries (an outbox: written with the change, delivered after it). */
export const HOOK_DELIVERY_KIND = 'clone-hook';
/** A delivery's states: queued, delivered, or failed (retried by the next reap). */
export const DELIVERY_STATUSES = ['pending', 'sent', 'failed'] as const;
/** One of {@link DELIVERY_STATUSES}. */
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];
/** A failing delivery is retried by this many reaps, then left failed (and reported). */
export const MAX_HOOK_ATTEMPTS = 10;

/** What a hook receives: the event, the clone and a sentence a chat message can show as is. */
export interface CloneEventPayload {
  /** The delivery's id: the same on a retry, so a receiver can drop duplicates (delivery is at least once). */
  readonly id: string;
  readonly event: CloneEvent;
  readonly clone: string;
  /** ISO-8601. */
  readonly at: string;
  readonly message: string;
  readonly scope: string;
  readonly owner: string;
  readonly purpose: string;
  readonly ticket: string | null;
  readonly source: string;
  readonly expiresAt: string;
  readonly pinnedUntil: string | null;
  /** Event specifics: the reason, what a refresh discarded, the retention deadline, … */
  readonly details: Readonly<Record<string, unknown>>;
}

/** One hook delivery as recorded. */
export interface HookDelivery {
  readonly key: string;
  readonly event: CloneEvent;
  readonly clone: string;
  readonly target: HookTarget;
  readonly payload: CloneEventPayload;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly lastError: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** An entry of a clone's history. */
export interface CloneHistoryEntry {
  readonly event: CloneEvent | 'extended' | 'pinned' | 'unpinned';
  readonly message: string;
  readonly details: Readonly<Record<string, unknown>>;
}

/** What a round of deliveries did. */
export interface HookReport {
  readonly sent: number;
  readonly failed: readonly { readonly key: string; readonly event: CloneEvent; readonly clone: string; readonly attempts: number; readonly error: string }[];
}

/** Orders deliveries queued in the same millisecond by this process. */
let sequence = 0;

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/**
 * Inside the caller's transaction: appends the event to the clone's history
 * and queues one delivery per hook subscribed to it, so a change and its
 * notifications commit together. Returns the queued deliveries' keys.
 */
export function recordCloneEvent(
  store: ControlStore,
  config: ResolvedConfig,
  event: CloneEvent,
  record: CloneRecord,
  at: number,
  message: string,
  details: Readonly<Record<string, unknown>> = {},
): string[] {
  store.appendEvent(CLONE_HISTORY_KIND, record.name, at, { event, message, details } satisfies CloneHistoryEntry);
  const payload: Omit<CloneEventPayload, 'id'> = {
    event,
    clone: record.name,
    at: new Date(at).toISOString(),
    message,
    scope: record.scope,
    owner: record.owner,
    purpose: record.purpose,
    ticket: record.ticket ?? null,
    source: record.source,
    expiresAt: new Date(record.expiresAt).toISOString(),
    pinnedUntil: iso(record.pinnedUntil),
    details,
  };
  const keys: string[] = [];
  for (const hook of config.project.hooks) {
    if (hook.events && !hook.events.includes(event)) continue;
    const target: HookTarget = {
      ...(hook.command !== undefined ? { command: hook.command } : {}),
      ...(hook.url !== undefined ? { url: hook.url } : {}),
      timeoutMs: parseDuration(hook.timeout, 'hooks.timeout'),
      cwd: config.projectDir,
    };
    // Keys sort by time, so deliveries go out in the order the events happened.
    const key = `${String(at).padStart(15, '0')}:${String(++sequence).padStart(9, '0')}:${record.name}:${event}:${randomId().slice(0, 8)}`;
    const delivery: HookDelivery = { key, event, clone: record.name, target, payload: { id: key, ...payload }, status: 'pending', attempts: 0, lastError: null, createdAt: at, updatedAt: at };
    store.putRecord(HOOK_DELIVERY_KIND, key, delivery);
    keys.push(key);
  }
  return keys;
}

/** Logs a change that no hook subscribes to (extend, pin, unpin) in the clone's history. */
export function recordCloneHistory(store: ControlStore, name: string, at: number, entry: CloneHistoryEntry): void {
  store.appendEvent(CLONE_HISTORY_KIND, name, at, entry);
}

/** A clone's history, oldest first. */
export function cloneHistory(store: ControlStore, name: string): readonly { readonly at: number; readonly entry: CloneHistoryEntry }[] {
  return store.listEvents<CloneHistoryEntry>(CLONE_HISTORY_KIND, { subject: name }).map((e) => ({ at: e.at, entry: e.value }));
}

/** Deliveries still to send: pending ones, and failed ones under the attempt limit. */
export function undeliveredHooks(store: ControlStore, clone?: string): readonly HookDelivery[] {
  return store
    .listRecords<HookDelivery>(HOOK_DELIVERY_KIND)
    .map((r) => r.value)
    .filter((d) => (clone === undefined || d.clone === clone) && (d.status === 'pending' || (d.status === 'failed' && d.attempts < MAX_HOOK_ATTEMPTS)));
}

/** Deliveries that failed for good (attempt limit reached), for reports. */
export function abandonedHooks(store: ControlStore): readonly HookDelivery[] {
  return store
    .listRecords<HookDelivery>(HOOK_DELIVERY_KIND)
    .map((r) => r.value)
    .filter((d) => d.status === 'failed' && d.attempts >= MAX_HOOK_ATTEMPTS);
}

/**
 * Sends deliveries one at a time, oldest first: the ones named by `keys`, or
 * every undelivered one. Each outcome is recorded at once, so a process killed
 * midway leaves the rest pending for the next reap (delivery is at least once).
 * A failure is recorded and reported, never thrown.
 */
export async function deliverHooks(store: ControlStore, clock: Clock, keys?: readonly string[]): Promise<HookReport> {
  const todo = keys === undefined ? undeliveredHooks(store) : keys.map((k) => store.getRecord<HookDelivery>(HOOK_DELIVERY_KIND, k)).filter((d) => d !== undefined);
  let sent = 0;
  const failed: { key: string; event: CloneEvent; clone: string; attempts: number; error: string }[] = [];
  for (const d of todo) {
    if (d.status === 'sent') continue;
    let error: string | null = null;
    try {
      await runHook(d.target, d.payload);
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
    }
    const attempts = d.attempts + 1;
    store.atomically(() => {
      const now = store.getRecord<HookDelivery>(HOOK_DELIVERY_KIND, d.key);
      // Another reap may have delivered it meanwhile: keep its success.
      if (!now || now.status === 'sent') return;
      store.putRecord(HOOK_DELIVERY_KIND, d.key, { ...now, status: error === null ? 'sent' : 'failed', attempts, lastError: error, updatedAt: clock.now() } satisfies HookDelivery);
    });
    if (error === null) sent++;
    else failed.push({ key: d.key, event: d.event, clone: d.clone, attempts, error });
  }
  return { sent, failed };
}

/** Removes delivered notifications older than `before` (reap keeps the outbox small). */
export function pruneDeliveredHooks(store: ControlStore, before: number): number {
  const old = store.listRecords<HookDelivery>(HOOK_DELIVERY_KIND).filter((r) => r.value.status === 'sent' && r.value.updatedAt < before);
  if (old.length === 0) return 0;
  store.atomically(() => {
    for (const r of old) store.deleteRecord(HOOK_DELIVERY_KIND, r.key);
  });
  return old.length;
}
