/**
 * What the sandbox costs per statement, side by side in one run: this build
 * against another build of Mayfly (for example the commit before a sandbox
 * change), each on its own warehouse with the same data, statements
 * interleaved so both see the same machine load.
 *
 *   node dist/bench/sandbox-cost.js <other build's dist directory> [runs]
 *
 * Workloads: a trivial `SELECT 1`, a count over a table of 100 data files,
 * the same count alternating with a second table (so each statement
 * binds files the previous one did not), and a one-row insert alternating
 * with the count (a new table version every other statement).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

interface SessionLike {
  run(sql: string): Promise<unknown>;
  close(): void;
}
interface MayflyLike {
  readonly warehouse: { init(): void; session(db?: string): Promise<SessionLike> };
  close(): void;
}
type Create = (options: { home: string; settings?: Record<string, unknown> }) => MayflyLike;

const FILES = 100;

async function open(create: Create, label: string): Promise<{ label: string; mayfly: MayflyLike; session: SessionLike; home: string }> {
  const home = mkdtempSync(join(tmpdir(), 'bench-sandbox-'));
  const mayfly = create({ home, settings: { threads: 1 } });
  mayfly.warehouse.init();
  const session = await mayfly.warehouse.session();
  await session.run('create table t (id int, v varchar); create table u (id int)');
  // One INSERT writes one data file: 100 statements make a table of 100 files.
  for (let i = 0; i < FILES; i++) await session.run(`insert into t select range, 'v' || range from range(${i * 100}, ${(i + 1) * 100})`);
  await session.run('insert into u select range from range(1000)');
  return { label, mayfly, session, home };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

async function main(): Promise<void> {
  const other = process.argv[2];
  if (!other) throw new Error('usage: node dist/bench/sandbox-cost.js <other build dist directory> [runs]');
  const runs = Number(process.argv[3] ?? 200);
  const mine = (await import('../src/index.js')) as unknown as { createMayfly: Create };
  const theirs = (await import(pathToFileURL(join(resolve(other), 'src', 'index.js')).href)) as { createMayfly: Create };
  const variants = [await open(theirs.createMayfly, 'other'), await open(mine.createMayfly, 'this')];
  const workloads: readonly { name: string; sql: (i: number) => string }[] = [
    { name: 'SELECT 1', sql: () => 'select 1' },
    { name: `count(*) over ${FILES} files`, sql: () => 'select count(*) from t' },
    { name: 'alternating t / u', sql: (i) => (i % 2 ? 'select count(*) from t' : 'select count(*) from u') },
    // A new table version every other statement: its views (and links) are made anew.
    { name: 'insert 1 row, then count t', sql: (i) => (i % 2 ? 'select count(*) from t' : `insert into t values (${1e6 + i}, 'x')`) },
  ];
  try {
    console.log(`median ms per statement, ${runs} runs each, interleaved`);
    console.log(['workload', 'other', 'this', 'this/other'].join('\t'));
    for (const w of workloads) {
      const samples = new Map<string, number[]>(variants.map((v) => [v.label, []]));
      for (const v of variants) for (let i = 0; i < 10; i++) await v.session.run(w.sql(i)); // warm-up
      for (let i = 0; i < runs; i++) {
        for (const v of i % 2 ? variants : [...variants].reverse()) {
          const started = performance.now();
          await v.session.run(w.sql(i));
          samples.get(v.label)?.push(performance.now() - started);
        }
      }
      const a = median(samples.get('other') ?? []);
      const b = median(samples.get('this') ?? []);
      console.log([w.name, a.toFixed(3), b.toFixed(3), (b / a).toFixed(3)].join('\t'));
    }
  } finally {
    for (const v of variants) {
      v.session.close();
      v.mayfly.close();
      rmSync(v.home, { recursive: true, force: true });
    }
  }
}

await main();
