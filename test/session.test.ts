import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { catalogState, count, rejectsWithCode, scalar, withSession, withWarehouse } from './helpers/warehouse.js';

describe('a session', () => {
  it('runs concurrent calls one at a time, so none is lost', async () => {
    await withWarehouse(async ({ warehouse }) => {
      await withSession(warehouse, 'prod', async (s) => {
        await s.run('create table t (x int)');
        await Promise.all(Array.from({ length: 12 }, (_, i) => s.run(`insert into t values (${i}); select count(*) from t`)));
        assert.equal(await count(s, 't'), 12);
      });
    });
  });

  it('checks column types of the whole script before running its first statement', async () => {
    await withWarehouse(async ({ warehouse }) => {
      await withSession(warehouse, 'prod', async (s) => {
        const before = catalogState(warehouse);
        await rejectsWithCode(s.run('create table a (x int); create table b (y no_such_type)'), 'SQL_BIND', /nothing was run/);
        assert.deepEqual(catalogState(warehouse), before);
      });
    });
  });

  it('keeps identical rows written twice apart, so a delete removes exactly the rows it matched', async () => {
    await withWarehouse(async ({ warehouse }) => {
      await withSession(warehouse, 'prod', async (s) => {
        await s.run("create table t (x int, v varchar); insert into t values (1, 'a'); insert into t values (1, 'a')");
        const tables = warehouse.tables('prod');
        assert.equal(tables[0]?.files, 2);
        await s.run('delete from t where x = 1 and v = \'a\'');
        assert.equal(await count(s, 't'), 0);
        await s.run("insert into t values (2, 'b'); update t set v = 'c' where x = 2");
        assert.equal(await scalar(s, 'select v from t'), 'c');
        assert.equal(await count(s, 't'), 1);
      });
    });
  });

  it('fetches at most maxRows rows of a query and says the rest was not fetched', async () => {
    await withWarehouse(async ({ warehouse }) => {
      await withSession(warehouse, 'prod', async (s) => {
        await s.run('create table big as select range as id from range(100000)');
        const [limited] = await s.run('select * from big order by id', undefined, { maxRows: 5 });
        assert.ok(limited?.kind === 'rows');
        assert.deepEqual(limited.rows.map((r) => r.id), [0, 1, 2, 3, 4]);
        assert.equal(limited.truncated, true);
        const [whole] = await s.run('select * from big where id < 5', undefined, { maxRows: 5 });
        assert.ok(whole?.kind === 'rows');
        assert.equal(whole.rows.length, 5);
        assert.equal(whole.truncated, undefined);
      });
    });
  });

  it('replaces a database in one step with CREATE OR REPLACE DATABASE, never production', async () => {
    await withWarehouse(async ({ warehouse }) => {
      await withSession(warehouse, 'prod', async (s) => {
        await s.run('create database x; create table x.main.t as select 1 as a; create table keep as select 1 as a');
        await s.run('create or replace database x');
        assert.equal(warehouse.database('x').tables, 0);
        const before = catalogState(warehouse);
        await rejectsWithCode(s.run('create or replace database prod'), 'PROD_PROTECTED');
        assert.deepEqual(catalogState(warehouse), before);
        assert.equal(await count(s, 'keep'), 1);
      });
    });
  });
});
