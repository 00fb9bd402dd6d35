/**
 * Cost reporting at scale: a year of metering events for 200 clones (storage
 * sampled every 6 hours, as a reap from cron would; compute flushed daily),
 * written straight into the control store under a fake clock, then the cost
 * report over the year by clone, scope and owner, over the last 30 days, and
 * `costOf` one clone. Also the retention deadline of many clones that share
 * production's table versions (what reap computes for every clone).
 */
import { join } from 'node:path';
import { putCloneRecord, type CloneRecord } from '../src/clones/clone-record.js';
import { costOf } from '../src/costs/meter.js';
import { costReport, COST_GROUPINGS } from '../src/costs/cost-report.js';
import { COMPUTE_EVENT_KIND, STORAGE_EVENT_KIND, type ComputeSample, type StorageSample } from '../src/costs/meter-events.js';
import { createMayfly, FakeClock, validateConfig, type ResolvedConfig } from '../src/index.js';
import { retentionDeadlines } from '../src/retention/retention-deadline.js';
import { progress, summarize, timed } from './bench-util.js';
import { figure, type Figure } from './report.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const YEAR = 365 * DAY;
const START = Date.parse('2025-01-01T00:00:00Z');
const SCOPES = ['squad:a', 'squad:b', 'squad:c', 'family:a', 'family:b', 'cross-family:irm-a'] as const;
const SETTINGS = { production: 'prod', threads: 1, memoryLimit: '512MB', gcGraceMs: 0 } as const;

/** Measures the cost report over a year of metering, and retention deadlines over many clones. */
export async function measureCost(root: string, quick: boolean): Promise<{ figures: Figure[]; details: Record<string, unknown> }> {
  const clones = quick ? 20 : 200;
  const deadlineClones = quick ? 100 : 1_000;
  const cost = await measureCostReport(join(root, 'cost'), clones);
  const retention = await measureDeadlines(join(root, 'retention'), deadlineClones);
  const figures = [
    figure(`cost report over a year, ${clones} clones, ${cost.events.toLocaleString('en-US')} events (by clone, p50)`, cost.byClone.p50, 'ms', { op: '<=', value: 2_000 }),
    figure('cost report over a year, by scope / by clone (p50)', cost.byScope.p50 / cost.byClone.p50, '×'),
    figure('cost report over the last 30 days (p50)', cost.lastMonth.p50, 'ms'),
    figure('costOf one clone over a year (p50)', cost.costOf.p50, 'ms'),
    figure('metering events written per second', cost.eventsPerSecond, '/s'),
    figure(`retention deadline of ${deadlineClones} clones sharing production's tables, per clone`, retention.perClone, 'ms', { op: '<=', value: 5 }),
  ];
  return { figures, details: { clones, ...cost, retention } };
}

function record(i: number, createdAt: number): CloneRecord {
  const scope = SCOPES[i % SCOPES.length] ?? 'squad:a';
  const scopeKind = scope.startsWith('cross-family') ? 'cross-family' : scope.startsWith('family') ? 'family' : 'squad';
  return {
    name: `clone_${i}`,
    scope,
    scopeKind,
    owner: `owner_${i % 17}`,
    purpose: 'bench',
    source: 'prod',
    takenAt: createdAt,
    createdAt,
    expiresAt: createdAt + YEAR,
    lastActivityAt: createdAt,
    refreshedAt: null,
    state: 'active',
    pinnedUntil: null,
    destroyedAt: null,
    schemas: null,
    ttlMs: YEAR,
    refreshes: 0,
    warned: { expiresAt: null, retentionDeadline: null },
    destroyReason: null,
    updatedAt: createdAt,
  };
}

async function measureCostReport(home: string, clones: number) {
  const clock = new FakeClock(START);
  const mayfly = createMayfly({ home, clock, settings: SETTINGS });
  try {
    mayfly.warehouse.init();
    const w = mayfly.warehouse;
    const config: ResolvedConfig = mayfly.config;
    let events = 0;
    const write = await timed(() => {
      for (let i = 0; i < clones; i++) {
        w.control.atomically(() => {
          putCloneRecord(w.control, record(i, START));
          let exclusive = 0;
          for (let at = START; at < START + YEAR; at += 6 * HOUR) {
            // A clone writes a little every day and now and then keeps files production purged.
            exclusive += (i % 7) * 1_000_000;
            const sample: StorageSample = { exclusive, retained: Math.floor(exclusive / 4), logical: 500 * 2 ** 30 + exclusive };
            w.control.appendEvent(STORAGE_EVENT_KIND, `clone_${i}`, at, sample);
            events++;
            if ((at - START) % DAY === 0) {
              const ms = 60_000 + (i % 11) * 10_000;
              const body: ComputeSample = { ms, statements: 40, purposes: { query: ms / 2, dag: ms / 2 } };
              w.control.appendEvent(COMPUTE_EVENT_KIND, `clone_${i}`, at + 12 * HOUR, body);
              events++;
            }
          }
        });
        if ((i + 1) % Math.max(1, Math.floor(clones / 4)) === 0) progress(`cost: metering of ${i + 1}/${clones} clones written`);
      }
    });
    clock.set(START + YEAR);
    const runs = 3;
    const byGroup: Record<string, number[]> = {};
    const totals: Record<string, number> = {};
    for (let r = 0; r < runs; r++) {
      for (const by of COST_GROUPINGS) {
        const t = await timed(() => costReport(w, config, { by, since: START, until: START + YEAR }));
        (byGroup[by] ??= []).push(t.ms);
        totals[by] = t.value.totals.total;
      }
    }
    const lastMonth: number[] = [];
    for (let r = 0; r < runs; r++) lastMonth.push((await timed(() => costReport(w, config, { by: 'clone', since: START + YEAR - 30 * DAY, until: START + YEAR }))).ms);
    const single: number[] = [];
    for (let i = 0; i < Math.min(clones, 20); i++) single.push((await timed(() => costOf(w, config, `clone_${i}`, START, START + YEAR))).ms);
    progress('cost: reports measured');
    const report = costReport(w, config, { by: 'scope', since: START, until: START + YEAR });
    return {
      events,
      eventsPerSecond: events / (write.ms / 1000),
      byClone: summarize(byGroup.clone ?? []),
      byScope: summarize(byGroup.scope ?? []),
      byOwner: summarize(byGroup.owner ?? []),
      lastMonth: summarize(lastMonth),
      costOf: summarize(single),
      // The same clones grouped three ways must add up to the same total.
      totalsAgree: new Set(Object.values(totals).map((v) => v.toFixed(6))).size === 1,
      total: report.totals.total,
      fullCopy: report.totals.fullCopy,
      fullCopyRatio: report.fullCopyRatio,
    };
  } finally {
    mayfly.close();
  }
}

async function measureDeadlines(home: string, clones: number) {
  const clock = new FakeClock(Date.parse('2026-06-30T12:00:00Z'));
  const mayfly = createMayfly({ home, clock, settings: SETTINGS });
  const meter = mayfly.meter;
  try {
    const w = mayfly.warehouse;
    w.init();
    const session = await w.session('prod');
    try {
      await session.run('create schema staging; create table staging.orders_a (id bigint, load_date date); create table staging.payments_b (id bigint, paid_at timestamp)');
      await session.run("insert into staging.orders_a select range, DATE '2026-04-01' + (range % 90)::INT from range(100000)");
      await session.run("insert into staging.payments_b select range, TIMESTAMP '2026-05-01' + to_hours((range % 1000)::INT) from range(100000)");
    } finally {
      session.close();
    }
    const config: ResolvedConfig = {
      ...mayfly.config,
      project: validateConfig({ retention: { 'staging.orders_a': { column: 'load_date', days: 90 }, 'staging.payments_b': { column: 'paid_at', days: 60 } } }),
    };
    const names: string[] = [];
    for (let i = 0; i < clones; i++) {
      w.cloneDatabase(`clone_${i}`, 'prod');
      names.push(`clone_${i}`);
    }
    // The first call scans production's two tables once; every later clone reads the cache.
    const first = await timed(() => retentionDeadlines(w, config, names.slice(0, 1)));
    const all = await timed(() => retentionDeadlines(w, config, names));
    const sample = await timed(() => {
      meter.sample(names);
      return undefined;
    });
    progress(`retention: deadlines of ${clones} clones measured`);
    return {
      clones,
      firstScanMs: first.ms,
      allMs: all.ms,
      perClone: all.ms / clones,
      deadline: all.value[0]?.deadline === undefined || all.value[0].deadline === null ? null : new Date(all.value[0].deadline).toISOString(),
      storageSampleOfAllMs: sample.ms,
    };
  } finally {
    mayfly.close();
  }
}
