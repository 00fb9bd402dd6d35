import { mkdirSync, statSync } from 'node:fs';
import { copyFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { EVENT_COLUMNS, CUSTOMER_COLUMNS, type GeneratedColumn } from './data-gen.js';
import { progress, timed } from './bench-util.js';
import type { BenchWarehouse } from './bench-warehouses.js';
import { RawDuck, sqlList, sqlString } from './raw-duck.js';
import { figure, type Figure } from './report.js';
import { databaseFiles, tableFilePaths } from './warehouse-loader.js';

/** What a full physical copy of the ~1 GB database costs. */
export interface FullCopy {
  readonly files: number;
  readonly bytes: number;
  /** `fs.copyFile` of every referenced file, one after another (no fsync: the copy's best case). */
  readonly copyFileMs: number;
  /** Raw DuckDB: `CREATE TABLE … AS SELECT * FROM read_parquet(files)` into a new DuckDB database file, checkpointed. */
  readonly duckdbCtasMs: number;
  readonly duckdbBytes: number;
  /** Raw DuckDB: `COPY FROM DATABASE` of that DuckDB database into another. */
  readonly duckdbCopyDatabaseMs: number;
  readonly cloneP50Ms: number;
  readonly figures: readonly Figure[];
}

/** Copies the production database of `wh` physically, both ways, and compares with the clone p50 measured for it. */
export async function measureFullCopy(wh: BenchWarehouse, root: string, cloneP50Ms: number, engine: { threads: number; memoryLimit: string }): Promise<FullCopy> {
  const w = wh.mayfly.warehouse;
  const files = databaseFiles(w, 'prod');
  const dest = join(root, 'physical-copy');
  mkdirSync(dest, { recursive: true });
  let bytes = 0;
  for (const b of files.values()) bytes += b;
  progress(`full copy: fs.copyFile of ${files.size} files`);
  const copied = await timed(async () => {
    for (const key of files.keys()) await copyFile(w.store.localPath(key), join(dest, key));
  });
  await rm(dest, { recursive: true, force: true });

  const duck = await RawDuck.create(engine);
  const first = join(root, 'copy-a.duckdb');
  const second = join(root, 'copy-b.duckdb');
  let duckdbBytes = 0;
  let ctasMs = 0;
  let copyDbMs = 0;
  try {
    progress('full copy: DuckDB CREATE TABLE AS SELECT from the Parquet files');
    ctasMs = (
      await timed(async () => {
        await duck.run(`ATTACH ${sqlString(first)} AS copy_a`);
        await duck.run(`CREATE TABLE copy_a.events AS ${selectAll(tableFilePaths(w, 'prod', 'main', 'events'), EVENT_COLUMNS)}`);
        await duck.run(`CREATE TABLE copy_a.customers AS ${selectAll(tableFilePaths(w, 'prod', 'main', 'customers'), CUSTOMER_COLUMNS)}`);
        await duck.run('CHECKPOINT copy_a');
      })
    ).ms;
    duckdbBytes = statSync(first).size;
    progress('full copy: DuckDB COPY FROM DATABASE');
    copyDbMs = (
      await timed(async () => {
        await duck.run(`ATTACH ${sqlString(second)} AS copy_b`);
        await duck.run('COPY FROM DATABASE copy_a TO copy_b');
        await duck.run('CHECKPOINT copy_b');
      })
    ).ms;
  } finally {
    duck.close();
    for (const p of [first, second]) for (const suffix of ['', '.wal']) await rm(p + suffix, { force: true });
  }
  const figures = [
    figure('full copy (fs.copyFile) / clone p50, ~1 GB', copied.ms / cloneP50Ms, '×', { op: '>=', value: 1000 }),
    figure('DuckDB CTAS copy / clone p50, ~1 GB', ctasMs / cloneP50Ms, '×', { op: '>=', value: 1000 }),
    figure('DuckDB COPY FROM DATABASE / clone p50, ~1 GB', copyDbMs / cloneP50Ms, '×', { op: '>=', value: 1000 }),
  ];
  return { files: files.size, bytes, copyFileMs: copied.ms, duckdbCtasMs: ctasMs, duckdbBytes, duckdbCopyDatabaseMs: copyDbMs, cloneP50Ms, figures };
}

/** `SELECT c1 AS id, … FROM read_parquet([...])`: the logical table over its files. */
export function selectAll(paths: readonly string[], columns: readonly GeneratedColumn[]): string {
  const cols = columns.map((c, i) => `c${i + 1} AS ${c.name}`).join(', ');
  return `SELECT ${cols} FROM read_parquet(${sqlList(paths)})`;
}
