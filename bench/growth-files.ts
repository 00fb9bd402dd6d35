/**
 * Growth curve: what a one-row commit costs as its table grows from 1 to
 * 100,000 data files. The table's files are made cheaply (raw DuckDB writes
 * thousands of tiny Parquet files in one COPY; they are stored and
 * registered with one commit, no SQL INSERT per file), then one-row INSERTs
 * through a session are timed and the catalog's growth is read after them
 * (and after more of them, up to {@link BYTES_COMMITS}, for the bytes).
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { DataFile } from '../src/catalog/model.js';
import type { ObjectStore } from '../src/storage/object-store.js';
import { median, progress, ShiftedClock, timed } from './bench-util.js';
import { BENCH_SETTINGS, openWarehouse } from './bench-warehouses.js';
import { TINY_COLUMNS, tinyRowsSql, writePartitioned } from './data-gen.js';
import { catalogBytes, spread, withLoad, type GrowthCurve } from './growth-curve.js';
import { RawDuck } from './raw-duck.js';
import { figure, type Figure } from './report.js';
import { columnDefs, commitTables, storeFiles } from './warehouse-loader.js';

/** Files one COPY writes: DuckDB keeps a writer open per partition. */
const FILES_PER_COPY = 10_000;/**
 * Catalog growth is averaged over at least this many one-row commits (the
 * timed ones first): the catalog grows by whole 4 KB pages in each of its
 * b-trees, and a one-row commit writes about 2 KB spread over nine of them,
 * so over 10 commits a single page split moved the figure by 400 B a commit.
 */
const BYTES_COMMITS = 100;
/** Most time the extra commits for the bytes figure may take at one size. */
const BYTES_BUDGET_MS = 20_000;

/** Options of the files-per-table curve. */
export interface FilesCurveOptions {
  readonly sizes: readonly number[];
  /** Measured one-row commits per size (fewer when they pass `commitBudgetMs`). */
  readonly commits: number;
  readonly commitBudgetMs: number;
  /** Building stops before a size whose files would not be ready within this time. */
  readonly budgetMs: number;
}

/** Measures commit time and catalog bytes per commit at each table size. */
export async function measureFilesCurve(root: string, o: FilesCurveOptions): Promise<{ curve: GrowthCurve; figures: Figure[] }> {
  const home = join(root, 'growth-files');
  const mayfly = openWarehouse(home, new ShiftedClock());
  const duck = await RawDuck.create({ threads: BENCH_SETTINGS.threads ?? 2, memoryLimit: '2GB' });
  const rows: (number | string)[][] = [];
  const skipped: number[] = [];
  try {
    const w = mayfly.warehouse;
    const cols = columnDefs(TINY_COLUMNS);
    const files: DataFile[] = [];
    const started = performance.now();
    let msPerFile = 0;
    const { value, load } = await withLoad(async () => {
      for (const size of o.sizes) {
        const missing = size - files.length;
        const elapsed = performance.now() - started;
        if (files.length > 0 && elapsed + missing * msPerFile > o.budgetMs) {
          skipped.push(size);
          continue;
        }
        const built = await timed(async () => {
          files.push(...(await tinyFiles(w.store, duck, files.length, size)));
          commitTables(w, 'prod', [{ schema: 'main', name: 't', columns: cols, files }], `bench: t with ${size} files`);
        });
        // The latest build predicts the next; a build of a handful of files is all overhead and predicts nothing.
        if (missing >= 100) msPerFile = built.ms / missing;
        const s = await w.session('prod');
        try {
          await s.run(`INSERT INTO t VALUES (-1, 'warm-up')`);
          const before = catalogBytes(home);
          const ms: number[] = [];
          const loop = performance.now();
          while (ms.length < o.commits && (ms.length < 3 || performance.now() - loop < o.commitBudgetMs)) {
            ms.push((await timed(() => s.run(`INSERT INTO t VALUES (${-2 - ms.length}, 'one row')`))).ms);
          }
          let made = ms.length;
          const more = performance.now();
          while (made < BYTES_COMMITS && performance.now() - more < BYTES_BUDGET_MS) await s.run(`INSERT INTO t VALUES (${-2 - made++}, 'one row')`);
          const perCommit = (catalogBytes(home) - before) / made;
          rows.push([size, median(ms), Math.round(perCommit), ms.length, made, Math.round(built.ms)]);
          progress(`growth files: ${size} files, commit p50 ${median(ms).toFixed(1)} ms, ${Math.round(perCommit)} catalog bytes per commit`);
        } finally {
          s.close();
        }
      }
      return {
        id: 'files',
        title: 'One-row commit vs files in the table',
        goal: 'flat within 2× (commit time and catalog bytes per commit)',
        columns: ['files in table', 'one-row INSERT p50 (ms)', 'catalog bytes per commit', 'commits timed', 'commits for bytes', 'build (ms)'],
        rows,
        ...(skipped.length > 0 ? { note: `sizes ${skipped.join(', ')} skipped: their files would not be built within ${o.budgetMs / 1000} s` } : {}),
      };
    });
    const curve: GrowthCurve = { ...value, load };
    const largest = rows[rows.length - 1]?.[0] ?? 0;
    const figures = [
      figure(`growth: one-row commit time, max/min over 1…${largest.toLocaleString('en-US')} files per table`, spread(rows.map((r) => Number(r[1]))), '×', { op: '<=', value: 2 }),
      figure(`growth: catalog bytes per commit, max/min over 1…${largest.toLocaleString('en-US')} files per table`, spread(rows.map((r) => Number(r[2]))), '×', { op: '<=', value: 2 }),
    ];
    return { curve, figures };
  } finally {
    duck.close();
    mayfly.close();
  }
}

/** Tiny Parquet files `first` ≤ i < `last` (two rows each, all distinct), written by raw DuckDB and put in the object store; table columns TINY_COLUMNS. */
export async function tinyFiles(store: ObjectStore, duck: RawDuck, first: number, last: number): Promise<DataFile[]> {
  const out: DataFile[] = [];
  for (let from = first; from < last; from += FILES_PER_COPY) {
    const to = Math.min(last, from + FILES_PER_COPY);
    const dir = join(store.stagingDir, `growth-files-${from}`);
    const parts = await writePartitioned(duck, tinyRowsSql(from * 2, to * 2, 2), dir, () => 2);
    out.push(...(await storeFiles(store, parts.flat(), columnDefs(TINY_COLUMNS))));
    await rm(dir, { recursive: true, force: true });
  }
  return out;
}
