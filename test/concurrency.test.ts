import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isMayflyError } from '../src/index.js';
import type { Session } from '../src/index.js';
import { startWorker, type Worker } from './helpers/processes.js';
import { column, count, rejectsWithCode, scalar, withSession, withWarehouse } from './helpers/warehouse.js';

interface WriterReport {
  readonly ok: readonly number[];
  readonly conflicts: readonly number[];
}

/** Starts writers, lets them all go at once, and returns their reports. */
async function runWriters(home: string, specs: readonly { table: string; n: number; mode: 'insert' | 'increment'; tag: number }[]): Promise<WriterReport[]> {
  const workers: Worker[] = specs.map((s) => startWorker('writer', [home, s.table, String(s.n), s.mode, String(s.tag)]));
  try {
    await Promise.all(workers.map((w) => w.waitForLine('ready')));
    for (const w of workers) w.child.stdin?.write('go\n');
    const exits = await Promise.all(workers.map((w) => w.exited()));
    return exits.map((x, i) => {
      const w = workers[i] as Worker;
      assert.equal(x.code, 0, `writer ${i} failed: ${w.stderr()}`);
      const line = w.stdout().trim().split('\n').pop() ?? '';
      return JSON.parse(line) as WriterReport;
    });
  } finally {
    for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
  }
}

/** Whether a promise succeeded (true) or lost a race (false); any other error fails the test. */
async function okOrConflict(p: Promise<unknown>): Promise<boolean> {
  try {
    await p;
    return true;
  } catch (e) {
    if (isMayflyError(e, 'WRITE_CONFLICT')) return false;
    throw e;
  }
}

async function ids(s: Session, table: string, tag: number): Promise<number[]> {
  return (await column(s, `select id from ${table} where tag = ${tag} order by id`)).map(Number);
}

describe('concurrency', () => {
  it('lands every row of two processes inserting into different tables at the same time', async () => {
    await withWarehouse(async ({ home, warehouse }) => {
      await withSession(warehouse, 'prod', async (s) => {
        await s.run('create table a (id int, tag int); create table b (id int, tag int)');
        const n = 30;
        const [ra, rb] = await runWriters(home, [
          { table: 'main.a', n, mode: 'insert', tag: 1 },
          { table: 'main.b', n, mode: 'insert', tag: 2 },
        ]);
        const all = Array.from({ length: n }, (_, i) => i);
        // Different tables never conflict: a commit that lost the race is replayed.
        assert.deepEqual(ra?.conflicts, []);
        assert.deepEqual(rb?.conflicts, []);
        assert.deepEqual(await ids(s, 'a', 1), all);
        assert.deepEqual(await ids(s, 'b', 2), all);
        assert.equal(await count(s, 'a'), n);
        assert.equal(await count(s, 'b'), n);
      });
    });
  });

  it('applies each insert of two processes into the same table exactly once, or refuses it with WRITE_CONFLICT', async (t) => {
    await withWarehouse(async ({ home, warehouse }) => {
      await withSession(warehouse, 'prod', async (s) => {
        await s.run('create table shared (id int, tag int)');
        const n = 30;
        const reports = await runWriters(home, [
          { table: 'main.shared', n, mode: 'insert', tag: 1 },
          { table: 'main.shared', n, mode: 'insert', tag: 2 },
        ]);
        for (const [i, r] of reports.entries()) {
          assert.equal(r.ok.length + r.conflicts.length, n);
          // Exactly the acknowledged rows are there: nothing half-applied, nothing lost.
          assert.deepEqual(await ids(s, 'shared', i + 1), [...r.ok]);
        }
        assert.equal(await count(s, 'shared'), reports.reduce((a, r) => a + r.ok.length, 0));
        t.diagnostic(`conflicts: ${reports.map((r) => r.conflicts.length).join(', ')}`);
      });
    });
  });

  it('counts every successful increment of two processes updating the same row', async (t) => {
    await withWarehouse(async ({ home, warehouse }) => {
      await withSession(warehouse, 'prod', async (s) => {
        await s.run('create table counter (n bigint); insert into counter values (0)');
        const n = 25;
        const reports = await runWriters(home, [
          { table: 'main.counter', n, mode: 'increment', tag: 0 },
          { table: 'main.counter', n, mode: 'increment', tag: 0 },
        ]);
        const successes = reports.reduce((a, r) => a + r.ok.length, 0);
        for (const r of reports) assert.equal(r.ok.length + r.conflicts.length, n);
        assert.equal(await count(s, 'counter'), 1);
        assert.equal(Number(await scalar(s, 'select n from counter')), successes);
        t.diagnostic(`successes: ${successes} of ${2 * n}`);
      });
    });
  });

  it('commits two transactions of two sessions on different tables: both land', async () => {
    await withWarehouse(async ({ warehouse }) => {
      await withSession(warehouse, 'prod', async (s1) => {
        await withSession(warehouse, 'prod', async (s2) => {
          await s1.run('create table a (id int); create table b (id int)');
          await s1.run('begin; insert into a values (1); insert into a values (2)');
          await s2.run('begin; insert into b values (10)');
          await s2.run('commit');
          await s1.run('commit');
          // A single statement of one session interleaved with the other's transaction lands too.
          await s1.run('begin; insert into a values (3)');
          await s2.run('insert into b values (11)');
          await s1.run('commit');
          assert.deepEqual(await column(s1, 'select id from a order by id'), [1, 2, 3]);
          assert.deepEqual(await column(s2, 'select id from b order by id'), [10, 11]);
        });
      });
    });
  });

  it('refuses the second COMMIT touching the same table with WRITE_CONFLICT and keeps its rows out', async () => {
    await withWarehouse(async ({ warehouse }) => {
      await withSession(warehouse, 'prod', async (s1) => {
        await withSession(warehouse, 'prod', async (s2) => {
          await s1.run('create table a (id int); create table b (id int); insert into a values (0)');
          await s1.run('begin; insert into a values (1); insert into b values (1)');
          await s2.run('begin; insert into a values (2); delete from a where id = 0');
          await s2.run('commit');
          const head = warehouse.database('prod').commitId;
          const lost = await rejectsWithCode(s1.run('commit'), 'WRITE_CONFLICT', /a/);
          // The user is told to run the whole transaction again, not one statement.
          assert.match(lost.message, /run the transaction again/);
          await rejectsWithCode(s1.run('commit'), 'TXN_NOT_OPEN');
          assert.equal(s1.inTransaction, false);
          assert.equal(warehouse.database('prod').commitId, head);
          assert.deepEqual(await column(s1, 'select id from a order by id'), [2]);
          // The whole losing transaction is absent, including its write to b.
          assert.equal(await count(s1, 'b'), 0);
        });
      });
    });
  });

  it('lets interleaved statements of two sessions on the same table either land or fail with WRITE_CONFLICT', async () => {
    await withWarehouse(async ({ warehouse }) => {
      await withSession(warehouse, 'prod', async (s1) => {
        await withSession(warehouse, 'prod', async (s2) => {
          await s1.run('create table t (id int, tag int)');
          const landed: number[] = [];
          for (let i = 0; i < 15; i++) {
            const [a, b] = await Promise.all([okOrConflict(s1.run(`insert into t values (${i}, 1)`)), okOrConflict(s2.run(`insert into t values (${i}, 2)`))]);
            assert.ok(a || b, 'at least one of two racing statements lands');
            if (a) landed.push(i * 10 + 1);
            if (b) landed.push(i * 10 + 2);
          }
          assert.deepEqual(await column(s1, 'select id * 10 + tag from t order by 1'), landed);
        });
      });
    });
  });
});
