import type { ControlStore } from '../warehouse/control-store.js';
import { COMPUTE_EVENT_KIND, STORAGE_EVENT_KIND, type ComputeSample, type StorageSample } from './meter-events.js';

/** A metered life: a database name and when it existed (a clone, or any database). */
export interface MeteredLife {
  /** A key unique among the lives metered together (a clone record's key). */
  readonly key: string;
  /** The database name its events are recorded under. */
  readonly name: string;
  readonly createdAt: number;
  /** When it was destroyed, null while it lives. */
  readonly endedAt: number | null;
}

/** What a life used within a period: storage as bytes × milliseconds, compute in milliseconds. */
export interface Usage {
  /** Exclusive bytes (retained included) integrated over time. */
  readonly exclusiveByteMs: number;
  readonly retainedByteMs: number;
  /** Logical bytes integrated over time: what a persisted full copy would have stored. */
  readonly logicalByteMs: number;
  /** Charged bytes (its even share of every file it holds) integrated over time; a sample without them counts its exclusive bytes. */
  readonly chargedByteMs: number;
  readonly computeMs: number;
  /** The milliseconds of the period it existed. */
  readonly lifeMs: number;
}

/** How far before a period the opening storage sample is looked for first (reap samples every clone far more often). */
const OPENING_LOOKBACK_MS = 7 * 86_400_000;
/** Up to this many lives, events are read per database (indexed by subject) rather than all at once. */
const PER_SUBJECT_LIMIT = 8;

interface Tally {
  readonly life: MeteredLife;
  readonly samples: { at: number; value: StorageSample }[];
  opening: StorageSample | undefined;
  computeMs: number;
}

/**
 * Storage and compute of each life over [since, until): storage is a step
 * function — each sample holds until the next — integrated over the part of
 * the period the life existed; before its first sample a clone holds no
 * exclusive bytes (a fresh clone writes none) and its logical size is its
 * first sample's. Events are attributed by name to the latest life of that
 * name created at or before them, so a name used again is not confused.
 */
export function meterLives(store: ControlStore, lives: readonly MeteredLife[], since: number, until: number): Map<string, Usage> {
  const live = lives.filter((l) => l.createdAt < until && (l.endedAt ?? Infinity) > since);
  const byName = new Map<string, Tally[]>();
  for (const life of live) {
    const list = byName.get(life.name) ?? [];
    list.push({ life, samples: [], opening: undefined, computeMs: 0 });
    byName.set(life.name, list);
  }
  for (const list of byName.values()) list.sort((a, b) => a.life.createdAt - b.life.createdAt);
  const owner = (name: string, at: number): Tally | undefined => {
    const list = byName.get(name);
    if (!list) return undefined;
    let found: Tally | undefined;
    for (const t of list) if (t.life.createdAt <= at) found = t;
    return found;
  };
  const perSubject = byName.size <= PER_SUBJECT_LIMIT;
  const storage = perSubject
    ? [...byName.keys()].flatMap((subject) => store.listEvents<StorageSample>(STORAGE_EVENT_KIND, { subject, since, until }))
    : store.listEvents<StorageSample>(STORAGE_EVENT_KIND, { since, until });
  for (const e of storage) owner(e.subject, e.at)?.samples.push({ at: e.at, value: e.value });
  const compute = perSubject
    ? [...byName.keys()].flatMap((subject) => store.listEvents<ComputeSample>(COMPUTE_EVENT_KIND, { subject, since, until }))
    : store.listEvents<ComputeSample>(COMPUTE_EVENT_KIND, { since, until });
  for (const e of compute) {
    const t = owner(e.subject, e.at);
    if (t) t.computeMs += e.value.ms;
  }
  if (!perSubject) {
    // One read of the week before the period opens most lives; the rest look further back one by one.
    for (const e of store.listEvents<StorageSample>(STORAGE_EVENT_KIND, { since: since - OPENING_LOOKBACK_MS, until: since })) {
      const t = owner(e.subject, e.at);
      if (t) t.opening = e.value;
    }
  }
  const out = new Map<string, Usage>();
  for (const list of byName.values()) {
    for (const t of list) {
      if (t.life.createdAt < since && t.opening === undefined) t.opening = openingSample(store, t.life, since);
      t.samples.sort((a, b) => a.at - b.at);
      out.set(t.life.key, integrate(t, since, until));
    }
  }
  return out;
}

/** The last sample of a life before `since`, looked for in the last week first. */
function openingSample(store: ControlStore, life: MeteredLife, since: number): StorageSample | undefined {
  const recent = Math.max(life.createdAt, since - OPENING_LOOKBACK_MS);
  let events = store.listEvents<StorageSample>(STORAGE_EVENT_KIND, { subject: life.name, since: recent, until: since });
  if (events.length === 0 && recent > life.createdAt) {
    events = store.listEvents<StorageSample>(STORAGE_EVENT_KIND, { subject: life.name, since: life.createdAt, until: recent });
  }
  return events[events.length - 1]?.value;
}

function integrate(t: Tally, since: number, until: number): Usage {
  const start = Math.max(since, t.life.createdAt);
  const stop = Math.min(until, t.life.endedAt ?? Infinity);
  let exclusive = 0;
  let retained = 0;
  let logical = 0;
  let charged = 0;
  if (stop > start) {
    let at = start;
    // Before its first sample a clone shares all it holds: its charged share is taken from that sample, like its logical size.
    const first = t.samples[0]?.value;
    let current: StorageSample = t.opening ?? { exclusive: 0, retained: 0, logical: first?.logical ?? 0, charged: first?.charged ?? 0 };
    const add = (until: number): void => {
      const ms = until - at;
      exclusive += current.exclusive * ms;
      retained += current.retained * ms;
      logical += current.logical * ms;
      charged += (current.charged ?? current.exclusive) * ms;
    };
    for (const s of t.samples) {
      if (s.at < start) continue;
      if (s.at >= stop) break;
      add(s.at);
      at = s.at;
      current = s.value;
    }
    add(stop);
  }
  return { exclusiveByteMs: exclusive, retainedByteMs: retained, logicalByteMs: logical, chargedByteMs: charged, computeMs: t.computeMs, lifeMs: Math.max(0, stop - start) };
}
