/**
 * The child process of the commits curve (run with --expose-gc): one session
 * makes one-row INSERTs into one table, and after every `every` commits
 * prints a JSON line with the heap after a full GC and the catalog's bytes.
 * Stops at `commits` or when `budgetMs` has passed.
 *
 *   node --expose-gc dist/bench/growth-commits-child.js '{"home":…,"commits":20000,"every":1000,"budgetMs":120000}'
 */
import { catalogBytes } from './growth-curve.js';
import { openWarehouse } from './bench-warehouses.js';
import { ShiftedClock } from './bench-util.js';

/** One line the child prints. */
export interface CommitSample {
  readonly commits: number;
  readonly elapsedMs: number;
  readonly heapUsed: number;
  readonly catalogBytes: number;
}

interface Request {
  readonly home: string;
  readonly commits: number;
  readonly every: number;
  readonly budgetMs: number;
}

async function main(): Promise<void> {
  const r = JSON.parse(process.argv[2] ?? '{}') as Request;
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  const mayfly = openWarehouse(r.home, new ShiftedClock());
  try {
    const s = await mayfly.warehouse.session('prod');
    try {
      await s.run('CREATE TABLE t (id BIGINT, v VARCHAR)');
      const sample = (commits: number): void => {
        gc();
        const line: CommitSample = { commits, elapsedMs: performance.now() - started, heapUsed: process.memoryUsage().heapUsed, catalogBytes: catalogBytes(r.home) };
        process.stdout.write(`${JSON.stringify(line)}\n`);
      };
      const started = performance.now();
      sample(0);
      let i = 0;
      while (i < r.commits && performance.now() - started < r.budgetMs) {
        await s.run(`INSERT INTO t VALUES (${++i}, 'one row')`);
        if (i % r.every === 0) sample(i);
      }
      // Where the budget stopped it between two samples.
      if (i % r.every !== 0) sample(i);
    } finally {
      s.close();
    }
  } finally {
    mayfly.close();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
