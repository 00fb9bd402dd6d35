/**
 * Reads with deletes, and what compaction writes for a small change, side by
 * side in one run:
 *
 *   node dist/bench/compact-growth.js [rows=4000000] [files=8] [runs=9]
 *
 * A table of `rows` rows in `files` data files. Scans (three queries) run in a
 * plain clone, a clone where 1 % of rows were deleted and a clone where 1 %
 * were updated, interleaved and rotated so all see the same machine load;
 * figures are ratios of medians. Then production takes a 1 % UPDATE spread
 * over every file and a 1 % UPDATE of one contiguous range, and `compact`
 * runs after each (bytes written against the table's bytes), and `--full`
 * once for comparison. Prints the load average before and after.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMayfly, type Session } from '../src/index.js';
import { median, timed } from './bench-util.js';

const QUERIES = {
  'sum': 'SELECT sum(amount) AS s FROM events',
  'filtered count': 'SELECT count(*) AS n FROM events WHERE amount > 90',
  'group by': 'SELECT category, count(*) AS n, avg(amount) AS a FROM events GROUP BY category',
} as const;

async function main(): Promise<void> {
  const [rowsArg, filesArg, runsArg] = process.argv.slice(2);
  const rows = Number(rowsArg ?? 4_000_000);
  const files = Number(filesArg ?? 8);
  const runs = Number(runsArg ?? 9);
  const home = mkdtempSync(join(tmpdir(), 'bench-compact-'));
  const loadBefore = loadavg();
  const mayfly = createMayfly({ home, settings: { production: 'prod', threads: 2, targetFileBytes: 512 * 1024 * 1024, smallFileBytes: 8 * 1024 * 1024 } });
  const w = mayfly.warehouse;
  const sessions: Session[] = [];
  try {
    w.init();
    const prod = await w.session('prod');
    sessions.push(prod);
    await prod.run('CREATE TABLE events (id BIGINT, amount DOUBLE, category VARCHAR, note VARCHAR)');
    const per = Math.ceil(rows / files);
    // One INSERT writes one data file (below the target size): `files` files of `per` rows.
    for (let i = 0; i < files; i++) {
      await prod.run(
        `INSERT INTO events SELECT range, (hash(range) % 10000) / 100.0, 'cat' || (range % 20), md5(range::VARCHAR) FROM range(${i * per}, ${Math.min(rows, (i + 1) * per)})`,
      );
    }
    for (const db of ['c_plain', 'c_deleted', 'c_updated']) w.cloneDatabase(db, 'prod');
    const plain = await w.session('c_plain');
    const deleted = await w.session('c_deleted');
    const updated = await w.session('c_updated');
    sessions.push(plain, deleted, updated);
    const del = await timed(() => deleted.run('DELETE FROM events WHERE id % 100 = 0'));
    const upd = await timed(() => updated.run('UPDATE events SET amount = amount + 1 WHERE id % 100 = 0'));
    console.log(`table: ${rows} rows in ${files} files; 1% DELETE ${del.ms.toFixed(0)} ms, 1% UPDATE ${upd.ms.toFixed(0)} ms`);

    const variants = [
      ['plain', plain],
      ['1% deleted', deleted],
      ['1% updated', updated],
    ] as const;
    for (const [name, sql] of Object.entries(QUERIES)) {
      const ms = new Map<string, number[]>(variants.map(([v]) => [v, []]));
      const results = new Map<string, string>();
      for (const [v, s] of variants) results.set(v, JSON.stringify(await s.run(sql)));
      for (let r = 0; r < runs; r++) {
        // Rotate the order each run so no variant always runs first (warm caches, load).
        for (let k = 0; k < variants.length; k++) {
          const [v, s] = variants[(k + r) % variants.length] ?? variants[0];
          ms.get(v)?.push((await timed(() => s.run(sql))).ms);
        }
      }
      const base = median(ms.get('plain') ?? []);
      const ratio = (v: string): string => (median(ms.get(v) ?? []) / base).toFixed(2);
      console.log(`${name.padEnd(15)} plain ${base.toFixed(1)} ms; 1% deleted ${ratio('1% deleted')}×; 1% updated ${ratio('1% updated')}×`);
    }
    for (const s of [plain, deleted, updated]) s.close();
    sessions.length = 1;
    for (const db of ['c_plain', 'c_deleted', 'c_updated']) w.dropDatabase(db);

    const tableBytes = (): number => w.tables('prod').reduce((n, t) => n + t.bytes, 0);
    const compact = async (label: string, full = false): Promise<void> => {
      const bytes = tableBytes();
      const r = await w.compact({ db: 'prod', full });
      console.log(
        `compact after ${label}: wrote ${(r.bytesWritten / 1e6).toFixed(2)} MB (${((100 * r.bytesWritten) / bytes).toFixed(1)}% of the table's ${(bytes / 1e6).toFixed(1)} MB), read ${(r.bytesRead / 1e6).toFixed(2)} MB, ${r.filesRewritten} file(s) rewritten, ${r.elapsedMs.toFixed(0)} ms`,
      );
    };
    await prod.run('UPDATE events SET amount = amount + 1 WHERE id % 100 = 1');
    await compact('a 1% UPDATE over every file');
    await prod.run(`UPDATE events SET amount = amount + 1 WHERE id < ${Math.floor(rows / 100)}`);
    await compact('a 1% UPDATE of one range');
    await prod.run('UPDATE events SET amount = amount + 1 WHERE id % 100 = 2');
    await compact('a 1% UPDATE over every file, --full', true);
  } finally {
    for (const s of sessions) s.close();
    mayfly.close();
    rmSync(home, { recursive: true, force: true });
  }
  const f = (l: number[]): string => l.map((x) => x.toFixed(2)).join(' ');
  console.log(`load average before: ${f(loadBefore)}; after: ${f(loadavg())}`);
}

await main();
