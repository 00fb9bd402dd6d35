import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FakeClock } from '../src/index.js';
import { seededRandom, sleep, startWorker } from './helpers/processes.js';
import { column, missingFiles, openMayfly, protectedCommits, readEverything, scalar, tempHome, unreferencedFiles, withSession } from './helpers/warehouse.js';

describe('crash safety', () => {
  it('keeps every database readable, every referenced file present and every acknowledged write after SIGKILLs at random moments', async (t) => {
    const seed = Number(process.env.MAYFLY_CRASH_SEED ?? Date.now() % 1_000_000);
    t.diagnostic(`seed ${seed} (replay with MAYFLY_CRASH_SEED=${seed})`);
    const random = seededRandom(seed);
    const home = tempHome();
    const log = join(home, 'acked.log');
    try {
      const kills = 5 + Math.floor(random() * 4);
      let killed = 0;
      const ackedSoFar = (): boolean => existsSync(log) && readFileSync(log, 'utf8').includes('acked ');
      // On a loaded machine a few short generations may ack no insert at all; more kills, not fewer checks.
      for (let gen = 0; gen < kills || (!ackedSoFar() && gen < 40); gen++) {
        const worker = startWorker('crash-writer', [home, log, String(gen), String(seed + gen)]);
        await worker.waitForLine('ready');
        await sleep(50 + Math.floor(random() * 350));
        const stillRunning = worker.child.exitCode === null;
        worker.child.kill('SIGKILL');
        const exit = await worker.exited();
        // The worker only ever stops by being killed: any other exit is a failure it reported.
        assert.ok(stillRunning, `worker ${gen} stopped on its own: ${worker.stderr()}`);
        assert.equal(exit.signal, 'SIGKILL', `worker ${gen} exited with ${String(exit.code)}: ${worker.stderr()}`);
        killed++;
      }

      const lines = existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : [];
      const acked = lines.filter((l) => l.startsWith('acked ')).map((l) => Number(l.slice(6)));
      const increments = lines.filter((l) => l === 'inc').length;
      t.diagnostic(`${killed} kills, ${acked.length} acknowledged inserts, ${increments} increments`);
      assert.ok(acked.length > 0, 'the workers acknowledged some writes before being killed');

      const clock = new FakeClock(Date.now());
      const mayfly = openMayfly(home, clock);
      try {
        const wh = mayfly.warehouse;
        const check = async (when: string): Promise<void> => {
          // Every database opens and every table of every database reads in full.
          for (const d of wh.listDatabases()) {
            const s = await wh.session(d.name);
            s.close();
          }
          const tables = await readEverything(wh);
          assert.ok(tables.has('prod.main.acked'), `${when}: prod.main.acked exists`);
          // Every file a live database or the time-travel window references exists.
          assert.deepEqual(missingFiles(wh, protectedCommits(wh)), [], `${when}: files referenced by the catalog are missing`);

          await withSession(wh, 'prod', async (s) => {
            const visible = (await column(s, 'select id from main.acked order by id')).map(Number);
            const seen = new Set(visible);
            assert.equal(seen.size, visible.length, `${when}: a row was applied twice`);
            const lost = acked.filter((id) => !seen.has(id));
            assert.deepEqual(lost, [], `${when}: acknowledged inserts are missing`);
            // At most one statement per kill was applied but not acknowledged.
            const unacked = visible.length - acked.length;
            assert.ok(unacked >= 0 && unacked <= killed, `${when}: ${unacked} unacknowledged rows for ${killed} kills`);
            const n = Number(await scalar(s, 'select n from main.counter'));
            assert.ok(n >= increments && n <= increments + killed, `${when}: counter ${n} for ${increments} acknowledged increments`);
          });
        };
        await check('after the crashes');

        // GC after crashes keeps everything reachable and cleans what crashed writers left in staging.
        await wh.gc();
        await check('after GC');
        assert.deepEqual(readdirSync(join(home, 'staging')), []);

        // Once the window has passed, nothing the crashed writers left behind survives a GC.
        clock.advance(2 * 3_600_000);
        await wh.gc();
        assert.deepEqual(unreferencedFiles(wh, home), []);
        await check('after the window passed and GC ran');
      } finally {
        mayfly.close();
      }
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
