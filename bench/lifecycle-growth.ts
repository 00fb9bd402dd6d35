/**
 * How the clone lifecycle's cost grows with the number of clones: `clone
 * create` (with its destroy, so the count stays put) and `reap` with nothing
 * due, at 10, 100 and 1,000 clones of one warehouse. Flat is the goal: one
 * clone's lifecycle must not pay for the others. Run: node dist/bench/lifecycle-growth.js [counts…]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reap } from '../src/clones/clone-reaper.js';
import { createMayfly, loadConfig } from '../src/index.js';
import { median, ShiftedClock, timed } from './bench-util.js';

const SETTINGS = { production: 'prod', threads: 1, memoryLimit: '1GB', gcGraceMs: 0, timeTravelMs: 1_000 } as const;
const YAML = 'clones:\n  scopes:\n    squad: { defaultTtl: 14d, maxTtl: 30d, maxActive: 5000, idleExpiry: never }\n';
const SAMPLES = 21;

/** One point of the curve: p50 of create, of destroy, and of reap with nothing due, at `clones` live clones. */
export interface GrowthPoint {
  readonly clones: number;
  readonly createMs: number;
  readonly destroyMs: number;
  readonly reapIdleMs: number;
}

/** Measures one point in a fresh warehouse: `clones` clones over 50 squads, then create/destroy pairs and reaps. */
export async function measureGrowthPoint(root: string, clones: number): Promise<GrowthPoint> {
  writeFileSync(join(root, 'mayfly.yaml'), YAML);
  const mayfly = createMayfly({ config: loadConfig({ configPath: join(root, 'mayfly.yaml'), home: join(root, 'home') }), clock: new ShiftedClock(), settings: SETTINGS });
  try {
    mayfly.warehouse.init();
    for (let i = 0; i < clones; i++) await mayfly.lifecycle.create({ name: `squad_s${i % 50}_c${i}`, owner: 'bench' });
    const create: number[] = [];
    const destroy: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      create.push((await timed(() => mayfly.lifecycle.create({ name: `squad_extra_n${i}`, owner: 'bench' }))).ms);
      destroy.push((await timed(() => mayfly.lifecycle.destroy(`squad_extra_n${i}`))).ms);
    }
    const reaps: number[] = [];
    for (let i = 0; i < 3; i++) reaps.push((await timed(() => reap(mayfly.warehouse, mayfly.config))).ms);
    return { clones, createMs: median(create), destroyMs: median(destroy), reapIdleMs: median(reaps) };
  } finally {
    mayfly.close();
  }
}

/** The curve at each count, each in its own warehouse. */
export async function measureLifecycleGrowth(counts: readonly number[] = [10, 100, 1_000]): Promise<GrowthPoint[]> {
  const points: GrowthPoint[] = [];
  for (const clones of counts) {
    const root = mkdtempSync(join(tmpdir(), 'mayfly-lifecycle-growth-'));
    try {
      points.push(await measureGrowthPoint(root, clones));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }
  return points;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const counts = process.argv.slice(2).map(Number);
  const points = await measureLifecycleGrowth(counts.length ? counts : undefined);
  const first = points[0];
  console.log('clones  create p50 ms  destroy p50 ms  reap (nothing due) ms');
  for (const p of points) console.log(`${String(p.clones).padStart(6)}  ${p.createMs.toFixed(2).padStart(13)}  ${p.destroyMs.toFixed(2).padStart(14)}  ${p.reapIdleMs.toFixed(1).padStart(21)}`);
  if (first && points.length > 1) {
    const last = points[points.length - 1] ?? first;
    console.log(`growth ${first.clones}→${last.clones}: create ×${(last.createMs / first.createMs).toFixed(2)}, destroy ×${(last.destroyMs / first.destroyMs).toFixed(2)}, reap ×${(last.reapIdleMs / first.reapIdleMs).toFixed(2)}`);
  }
}
