import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isMayflyError, validateConfig } from '../src/index.js';
import { runPipes } from '../src/ingest/pipe-runner.js';
import type { PipeService } from '../src/ingest/pipe-service.js';
import { count, rejectsWithCode, rows, scalar, withWarehouse } from './helpers/warehouse.js';

/** Windows long enough for the short statement limits these tests set. */
const SAFE = { gcGraceMs: 3_600_000, timeTravelMs: 3_600_000 };

/** Statements that never end alone: each must be stopped by the time limit. */
const ENDLESS = [
  ['an infinite WITH RECURSIVE', 'with recursive r(i) as (select 1 union all select i + 1 from r) select count(*) from r'],
  ['a count over range(10^13)', 'select count(*) from range(10000000000000)'],
  ['a huge cross join', 'select count(*) from range(1000000) a, range(1000000) b'],
  ['sleep_ms', 'select sleep_ms(3600000)'],
  ['an endless insert', 'insert into t select i from range(10000000000000) r(i)'],
  ['an endless CTAS', 'create table big as select i from range(10000000000000) r(i)'],
] as const;

describe('statement time limit', () => {
  it('stops every kind of endless statement with SQL_TIMEOUT, applies nothing, and the session goes on', async () => {
    await withWarehouse(
      async ({ warehouse }) => {
        const s = await warehouse.session('prod', { statementTimeoutMs: 400 });
        try {
          await s.run('create table t (i bigint); insert into t values (1), (2)');
          const before = warehouse.catalog.getRef('prod')?.commitId;
          for (const [what, sql] of ENDLESS) {
            const e = await rejectsWithCode(s.run(sql), 'SQL_TIMEOUT', /longer than its time limit of 400 ms.*nothing of it was applied/);
            assert.ok(isMayflyError(e) && e.kind !== 'internal', what);
            assert.equal(await count(s, 't'), 2, `${what}: the session answers the next statement`);
          }
          assert.equal(warehouse.catalog.getRef('prod')?.commitId, before, 'no endless statement committed anything');
          await rejectsWithCode(s.run('select * from big'), 'TABLE_NOT_FOUND');
        } finally {
          s.close();
        }
      },
      { settings: SAFE },
    );
  });

  it('a timed-out statement inside a transaction rolls the transaction back, and says so', async () => {
    await withWarehouse(
      async ({ warehouse }) => {
        const s = await warehouse.session('prod', { statementTimeoutMs: 400 });
        try {
          await s.run('create table t (i bigint); insert into t values (1)');
          await s.run('begin; insert into t values (2)');
          await rejectsWithCode(s.run(ENDLESS[1][1]), 'SQL_TIMEOUT', /the open transaction was rolled back/);
          assert.equal(s.inTransaction, false);
          assert.deepEqual(await rows(s, 'select i from t order by i'), [{ i: 1 }]);
        } finally {
          s.close();
        }
      },
      { settings: SAFE },
    );
  });

  it('interrupt() stops the running statement with SQL_INTERRUPTED; one after the statement ended does not stop the next', async () => {
    await withWarehouse(
      async ({ warehouse }) => {
        const s = await warehouse.session('prod');
        try {
          await s.run('create table t (i bigint)');
          const running = s.run(ENDLESS[4][1]);
          setTimeout(() => s.engine.interrupt(), 300);
          await rejectsWithCode(running, 'SQL_INTERRUPTED', /nothing of it was applied/);
          assert.equal(await count(s, 't'), 0);
          s.engine.interrupt();
          s.engine.clearInterrupt();
          assert.equal(await scalar(s, 'select 42'), 42);
        } finally {
          s.close();
        }
      },
      { settings: SAFE },
    );
  });

  it('uses the warehouse limit for user SQL, the job limit for pipes and DAGs, and the session option over both', async () => {
    await withWarehouse(
      async ({ warehouse }) => {
        const user = await warehouse.session('prod');
        const job = await warehouse.session('prod', { purpose: 'dag' });
        const own = await warehouse.session('prod', { purpose: 'dag', statementTimeoutMs: 1000 });
        try {
          assert.deepEqual([user.statementTimeoutMs, job.statementTimeoutMs, own.statementTimeoutMs], [60_000, 600_000, 1000]);
        } finally {
          for (const s of [user, job, own]) s.close();
        }
      },
      { settings: { ...SAFE, statementTimeoutMs: 60_000, jobStatementTimeoutMs: 600_000 } },
    );
  });

  it('refuses a session limit that is zero, absurd, or longer than the time-travel window or GC grace', async () => {
    await withWarehouse(
      async ({ warehouse }) => {
        for (const [ms, reason] of [
          [0, /above zero/],
          [-5, /above zero/],
          [Number.NaN, /above zero/],
          [1e15, /at most 24d/],
          [2 * 3_600_000, /longer than the time-travel window/],
        ] as const) {
          await rejectsWithCode(warehouse.session('prod', { statementTimeoutMs: ms }), 'STATEMENT_TIMEOUT_UNSAFE', reason);
        }
      },
      { settings: { timeTravelMs: 3_600_000, gcGraceMs: 7_200_000 } },
    );
    await withWarehouse(async ({ warehouse }) => {
      await rejectsWithCode(warehouse.session('prod', { statementTimeoutMs: 60_000 }), 'STATEMENT_TIMEOUT_UNSAFE', /longer than the GC grace period/);
    }, { settings: { timeTravelMs: 3_600_000, gcGraceMs: 1000 } });
  });
});

describe('unsafe settings are refused with the reason', () => {
  const refused = (raw: Record<string, unknown>, field: string, reason: RegExp): void => {
    assert.throws(
      () => validateConfig(raw),
      (e: unknown) => isMayflyError(e, 'CONFIG_INVALID') && e.kind !== 'internal' && new RegExp(`${field}: unsafe`).test(e.message) && reason.test(e.message),
      JSON.stringify(raw),
    );
  };

  it('a time-travel window or GC grace shorter than a statement may run', () => {
    refused({ timeTravel: '0s' }, 'statementTimeout', /longer than the time-travel window \(timeTravel 0\.00 ms\)/);
    refused({ timeTravel: '2m' }, 'statementTimeout', /time-travel window/);
    refused({ gcGrace: '0s' }, 'statementTimeout', /GC grace period/);
    refused({ gcGrace: '10m' }, 'jobStatementTimeout', /GC grace period/);
    refused({ statementTimeout: '0s' }, 'statementTimeout', /above zero/);
    refused({ statementTimeout: '100w', timeTravel: '200w', gcGrace: '200w' }, 'statementTimeout', /at most 24d/);
    // The defaults, and limits within the windows, are accepted.
    assert.equal(validateConfig({}).statementTimeout, '5m');
    assert.equal(validateConfig({ timeTravel: '1h', gcGrace: '1h', statementTimeout: '30s', jobStatementTimeout: '1h' }).jobStatementTimeout, '1h');
  });

  it('pipe run with an interval of 0s, below 50ms, or beyond a timer', async () => {
    const service = {} as PipeService;
    for (const intervalMs of [0, -1000, 10, Number.NaN, 1e12]) {
      await rejectsWithCode(runPipes(service, 'prod', { intervalMs, signal: new AbortController().signal }), 'PIPE_INTERVAL_INVALID');
    }
  });
});

describe('a commit whose base was pruned', () => {
  it('is a retryable BASE_PRUNED conflict, and running it again works', async () => {
    await withWarehouse(
      async ({ warehouse, clock }) => {
        const a = await warehouse.session('prod');
        const b = await warehouse.session('prod');
        try {
          await a.run('create table t (i int); create table u (i int)');
          // A transaction starts from the current commit, and outlives the (zero) time-travel window.
          await a.run('begin; insert into t values (1)');
          await b.run('insert into u values (1)');
          await b.run('insert into u values (2)');
          clock.advance(1000);
          const gc = await warehouse.gc();
          assert.ok(gc.commitsPruned > 0, 'GC pruned the commit the transaction started from');
          const e = await rejectsWithCode(a.run('commit'), 'BASE_PRUNED', /removed by garbage collection.*nothing was applied — run the transaction again/);
          assert.ok(isMayflyError(e) && e.kind === 'conflict');
          assert.equal(await count(b, 't'), 0);
          await a.run('begin; insert into t values (1); commit');
          assert.equal(await count(b, 't'), 1);
        } finally {
          a.close();
          b.close();
        }
      },
      { settings: { timeTravelMs: 0, gcGraceMs: 0 } },
    );
  });
});
