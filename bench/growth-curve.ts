import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { createMayfly, loadConfig, type Mayfly } from '../src/index.js';
import type { ShiftedClock } from './bench-util.js';
import type { CurveTable } from './report.js';

/** One growth curve: a measure at increasing sizes of the warehouse (rendered by report.ts). */
export type GrowthCurve = CurveTable;

/** Runs `measure` and returns its value with the 1-minute load average before and after. */
export async function withLoad<T>(measure: () => Promise<T>): Promise<{ readonly value: T; readonly load: GrowthCurve['load'] }> {
  const before = loadavg()[0] ?? 0;
  const value = await measure();
  return { value, load: { before, after: loadavg()[0] ?? 0 } };
}

/** Largest over smallest of positive values: how far a curve is from flat (1 = flat). */
export function spread(values: readonly number[]): number {
  const v = values.filter((x) => Number.isFinite(x) && x > 0);
  return v.length < 2 ? Number.NaN : Math.max(...v) / Math.min(...v);
}

/** Last over first: how far a curve moved from its smallest size to its largest. */
export function growth(values: readonly number[]): number {
  const first = values[0];
  const last = values[values.length - 1];
  return first && last !== undefined && values.length > 1 ? last / first : Number.NaN;
}

/** Where the catalog of a warehouse home lives (createMayfly's file name). */
export function catalogPath(home: string): string {
  return join(home, 'catalog.sqlite');
}

/**
 * Bytes the catalog holds: pages in use (page count less free pages) times
 * the page size, read through a second connection, so the WAL's frames count
 * without a checkpoint and freed pages do not.
 */
export function catalogBytes(home: string): number {
  const db = new Database(catalogPath(home), { readonly: true, fileMustExist: true });
  try {
    const pragma = (name: string): number => Number(db.pragma(name, { simple: true }));
    return (pragma('page_count') - pragma('freelist_count')) * pragma('page_size');
  } finally {
    db.close();
  }
}

/** The clone policy of the growth warehouses: room for many clones that nothing expires during the run. */
const CONFIG_YAML = `production: prod
engine: { threads: 2, memoryLimit: 2GB }
clones:
  scopes:
    squad: { defaultTtl: 30d, maxTtl: 30d, maxActive: 100000, idleExpiry: never }
`;

/** A growth warehouse: its home and its mayfly.yaml, so the CLI (a child process) opens the same warehouse. */
export interface GrowthHome {
  readonly home: string;
  readonly configPath: string;
}

/** Creates a home with the growth mayfly.yaml. */
export function growthHome(root: string): GrowthHome {
  mkdirSync(root, { recursive: true });
  const configPath = join(root, 'mayfly.yaml');
  writeFileSync(configPath, CONFIG_YAML);
  return { home: join(root, 'home'), configPath };
}

/** Opens (creating) the warehouse of a growth home in this process. */
export function openGrowth(h: GrowthHome, clock?: ShiftedClock): Mayfly {
  const mayfly = createMayfly({ config: loadConfig({ configPath: h.configPath, home: h.home }), ...(clock ? { clock } : {}) });
  mayfly.warehouse.init();
  return mayfly;
}

const MAYFLY_BIN = fileURLToPath(new URL('../../bin/mayfly.js', import.meta.url));

/** Wall time of `node <args>` as a child process (what a user's shell waits for); throws when it fails. */
export function nodeWallMs(args: readonly string[]): number {
  const started = performance.now();
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 256 * 2 ** 20 });
  const ms = performance.now() - started;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status ?? r.signal}: ${(r.stderr || r.stdout).slice(0, 500)}`);
  return ms;
}

/** Wall time of `mayfly <argv>` against a growth home, as a child process. */
export function cliWallMs(h: GrowthHome | undefined, argv: readonly string[]): number {
  return nodeWallMs([MAYFLY_BIN, ...(h ? ['--home', h.home, '--config', h.configPath] : []), ...argv]);
}
