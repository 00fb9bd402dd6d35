import { mkdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createMayfly, type Mayfly, type WarehouseSettings } from '../src/index.js';
import type { BenchScale } from './bench-scale.js';
import { progress, ShiftedClock, timed } from './bench-util.js';
import {
  CUSTOMER_COLUMNS,
  customerRowsSql,
  EVENT_COLUMNS,
  eventRowsSql,
  TINY_COLUMNS,
  tinyRowsSql,
  writeFile,
  writePartitioned,
  type GeneratedFile,
} from './data-gen.js';
import type { RawDuck } from './raw-duck.js';
import { columnDefs, commitTables, storeFiles, type LoadedTable } from './warehouse-loader.js';

/** Settings of every bench warehouse: the defaults, with a short time-travel window and no GC grace so GC can be measured. */
export const BENCH_SETTINGS: Partial<WarehouseSettings> = {
  production: 'prod',
  threads: 2,
  memoryLimit: '4GB',
  timeTravelMs: 1_000,
  gcGraceMs: 0,
  targetFileBytes: 128 * 1024 * 1024,
  smallFileBytes: 8 * 1024 * 1024,
};

/** How a bench warehouse was built, and what its production database holds. */
export interface BuildReport {
  readonly tables: number;
  readonly files: number;
  readonly bytes: number;
  readonly rows: number;
  readonly generateMs: number;
  readonly storeMs: number;
  readonly commitMs: number;
  readonly totalMs: number;
  /** What was asked for, when the build was scaled down to fit its time budget. */
  readonly requested?: { readonly tables: number; readonly files: number };
}

/** A warehouse built for the benchmark, open, with its clock. */
export interface BenchWarehouse {
  readonly label: string;
  readonly home: string;
  readonly mayfly: Mayfly;
  readonly clock: ShiftedClock;
  readonly build: BuildReport;
}

/** Opens (creating) a warehouse home with the bench settings. */
export function openWarehouse(home: string, clock: ShiftedClock): Mayfly {
  mkdirSync(home, { recursive: true });
  const m = createMayfly({ home, settings: BENCH_SETTINGS, clock });
  m.warehouse.init();
  return m;
}

/** (a) One table of `files` files (~1 MB each at full scale). */
export async function buildSmall(root: string, scale: BenchScale, duck: RawDuck): Promise<BenchWarehouse> {
  return buildEvents('small', join(root, 'wh-small'), scale.small.files, scale.small.rowsPerFile, duck, false);
}

/** (b) The ~1 GB events table in `files` files, and the customer dimension. */
export async function buildLarge(root: string, scale: BenchScale, duck: RawDuck): Promise<BenchWarehouse> {
  return buildEvents('large', join(root, 'wh-large'), scale.large.files, scale.large.rowsPerFile, duck, true);
}

async function buildEvents(label: string, home: string, files: number, rowsPerFile: number, duck: RawDuck, withCustomers: boolean): Promise<BenchWarehouse> {
  const started = performance.now();
  const clock = new ShiftedClock();
  const mayfly = openWarehouse(home, clock);
  const store = mayfly.warehouse.store;
  const gen = join(store.stagingDir, `bench-gen-${label}`);
  const partsPerCopy = 100;
  const generated: GeneratedFile[] = [];
  let customers: GeneratedFile | undefined;
  const g = await timed(async () => {
    for (let first = 0; first < files; first += partsPerCopy) {
      const last = Math.min(files, first + partsPerCopy);
      const dir = join(gen, `batch-${first}`);
      const parts = await writePartitioned(duck, eventRowsSql(first * rowsPerFile, last * rowsPerFile, rowsPerFile), dir, () => rowsPerFile);
      generated.push(...parts.flat());
      progress(`${label}: generated ${last}/${files} event files`);
    }
    if (withCustomers) customers = await writeFile(duck, customerRowsSql(), join(gen, 'customers.parquet'));
  });
  const eventCols = columnDefs(EVENT_COLUMNS);
  const customerCols = columnDefs(CUSTOMER_COLUMNS);
  const s = await timed(async () => {
    const tables: LoadedTable[] = [{ schema: 'main', name: 'events', columns: eventCols, files: await storeFiles(store, generated, eventCols) }];
    if (customers) tables.push({ schema: 'main', name: 'customers', columns: customerCols, files: await storeFiles(store, [customers], customerCols) });
    return tables;
  });
  await rm(gen, { recursive: true, force: true });
  const c = await timed(() => commitTables(mayfly.warehouse, 'prod', s.value, `bench: load ${label}`));
  const all = s.value.flatMap((t) => t.files);
  const build: BuildReport = {
    tables: s.value.length,
    files: all.length,
    bytes: all.reduce((n, f) => n + f.bytes, 0),
    rows: all.reduce((n, f) => n + f.rows, 0),
    generateMs: g.ms,
    storeMs: s.ms,
    commitMs: c.ms,
    totalMs: performance.now() - started,
  };
  progress(`${label}: ${build.files} files, ${(build.bytes / 2 ** 20).toFixed(0)} MB, ${build.rows} rows in ${(build.totalMs / 1000).toFixed(1)} s`);
  return { label, home, mayfly, clock, build };
}

/**
 * (c) Many tables of tiny files, generated, stored and committed in batches
 * of tables; stops before a batch that would pass the time budget, and says
 * so in the report.
 */
export async function buildMany(root: string, scale: BenchScale, duck: RawDuck): Promise<BenchWarehouse> {
  const { tables, filesPerTable, rowsPerFile, tablesPerBatch, budgetMs } = scale.many;
  const started = performance.now();
  const home = join(root, 'wh-many');
  const clock = new ShiftedClock();
  const mayfly = openWarehouse(home, clock);
  const store = mayfly.warehouse.store;
  const cols = columnDefs(TINY_COLUMNS);
  let generateMs = 0;
  let storeMs = 0;
  let commitMs = 0;
  let done = 0;
  let files = 0;
  let bytes = 0;
  let rows = 0;
  let slowestBatchMs = 0;
  while (done < tables) {
    const elapsed = performance.now() - started;
    if (done > 0 && elapsed + slowestBatchMs > budgetMs) break;
    const batchStarted = performance.now();
    const count = Math.min(tablesPerBatch, tables - done);
    const firstFile = done * filesPerTable;
    const lastFile = (done + count) * filesPerTable;
    const dir = join(store.stagingDir, `bench-gen-many-${done}`);
    const g = await timed(() => writePartitioned(duck, tinyRowsSql(firstFile * rowsPerFile, lastFile * rowsPerFile, rowsPerFile), dir, () => rowsPerFile));
    generateMs += g.ms;
    const loaded: LoadedTable[] = [];
    const s = await timed(async () => {
      const perTable = Array.from({ length: count }, (_, t) => g.value.slice(t * filesPerTable, (t + 1) * filesPerTable).flat());
      const stored = await storeFiles(store, perTable.flat(), cols);
      let at = 0;
      for (const [t, generated] of perTable.entries()) {
        loaded.push({ schema: 'main', name: `t${String(done + t).padStart(5, '0')}`, columns: cols, files: stored.slice(at, at + generated.length) });
        at += generated.length;
      }
    });
    storeMs += s.ms;
    await rm(dir, { recursive: true, force: true });
    const c = await timed(() => commitTables(mayfly.warehouse, 'prod', loaded, `bench: load tables ${done}…${done + count - 1}`));
    commitMs += c.ms;
    for (const t of loaded) for (const f of t.files) (files++, (bytes += f.bytes), (rows += f.rows));
    done += count;
    slowestBatchMs = Math.max(slowestBatchMs, performance.now() - batchStarted);
    progress(`many: ${done}/${tables} tables, ${files} files (batch ${(slowestBatchMs / 1000).toFixed(1)} s max)`);
  }
  const build: BuildReport = {
    tables: done,
    files,
    bytes,
    rows,
    generateMs,
    storeMs,
    commitMs,
    totalMs: performance.now() - started,
    ...(done < tables ? { requested: { tables, files: tables * filesPerTable } } : {}),
  };
  return { label: 'many', home, mayfly, clock, build };
}
