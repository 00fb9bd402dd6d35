import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { describe, it } from 'node:test';
import { FakeClock, type Warehouse } from '../src/index.js';
import { count, openMayfly, rows, scalar, tempHome, withSession } from './helpers/warehouse.js';
import { createSamplePipes, landDays, pipeService, tempStage } from './helpers/pipe-fixtures.js';
import { startWorker } from './helpers/processes.js';

const DAYS = 16;
const ORDERS_PER_DAY = 1000;
const BATCH = 4;

/** Files of `load_history` in prod's current version (one per batch: never one per load). */
function historyFiles(warehouse: Warehouse): number {
  const obj = warehouse.tree(warehouse.requireRef('prod').commitId).object('mayfly', 'load_history');
  return obj?.kind === 'table' ? obj.version.files.length : 0;
}

/** A warehouse with the sample pipes, orders running, and DAYS days landed. */
async function setUp(home: string, stageDir: string): Promise<void> {
  await landDays(stageDir, DAYS, { scale: ORDERS_PER_DAY / 100 });
  const setup = openMayfly(home, new FakeClock(Date.now()));
  try {
    setup.warehouse.init();
    await createSamplePipes(setup.warehouse);
    pipeService(setup.warehouse, stageDir).resume('prod', ['load_orders_a']);
  } finally {
    setup.close();
  }
}

/**
 * Checks that every data file prod's commit names is in the object store,
 * whole: its SHA-256 is its key. Data files are stored (and synced) while
 * the next landing file is read, so this is what says none is named early.
 */
function assertCommittedFilesStored(warehouse: Warehouse): number {
  const tree = warehouse.tree(warehouse.requireRef('prod').commitId);
  let n = 0;
  for (const [schema, table] of [['staging', 'orders_a'], ['mayfly', 'load_history'], ['mayfly', 'load_errors']] as const) {
    const obj = tree.object(schema, table);
    if (obj?.kind !== 'table') continue;
    for (const f of obj.version.files) {
      const bytes = readFileSync(warehouse.store.localPath(f.key));
      assert.equal(`${createHash('sha256').update(bytes).digest('hex')}.parquet`, f.key, `${schema}.${table} names ${f.key}, stored whole`);
      n++;
    }
  }
  return n;
}

/** Files loaded into prod, after checking that each loaded file brought all its rows and no more. */
async function committedFiles(warehouse: Warehouse): Promise<number> {
  return withSession(warehouse, 'prod', async (s) => {
    const files = Number(await scalar(s, `select count(*) from mayfly.load_history where status = 'LOADED'`));
    assert.equal(await count(s, 'staging.orders_a'), files * ORDERS_PER_DAY);
    return files;
  });
}

/** Two refreshes in two processes (batches of different sizes) finish the job: each remaining file loaded by exactly one. */
async function finishInTwoProcesses(home: string, stageDir: string, warehouse: Warehouse, committed: number): Promise<void> {
  const a = startWorker('pipe-refresher', [home, stageDir, 'prod', `--batch=${BATCH}`, 'load_orders_a']);
  const b = startWorker('pipe-refresher', [home, stageDir, 'prod', '--batch=3', 'load_orders_a']);
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
}

describe('pipes across processes', () => {
  it('a refresh killed mid-way leaves whole batches only, and running it again loads each file exactly once', async () => {
    const home = tempHome();
    const stage = tempStage();
    try {
      await setUp(home, stage.dir);
      const victim = startWorker('pipe-refresher', [home, stage.dir, 'prod', `--batch=${BATCH}`, 'load_orders_a']);
      await victim.waitForLine(`loaded @raw/source_a/orders/2024-01-02.csv LOADED`);
      victim.child.kill('SIGKILL');
      assert.equal((await victim.exited()).signal, 'SIGKILL');
      assert.ok(!victim.stdout().includes('done'), 'the refresh was stopped before it finished');

      const mayfly = openMayfly(home, new FakeClock(Date.now()));
      try {
        const committed = await committedFiles(mayfly.warehouse);
        assert.ok(assertCommittedFilesStored(mayfly.warehouse) > committed, 'every data and history file the commit names is stored whole');
        assert.ok(committed >= BATCH && committed < DAYS, `killed after ${committed} of ${DAYS} files`);
        assert.equal(committed % BATCH, 0, `whole batches of ${BATCH} only, not ${committed} files`);
        assert.equal(historyFiles(mayfly.warehouse), committed / BATCH, 'one history file per batch');
        await finishInTwoProcesses(home, stage.dir, mayfly.warehouse, committed);
      } finally {
        mayfly.close();
      }
    } finally {
      stage.remove();
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('a refresh killed in the middle of a batch, its rows and history written but not committed, commits none of that batch', async () => {
    const home = tempHome();
    const stage = tempStage();
    try {
      await setUp(home, stage.dir);
      // The second batch is days 5 to 8: the refresh writes their rows and history in its transaction, then stalls before COMMIT.
      const victim = startWorker('pipe-refresher', [home, stage.dir, 'prod', `--batch=${BATCH}`, '--stall-at=@raw/source_a/orders/2024-01-07.csv', 'load_orders_a']);
      await victim.waitForLine('stalled @raw/source_a/orders/2024-01-07.csv');
      victim.child.kill('SIGKILL');
      assert.equal((await victim.exited()).signal, 'SIGKILL');
      const loaded = victim.stdout().split('\n').filter((l) => l.startsWith('loaded '));
      assert.equal(loaded.length, BATCH, 'the first batch committed before the kill');

      const mayfly = openMayfly(home, new FakeClock(Date.now()));
      try {
        assert.equal(await committedFiles(mayfly.warehouse), BATCH, 'nothing of the killed batch is visible');
        assert.ok(assertCommittedFilesStored(mayfly.warehouse) > BATCH);
        await withSession(mayfly.warehouse, 'prod', async (s) => {
          assert.equal(await scalar(s, `select count(*) from mayfly.load_history where file like '%2024-01-05.csv' or file like '%2024-01-06.csv'`), 0);
        });
        await finishInTwoProcesses(home, stage.dir, mayfly.warehouse, BATCH);
      } finally {
        mayfly.close();
      }
    } finally {
      stage.remove();
      rmSync(home, { recursive: true, force: true });
    }
  });
});
