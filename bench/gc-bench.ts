import type { GcReport } from '../src/index.js';
import type { BenchScale } from './bench-scale.js';
import { progress, timed } from './bench-util.js';
import type { BenchWarehouse } from './bench-warehouses.js';
import { figure, type Figure } from './report.js';
import { databaseFiles } from './warehouse-loader.js';

/** GC after dropping clones that wrote. */
export interface GcBench {
  readonly clones: number;
  /** Files and bytes the clones wrote (referenced by a clone, not by prod). */
  readonly written: { readonly files: number; readonly bytes: number };
  /** A first GC that clears what earlier phases left, so the measured run reclaims only the clones' files. */
  readonly baseline: GcReport;
  readonly gc: GcReport;
  /** Whether every written file is gone and every production file is still there and readable. */
  readonly writtenFilesGone: boolean;
  readonly prodFilesKept: boolean;
  readonly prodRowsAfter: number;
  readonly prodRowsExpected: number;
  readonly figures: readonly Figure[];
}

/**
 * Creates clones, writes into each (an INSERT and a DELETE), drops them,
 * moves the warehouse clock past the time-travel window and collects.
 */
export async function measureGc(wh: BenchWarehouse, scale: BenchScale): Promise<GcBench> {
  const w = wh.mayfly.warehouse;
  const pastWindow = (): void => wh.clock.advance(w.settings.timeTravelMs + Math.max(1_000, w.settings.gcGraceMs) + 1);
  pastWindow();
  const baseline = await w.gc();
  const session = await w.session('prod');
  const prodFiles = databaseFiles(w, 'prod');
  const written = new Map<string, number>();
  const names: string[] = [];
  let prodRowsAfter = 0;
  const prodRowsExpected = scale.large.files * scale.large.rowsPerFile;
  try {
    for (let k = 0; k < scale.gcClones; k++) {
      const db = `bench_gc_${k}`;
      w.cloneDatabase(db, 'prod');
      names.push(db);
      await session.run(
        `USE ${db}; ` +
          `INSERT INTO events SELECT id + ${1_000_000_000 + k * 100_000}, customer_id, amount, category, ts, note FROM events WHERE id < 1000; ` +
          `DELETE FROM events WHERE id = ${k * 1_000 + 7}`,
      );
      for (const [key, bytes] of databaseFiles(w, db)) if (!prodFiles.has(key)) written.set(key, bytes);
      progress(`gc: clone ${k + 1}/${scale.gcClones} written`);
    }
    await session.run('USE prod');
    for (const db of names) w.dropDatabase(db);
    pastWindow();
    const gc = await w.gc();
    const writtenFilesGone = [...written.keys()].every((k) => !w.store.exists(k));
    const prodFilesKept = [...prodFiles.keys()].every((k) => w.store.exists(k));
    const r = await session.run('SELECT count(*) AS n FROM events');
    const first = r[0];
    prodRowsAfter = first?.kind === 'rows' ? Number(first.rows[0]?.n ?? 0) : 0;
    let writtenBytes = 0;
    for (const b of written.values()) writtenBytes += b;
    const intact = writtenFilesGone && prodFilesKept && prodRowsAfter === prodRowsExpected;
    const figures = [
      figure(`GC: files reclaimed after dropping ${scale.gcClones} clones`, gc.filesDeleted, 'files', { op: '=', value: written.size }),
      figure('GC: bytes reclaimed', gc.bytesReclaimed / 2 ** 20, 'MB'),
      figure(`GC: elapsed (${gc.filesScanned.toLocaleString('en-US')} files scanned)`, gc.elapsedMs, 'ms'),
      figure('GC: prod intact (files kept, rows readable)', intact ? 1 : 0, '', { op: '=', value: 1 }),
    ];
    return {
      clones: scale.gcClones,
      written: { files: written.size, bytes: writtenBytes },
      baseline,
      gc,
      writtenFilesGone,
      prodFilesKept,
      prodRowsAfter,
      prodRowsExpected,
      figures,
    };
  } finally {
    session.close();
    for (const db of names) if (w.catalog.getRef(db)) w.dropDatabase(db);
  }
}

/**
 * GC over the many-files warehouse with nothing to reclaim: what scanning
 * costs at that size, and how much of it is listing the object store.
 */
export async function measureGcScan(wh: BenchWarehouse): Promise<{ readonly gc: GcReport; readonly listingMs: number; readonly figures: readonly Figure[] }> {
  const w = wh.mayfly.warehouse;
  wh.clock.advance(w.settings.timeTravelMs + 1_001);
  const gc = await w.gc();
  const listing = await timed(async () => {
    let n = 0;
    for await (const o of w.store.list()) n += o.bytes >= 0 ? 1 : 0;
    return n;
  });
  return {
    gc,
    listingMs: listing.ms,
    figures: [figure(`GC: elapsed, nothing to reclaim (${gc.filesScanned.toLocaleString('en-US')} files scanned)`, gc.elapsedMs, 'ms')],
  };
}
