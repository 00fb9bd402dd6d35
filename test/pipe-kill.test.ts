import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { describe, it } from 'node:test';
import { FakeClock } from '../src/index.js';
import { count, openMayfly, rows, scalar, tempHome, withSession } from './helpers/warehouse.js';
import { createSamplePipes, landDays, pipeService, tempStage } from './helpers/pipe-fixtures.js';
import { startWorker } from './helpers/processes.js';

const DAYS = 16;
const ORDERS_PER_DAY = 1000;

describe('pipes across processes', () => {
  it('a refresh killed mid-way leaves no file half loaded, and running it again loads each file exactly once', async () => {
    const home = tempHome();
    const stage = tempStage();
    try {
      await landDays(stage.dir, DAYS, { scale: ORDERS_PER_DAY / 100 });
      const setup = openMayfly(home, new FakeClock(Date.now()));
      try {
        setup.warehouse.init();
        await createSamplePipes(setup.warehouse);
        pipeService(setup.warehouse, stage.dir).resume('prod', ['load_orders_a']);
      } finally {
        setup.close();
      }

      const victim = startWorker('pipe-refresher', [home, stage.dir, 'prod', 'load_orders_a']);
      await victim.waitForLine(`loaded @raw/source_a/orders/2024-01-02.csv LOADED`);
      victim.child.kill('SIGKILL');
      assert.equal((await victim.exited()).signal, 'SIGKILL');
      assert.ok(!victim.stdout().includes('done'), 'the refresh was stopped before it finished');

      const mayfly = openMayfly(home, new FakeClock(Date.now()));
      try {
        const { warehouse } = mayfly;
        // What the killed refresh committed is whole: every file in the history, with all its rows.
        const committed = await withSession(warehouse, 'prod', async (s) => {
          const files = Number(await scalar(s, `select count(*) from mayfly.load_history where status = 'LOADED'`));
          assert.equal(await count(s, 'staging.orders_a'), files * ORDERS_PER_DAY);
          return files;
        });
        assert.ok(committed >= 2 && committed < DAYS, `killed after ${committed} of ${DAYS} files`);

        // Two refreshes in two processes finish the job together.
        const a = startWorker('pipe-refresher', [home, stage.dir, 'prod', 'load_orders_a']);
        const b = startWorker('pipe-refresher', [home, stage.dir, 'prod', 'load_orders_a']);
        const [ea, eb] = await Promise.all([a.exited(), b.exited()]);
        assert.equal(ea.code, 0, a.stderr());
        assert.equal(eb.code, 0, b.stderr());
        const loadedByWorkers = [a, b].flatMap((w) => w.stdout().split('\n').filter((l) => l.endsWith(' LOADED')));
        assert.equal(loadedByWorkers.length, DAYS - committed, 'each remaining file was loaded by exactly one process');

        await withSession(warehouse, 'prod', async (s) => {
          const perFile = await rows(s, `select file, count(*) as n from mayfly.load_history where status = 'LOADED' group by file having count(*) > 1`);
          assert.deepEqual(perFile, []);
          assert.equal(await scalar(s, `select count(distinct file) from mayfly.load_history`), DAYS);
          assert.equal(await count(s, 'staging.orders_a'), DAYS * ORDERS_PER_DAY);
          assert.equal(await scalar(s, 'select count(distinct order_id) from staging.orders_a'), DAYS * ORDERS_PER_DAY);
        });
      } finally {
        mayfly.close();
      }
    } finally {
      stage.remove();
      rmSync(home, { recursive: true, force: true });
    }
  });
});
