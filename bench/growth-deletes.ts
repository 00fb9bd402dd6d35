/**
 * A 1% change and what it costs afterwards: a full scan of a table after
 * DELETE of 1% of its rows (spread over every file) against the same scan
 * before it, interleaved; then `compact` of production and the bytes it
 * wrote against the table's bytes, and the scan once more.
 */
import { join } from 'node:path';
import { median, progress, round, ShiftedClock, timed } from './bench-util.js';
import { openWarehouse } from './bench-warehouses.js';
import { withLoad, type GrowthCurve } from './growth-curve.js';
import { figure, type Figure } from './report.js';
import { objectSizes } from './row-update.js';
import { databaseFiles } from './warehouse-loader.js';

/** Options of the 1% change measure. */
export interface DeletesOptions {
  readonly rows: number;
  /** Data files (one INSERT each). */
  readonly files: number;
  readonly runs: number;
}

const SCAN = 'SELECT count(*) AS n, sum(amount) AS s FROM events';

/** Measures scan with and without a 1% delete, and what compaction writes for it. */
export async function measureDeletes(root: string, o: DeletesOptions): Promise<{ curve: GrowthCurve; figures: Figure[] }> {
  const mayfly = openWarehouse(join(root, 'growth-deletes'), new ShiftedClock());
  const w = mayfly.warehouse;
  try {
    const { value, load } = await withLoad(async () => {
      const prod = await w.session('prod');
      const per = Math.ceil(o.rows / o.files);
      await prod.run('CREATE TABLE events (id BIGINT, amount DOUBLE, category VARCHAR, note VARCHAR)');
      for (let i = 0; i < o.files; i++) {
        await prod.run(`INSERT INTO events SELECT range, (hash(range) % 10000) / 100.0, 'c' || (range % 20), md5(range::VARCHAR) FROM range(${i * per}, ${Math.min(o.rows, (i + 1) * per)})`);
      }
      // Settle the layout first (the small files the inserts wrote are merged),
      // so what compact writes below is what the 1% change costs, not the first merge.
      await w.compact({ db: 'prod' });
      // The table before the change, kept by a clone.
      w.cloneDatabase('g_before', 'prod');
      const before = await w.session('g_before');
      const del = await timed(() => prod.run('DELETE FROM events WHERE id % 100 = 7'));
      const scan = async (): Promise<{ plain: number; deleted: number; plainCpu: number; deletedCpu: number }> => {
        const wall = { plain: [] as number[], deleted: [] as number[] };
        const cpu = { plain: [] as number[], deleted: [] as number[] };
        await before.run(SCAN);
        await prod.run(SCAN);
        for (let r = 0; r < o.runs; r++) {
          // Alternate which goes first, so warm caches and load favour neither.
          const order = r % 2 === 0 ? (['plain', 'deleted'] as const) : (['deleted', 'plain'] as const);
          for (const v of order) {
            const c = process.cpuUsage();
            wall[v].push((await timed(() => (v === 'plain' ? before : prod).run(SCAN))).ms);
            const used = process.cpuUsage(c);
            // CPU of the whole process (DuckDB's threads included) is immune to other processes on the machine.
            cpu[v].push((used.user + used.system) / 1000);
          }
        }
        return { plain: median(wall.plain), deleted: median(wall.deleted), plainCpu: median(cpu.plain), deletedCpu: median(cpu.deleted) };
      };
      const scanned = await scan();
      progress(`growth deletes: scan ${scanned.plain.toFixed(1)} ms, after a 1% DELETE ${scanned.deleted.toFixed(1)} ms`);
      // Compaction rewrites only files no other database holds: the clone goes first.
      before.close();
      w.dropDatabase('g_before');
      const tableBytes = [...databaseFiles(w, 'prod').values()].reduce((a, b) => a + b, 0);
      const objects = await objectSizes(w);
      const compact = await timed(() => w.compact({ db: 'prod' }));
      let written = 0;
      for (const [key, bytes] of await objectSizes(w)) if (!objects.has(key)) written += bytes;
      const afterCompact: number[] = [];
      await prod.run(SCAN);
      for (let r = 0; r < o.runs; r++) afterCompact.push((await timed(() => prod.run(SCAN))).ms);
      prod.close();
      progress(`growth deletes: compact wrote ${(written / 2 ** 20).toFixed(1)} MB of ${(tableBytes / 2 ** 20).toFixed(1)} MB in ${compact.ms.toFixed(0)} ms`);
      return { deleteMs: del.ms, scanned, tableBytes, written, compactMs: compact.ms, scanAfterCompact: median(afterCompact) };
    });
    const mb = (b: number): number => b / 2 ** 20;
    const curve: GrowthCurve = {
      id: 'deletes',
      title: `A 1% DELETE (every 100th row, so every file) of ${o.rows.toLocaleString('en-US')} rows written in ${o.files} inserts, compacted once before the change`,
      goal: 'scan with deletes ≤ 1.25× without; compact writes a small part of the table for a 1% change',
      columns: ['measure', 'value'],
      rows: [
        ['full scan, before (ms)', value.scanned.plain],
        ['full scan, after the 1% DELETE (ms)', value.scanned.deleted],
        ['full scan, after compact (ms)', value.scanAfterCompact],
        ['full scan CPU, before / after the 1% DELETE (ms)', `${round(value.scanned.plainCpu)} / ${round(value.scanned.deletedCpu)}`],
        ['table (MB)', mb(value.tableBytes)],
        ['compact wrote (MB)', mb(value.written)],
      ],
      load,
    };
    const figures = [
      figure('1% DELETE: full scan after / before', value.scanned.deleted / value.scanned.plain, '×', { op: '<=', value: 1.25 }),
      figure('1% DELETE: compact bytes written / table bytes', value.written / value.tableBytes, '×', { op: '<=', value: 0.1 }),
      figure('1% DELETE: full scan CPU time after / before', value.scanned.deletedCpu / value.scanned.plainCpu, '×'),
      figure('1% DELETE: full scan after compact / before', value.scanAfterCompact / value.scanned.plain, '×'),
    ];
    return { curve, figures };
  } finally {
    mayfly.close();
  }
}
