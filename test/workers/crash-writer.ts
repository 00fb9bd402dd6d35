/**
 * A writer the crash-safety test kills at random moments:
 *   node dist/test/workers/crash-writer.js <home> <log file> <generation> <seed>
 * Writes in a loop until killed: inserts, updates, deletes, transactions,
 * clones, drops, compaction and GC. After each statement returns it appends
 * a line to the log (`acked <id>` for a row of prod.main.acked, `inc` for an
 * increment of prod.main.counter), so the parent can check that every
 * acknowledged write is in the data.
 */
import { appendFileSync } from 'node:fs';
import { createMayfly } from '../../src/index.js';
import type { Session, Warehouse } from '../../src/index.js';
import { seededRandom } from '../helpers/processes.js';
import { TEST_SETTINGS } from '../helpers/warehouse.js';
import { runWorker } from './worker-main.js';

async function main(args: readonly string[]): Promise<number> {
  const [home, log, generation, seed] = args;
  if (home === undefined || log === undefined || generation === undefined || seed === undefined) {
    // Run without arguments (the test runner loads every file under test/): nothing to do.
    return 0;
  }
  const random = seededRandom(Number(seed));
  const gen = Number(generation);
  const mayfly = createMayfly({ home, settings: { ...TEST_SETTINGS, targetFileBytes: 16 * 1024, smallFileBytes: 8 * 1024 } });
  const wh = mayfly.warehouse;
  wh.init();
  const s = await wh.session('prod');
  try {
    await s.run(`
      create table if not exists main.acked (id bigint, gen int);
      create table if not exists main.counter as select 0::bigint as n;
      create table if not exists main.scratch (id bigint, v varchar);
    `);
    process.stdout.write('ready\n');
    const ack = (line: string): void => appendFileSync(log, `${line}\n`);
    for (let i = 0; ; i++) {
      const id = gen * 1_000_000 + i;
      const op = random();
      if (op < 0.3) {
        await s.run(`insert into main.acked values (${id}, ${gen})`);
        ack(`acked ${id}`);
      } else if (op < 0.45) {
        await s.run('update main.counter set n = n + 1');
        ack('inc');
      } else if (op < 0.55) {
        await s.run(`begin; insert into main.acked values (${id}, ${gen}); update main.counter set n = n + 1; commit`);
        ack(`acked ${id}`);
        ack('inc');
      } else if (op < 0.7) {
        await scratch(s, id, random);
      } else if (op < 0.8) {
        await cloneAndDrop(wh, s, id);
      } else if (op < 0.9) {
        await wh.gc();
      } else if (op < 0.95) {
        await wh.compact({ db: 'prod' });
      } else {
        await s.run(`delete from main.acked where id < 0`);
      }
    }
  } finally {
    s.close();
    mayfly.close();
  }
}

/** Inserts a batch into scratch, then updates or deletes part of it. */
async function scratch(s: Session, id: number, random: () => number): Promise<void> {
  await s.run(`insert into main.scratch select ${id} * 100 + i, 'v' || i from range(${1 + Math.floor(random() * 50)}) t(i)`);
  if (random() < 0.5) await s.run(`update main.scratch set v = v || 'u' where id % 7 = ${Math.floor(random() * 7)}`);
  else await s.run(`delete from main.scratch where id % 5 = ${Math.floor(random() * 5)}`);
}

/** Clones production, writes into the clone, and keeps at most three clones. */
async function cloneAndDrop(wh: Warehouse, s: Session, id: number): Promise<void> {
  const name = `c_${id}`;
  wh.cloneDatabase(name, 'prod');
  await s.run(`insert into ${name}.main.scratch values (${id}, 'clone')`);
  const clones = wh
    .listDatabases()
    .filter((d) => d.name.startsWith('c_'))
    .map((d) => d.name)
    .sort();
  for (const old of clones.slice(0, Math.max(0, clones.length - 3))) wh.dropDatabase(old);
}

runWorker(main);
