/**
 * The clone lifecycle at scale: create, refresh and destroy of 100 clones
 * through the lifecycle (record, policy checks, history, one transaction
 * each) next to the raw data-plane operation they wrap (cloneDatabase,
 * cloneDatabase with replace, dropDatabase), interleaved in one run; then
 * reap over 1,000 clones, once with nothing to do and once expiring them all.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CloneLifecycle } from '../src/clones/clone-lifecycle.js';
import { reap } from '../src/clones/clone-reaper.js';
import { createMayfly, loadConfig, type Mayfly } from '../src/index.js';
import { progress, ShiftedClock, summarize, timed, type Stats } from './bench-util.js';
import { figure, type Figure } from './report.js';

const DAY = 86_400_000;
const SETTINGS = { production: 'prod', threads: 1, memoryLimit: '1GB', gcGraceMs: 0, timeTravelMs: 1_000 } as const;
const YAML = `
clones:
  scopes:
    squad: { defaultTtl: 14d, maxTtl: 30d, maxActive: 5000, idleExpiry: never }
`;

function open(root: string, clock: ShiftedClock): Mayfly {
  mkdirSync(root, { recursive: true });
  const configPath = join(root, 'mayfly.yaml');
  writeFileSync(configPath, YAML);
  const mayfly = createMayfly({ config: loadConfig({ configPath, home: join(root, 'home') }), clock, settings: SETTINGS });
  mayfly.warehouse.init();
  return mayfly;
}

/** Production: 20 tables of 1,000 rows, so refresh has something to compare. */
async function seed(mayfly: Mayfly): Promise<void> {
  const s = await mayfly.warehouse.session('prod');
  try {
    const tables = Array.from({ length: 20 }, (_, i) => `create table t${i} as select range as id, 'v' || range as v from range(1000)`);
    await s.run(`${tables.join('; ')}`);
  } finally {
    s.close();
  }
}

/** Per-operation p50 of lifecycle create/refresh/destroy against the raw warehouse operations, interleaved. */
async function measureOperations(root: string, n: number): Promise<Record<'create' | 'rawClone' | 'refresh' | 'rawReplace' | 'destroy' | 'rawDrop', Stats>> {
  const mayfly = open(root, new ShiftedClock());
  try {
    await seed(mayfly);
    const w = mayfly.warehouse;
    const lifecycle = new CloneLifecycle(w, mayfly.config);
    const samples = { create: [] as number[], rawClone: [] as number[], refresh: [] as number[], rawReplace: [] as number[], destroy: [] as number[], rawDrop: [] as number[] };
    for (let i = 0; i < n; i++) {
      samples.create.push((await timed(() => lifecycle.create({ name: `squad_b${i}_x`, owner: 'bench' }))).ms);
      samples.rawClone.push((await timed(() => w.cloneDatabase(`raw_${i}`, 'prod'))).ms);
    }
    progress(`lifecycle: ${n} clones created`);
    for (let i = 0; i < n; i++) {
      samples.refresh.push((await timed(() => lifecycle.refresh(`squad_b${i}_x`))).ms);
      samples.rawReplace.push((await timed(() => w.cloneDatabase(`raw_${i}`, 'prod', { replace: true }))).ms);
    }
    progress(`lifecycle: ${n} clones refreshed`);
    for (let i = 0; i < n; i++) {
      samples.destroy.push((await timed(() => lifecycle.destroy(`squad_b${i}_x`))).ms);
      samples.rawDrop.push((await timed(() => w.dropDatabase(`raw_${i}`))).ms);
    }
    progress(`lifecycle: ${n} clones destroyed`);
    return {
      create: summarize(samples.create),
      rawClone: summarize(samples.rawClone),
      refresh: summarize(samples.refresh),
      rawReplace: summarize(samples.rawReplace),
      destroy: summarize(samples.destroy),
      rawDrop: summarize(samples.rawDrop),
    };
  } finally {
    mayfly.close();
  }
}

/** Reap over `n` clones: a pass with nothing to do, then one that expires and destroys them all. */
async function measureReap(root: string, n: number): Promise<{ idleMs: number; expireMs: number; destroyed: number; setupMs: number }> {
  const clock = new ShiftedClock();
  const mayfly = open(root, clock);
  try {
    await seed(mayfly);
    const lifecycle = new CloneLifecycle(mayfly.warehouse, mayfly.config);
    const setup = await timed(async () => {
      for (let i = 0; i < n; i++) await lifecycle.create({ name: `squad_r${i % 50}_c${i}`, owner: 'bench' });
    });
    progress(`reap: ${n} clones created`);
    const idle = await timed(() => reap(mayfly.warehouse, mayfly.config));
    clock.advance(15 * DAY);
    const expire = await timed(() => reap(mayfly.warehouse, mayfly.config));
    progress(`reap: ${expire.value.applied.length} clones expired`);
    return { idleMs: idle.ms, expireMs: expire.ms, destroyed: expire.value.applied.length, setupMs: setup.ms };
  } finally {
    mayfly.close();
  }
}

/** Measures the clone lifecycle: per-operation p50 against the raw data plane, and reap over many clones. */
export async function measureLifecycle(root: string, quick: boolean): Promise<{ figures: Figure[]; details: Record<string, unknown> }> {
  const ops = quick ? 20 : 100;
  const reapClones = quick ? 100 : 1_000;
  const o = await measureOperations(join(root, 'lifecycle-ops'), ops);
  const r = await measureReap(join(root, 'lifecycle-reap'), reapClones);
  const figures = [
    figure(`clone create through the lifecycle, p50 of ${ops}`, o.create.p50, 'ms', { op: '<=', value: 25 }),
    figure('clone create: lifecycle / raw cloneDatabase (p50)', o.create.p50 / o.rawClone.p50, '×'),
    figure(`clone refresh (20 tables), p50 of ${ops}`, o.refresh.p50, 'ms', { op: '<=', value: 25 }),
    figure('clone refresh: lifecycle / raw cloneDatabase replace (p50)', o.refresh.p50 / o.rawReplace.p50, '×'),
    figure(`clone destroy, p50 of ${ops}`, o.destroy.p50, 'ms', { op: '<=', value: 25 }),
    figure('clone destroy: lifecycle / raw dropDatabase (p50)', o.destroy.p50 / o.rawDrop.p50, '×'),
    figure(`reap over ${reapClones.toLocaleString('en-US')} clones, nothing to do`, r.idleMs, 'ms'),
    figure(`reap over ${reapClones.toLocaleString('en-US')} clones, all expired (destroyed ${r.destroyed.toLocaleString('en-US')}), per clone`, r.expireMs / Math.max(1, r.destroyed), 'ms', { op: '<=', value: 25 }),
  ];
  return { figures, details: { ops, reapClones, operations: o, reap: r } };
}
