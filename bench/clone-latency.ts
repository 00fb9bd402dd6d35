import type { BenchScale } from './bench-scale.js';
import { summarize, type Stats } from './bench-util.js';
import type { BenchWarehouse } from './bench-warehouses.js';
import { figure, type Figure } from './report.js';

/** Clone timings of one warehouse size. */
export interface CloneSize {
  readonly label: string;
  readonly tables: number;
  readonly files: number;
  readonly bytes: number;
  /** Wall time of `cloneDatabase` as the caller sees it (ms). */
  readonly clone: Stats;
  /** The `elapsedMs` the warehouse reports for the same clones. */
  readonly reported: Stats;
  /** Wall time of dropping each clone (not part of the figure). */
  readonly drop: Stats;
  /** Where a clone's time goes, from the same catalog: an empty write transaction and a read of the database's info. */
  readonly anatomy: { readonly emptyWriteTransaction: Stats; readonly databaseInfo: Stats };
}

/** Clone latency at every size, with the flatness ratio. */
export interface CloneLatency {
  readonly sizes: readonly CloneSize[];
  /** p50 of the largest size over p50 of the smallest. */
  readonly flatness: number;
  readonly figures: readonly Figure[];
}

/**
 * Clones `prod` of every warehouse in turn (round robin, so drift in the
 * machine hits all sizes alike), drops each clone right after, and times
 * every clone. Warm-up clones fill the catalog's caches first.
 */
export function measureCloneLatency(warehouses: readonly BenchWarehouse[], scale: BenchScale): CloneLatency {
  const samples = warehouses.map(() => ({ clone: [] as number[], reported: [] as number[], drop: [] as number[] }));
  for (let i = 0; i < scale.warmupClones + scale.clones; i++) {
    for (let j = 0; j < warehouses.length; j++) {
      const w = (i + j) % warehouses.length;
      const wh = warehouses[w]?.mayfly.warehouse;
      const s = samples[w];
      if (!wh || !s) continue;
      const name = `bench_clone_${i}`;
      const started = performance.now();
      const info = wh.cloneDatabase(name, 'prod');
      const ms = performance.now() - started;
      const dropped = performance.now();
      wh.dropDatabase(name);
      if (i < scale.warmupClones) continue;
      s.clone.push(ms);
      s.reported.push(info.elapsedMs);
      s.drop.push(performance.now() - dropped);
    }
  }
  const sizes = warehouses.map((w, k): CloneSize => {
    const s = samples[k] ?? { clone: [], reported: [], drop: [] };
    return {
      label: w.label,
      tables: w.build.tables,
      files: w.build.files,
      bytes: w.build.bytes,
      clone: summarize(s.clone),
      reported: summarize(s.reported),
      drop: summarize(s.drop),
      anatomy: anatomy(w, scale.clones),
    };
  });
  const first = sizes[0];
  const last = sizes[sizes.length - 1];
  const flatness = first && last ? last.clone.p50 / first.clone.p50 : Number.NaN;
  const figures: Figure[] = [];
  for (const s of sizes) {
    const what = `${s.tables} table(s), ${s.files.toLocaleString('en-US')} files`;
    figures.push(figure(`clone p50, ${s.label} (${what})`, s.clone.p50, 'ms', { op: '<=', value: 5 }));
    figures.push(figure(`clone p95, ${s.label}`, s.clone.p95, 'ms'));
  }
  figures.push(figure(`clone flatness p50(${last?.label})/p50(${first?.label})`, flatness, '×', { op: '<=', value: 1.5 }));
  return { sizes, flatness, figures };
}

/** Times the parts a clone is made of, so a slow clone can be explained. */
function anatomy(w: BenchWarehouse, runs: number): CloneSize['anatomy'] {
  const wh = w.mayfly.warehouse;
  const txn: number[] = [];
  const info: number[] = [];
  for (let i = 0; i < runs; i++) {
    let t = performance.now();
    wh.catalog.atomically(() => wh.catalog.getRef('prod'));
    txn.push(performance.now() - t);
    t = performance.now();
    wh.database('prod');
    info.push(performance.now() - t);
  }
  return { emptyWriteTransaction: summarize(txn), databaseInfo: summarize(info) };
}
