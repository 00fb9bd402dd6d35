import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Session } from '../src/index.js';
import { catalogState, count, objectFiles, rejectsWithCode, rows, scalar, withSession, withWarehouse } from './helpers/warehouse.js';

/** prod.rdv.hub (100 rows) and prod.rdv.sat (50 rows), prod.bdv.agg (3 rows). */
async function seed(s: Session): Promise<void> {
  await s.run(`
    create schema rdv;
    create schema bdv;
    create table rdv.hub (id int, name varchar);
    insert into rdv.hub select i, 'n' || i from range(100) t(i);
    create table rdv.sat (hub_id int, amount double);
    insert into rdv.sat select i, i * 1.5 from range(50) t(i);
    create table bdv.agg as select id % 3 as k, count(*) as n from rdv.hub group by all;
  `);
}

describe('clone isolation', () => {
  it('hides a change made in the clone from the source, for insert, update, delete, alter and drop', async () => {
    await withWarehouse(async ({ warehouse }) => {
      await withSession(warehouse, 'prod', async (s) => {
        await seed(s);
        await s.run('create database c clone prod');
        await s.run(`insert into c.rdv.hub values (1000, 'new')`);
        await s.run(`update c.rdv.hub set name = 'changed' where id = 7`);
        await s.run('delete from c.rdv.sat where hub_id < 10');
        await s.run('alter table c.rdv.hub add column extra int');
        await s.run('drop table c.bdv.agg');

        assert.equal(await count(s, 'c.rdv.hub'), 101);
        assert.equal(await scalar(s, 'select name from c.rdv.hub where id = 7'), 'changed');
        assert.equal(await count(s, 'c.rdv.sat'), 40);
        assert.deepEqual((await rows(s, 'describe c.rdv.hub')).map((r) => r.column_name), ['id', 'name', 'extra']);
        await rejectsWithCode(s.run('select * from c.bdv.agg'), 'TABLE_NOT_FOUND');

        assert.equal(await count(s, 'prod.rdv.hub'), 100);
        assert.equal(await count(s, 'prod.rdv.hub where id = 1000'), 0);
        assert.equal(await scalar(s, 'select name from prod.rdv.hub where id = 7'), 'n7');
        assert.equal(await count(s, 'prod.rdv.sat'), 50);
        assert.deepEqual(Object.keys((await rows(s, 'select * from prod.rdv.hub limit 1'))[0] ?? {}), ['id', 'name']);
        assert.equal(await count(s, 'prod.bdv.agg'), 3);
      });
    });
  });

  it('hides a change made in the source from the clone, for insert, update, delete, alter and drop', async () => {
    await withWarehouse(async ({ warehouse }) => {
      await withSession(warehouse, 'prod', async (s) => {
        await seed(s);
        warehouse.cloneDatabase('c', 'prod');
        await s.run(`
          insert into rdv.hub values (1000, 'new');
          update rdv.hub set name = 'changed' where id = 7;
          delete from rdv.sat where hub_id < 10;
          alter table rdv.hub rename column name to label;
          drop table bdv.agg;
        `);
        assert.equal(await count(s, 'prod.rdv.hub'), 101);
        assert.equal(await scalar(s, 'select label from prod.rdv.hub where id = 7'), 'changed');

        assert.equal(await count(s, 'c.rdv.hub'), 100);
        assert.equal(await scalar(s, 'select name from c.rdv.hub where id = 7'), 'n7');
        assert.equal(await count(s, 'c.rdv.sat'), 50);
        assert.equal(await count(s, 'c.bdv.agg'), 3);
      });
    });
  });

  it('keeps the clone intact and readable when the source drops a table, and when the source database is dropped', async () => {
    await withWarehouse(async ({ warehouse }) => {
      await withSession(warehouse, 'prod', async (s) => {
        await seed(s);
        await s.run('create database src clone prod; create database c clone src');
        await s.run('drop table src.rdv.hub');
        assert.equal(await count(s, 'c.rdv.hub'), 100);
        assert.equal(await scalar(s, 'select sum(id) from c.rdv.hub'), 4950);

        await s.run('drop database src');
        assert.ok(!warehouse.listDatabases().some((d) => d.name === 'src'));
        assert.equal(await count(s, 'c.rdv.hub'), 100);
        assert.equal(await count(s, 'c.rdv.sat'), 50);
        assert.equal(await scalar(s, 'select sum(n) from c.bdv.agg'), 100);
        // The clone is still writable after its source is gone.
        await s.run(`insert into c.rdv.hub values (500, 'after')`);
        assert.equal(await count(s, 'c.rdv.hub'), 101);
      });
    });
  });

  it('clones a schema and a table into an existing database, each isolated from its source', async () => {
    await withWarehouse(async ({ warehouse }) => {
      await withSession(warehouse, 'prod', async (s) => {
        await seed(s);
        await s.run('create database dev; create table dev.main.own (x int); insert into dev.main.own values (1)');
        await s.run('create schema dev.rdv_copy clone prod.rdv');
        await s.run('create table dev.main.hub_copy clone prod.rdv.hub');
        assert.deepEqual(
          warehouse.tables('dev').map((t) => `${t.schema}.${t.name}:${t.rows}`),
          ['main.hub_copy:100', 'main.own:1', 'rdv_copy.hub:100', 'rdv_copy.sat:50'],
        );

        await s.run(`delete from dev.rdv_copy.hub where id >= 50; update dev.main.hub_copy set name = 'x'`);
        await s.run('insert into prod.rdv.sat values (999, 1)');
        assert.equal(await count(s, 'prod.rdv.hub'), 100);
        assert.equal(await count(s, `prod.rdv.hub where name = 'x'`), 0);
        assert.equal(await count(s, 'dev.rdv_copy.sat'), 50);
        assert.equal(await count(s, 'dev.rdv_copy.hub'), 50);
        assert.equal(await count(s, `dev.main.hub_copy where name = 'x'`), 100);
        assert.equal(await count(s, 'dev.main.own'), 1);
      });
    });
  });

  it('clones only the chosen schemas with clone --schema', async () => {
    await withWarehouse(async ({ warehouse }) => {
      await withSession(warehouse, 'prod', async (s) => {
        await seed(s);
        const info = warehouse.cloneDatabase('sub', 'prod', { schemas: ['rdv'] });
        assert.equal(info.isClone, true);
        assert.deepEqual(
          warehouse.tables('sub').map((t) => `${t.schema}.${t.name}`),
          ['rdv.hub', 'rdv.sat'],
        );
        await rejectsWithCode(s.run('select * from sub.bdv.agg'), 'TABLE_NOT_FOUND');
        assert.equal(await count(s, 'sub.rdv.hub'), 100);
        await s.run('delete from sub.rdv.hub');
        assert.equal(await count(s, 'sub.rdv.hub'), 0);
        assert.equal(await count(s, 'prod.rdv.hub'), 100);

        const before = catalogState(warehouse);
        await rejectsWithCode(async () => warehouse.cloneDatabase('sub2', 'prod', { schemas: ['nope'] }), 'SCHEMA_NOT_FOUND');
        assert.deepEqual(catalogState(warehouse), before);
      });
    });
  });

  it('keeps the clone unchanged and its bytes shared when the source is compacted', async () => {
    await withWarehouse(
      async ({ warehouse }) => {
        await withSession(warehouse, 'prod', async (s) => {
          await s.run('create table t (id int, v varchar)');
          for (let i = 0; i < 5; i++) await s.run(`insert into t select ${i * 100} + i, 'v' from range(100) r(i)`);
          warehouse.cloneDatabase('c', 'prod');
          for (let i = 5; i < 8; i++) await s.run(`insert into t select ${i * 100} + i, 'v' from range(100) r(i)`);
          await s.run(`delete from t where id % 10 = 0; update t set v = 'u' where id % 7 = 0`);
          const sums = 'select count(*) as n, sum(id) as s, count(*) filter (where v = \'u\') as u from';
          const prodBefore = await rows(s, `${sums} prod.main.t`);
          const cloneBefore = await rows(s, `${sums} c.main.t`);
          const shared = warehouse.metrics('c').databases[0]?.sharedBytes;
          const cloneCommit = warehouse.database('c').commitId;
          const prodFiles = warehouse.tables('prod')[0]?.files ?? 0;

          const report = await warehouse.compact();
          assert.ok(report.tablesCompacted >= 1);
          assert.ok((warehouse.tables('prod')[0]?.files ?? 0) < prodFiles);
          assert.deepEqual(await rows(s, `${sums} prod.main.t`), prodBefore);
          assert.deepEqual(await rows(s, `${sums} c.main.t`), cloneBefore);
          // The clone holds only files the source shared with it: nothing to rewrite, nothing copied.
          assert.equal(warehouse.database('c').commitId, cloneCommit);
          assert.equal(warehouse.metrics('c').databases[0]?.sharedBytes, shared);
          assert.equal(warehouse.metrics('c').databases[0]?.exclusiveBytes, 0);
        });
      },
      { settings: { targetFileBytes: 4096, smallFileBytes: 64 * 1024 } },
    );
  });

  it('is O(1): a clone writes no file and no commit, and owns 0 exclusive bytes until it writes', async () => {
    await withWarehouse(async ({ home, warehouse }) => {
      await withSession(warehouse, 'prod', async (s) => {
        await seed(s);
        const files = objectFiles(home);
        const commits = warehouse.catalog.allIds().commits.length;
        const info = warehouse.cloneDatabase('c', 'prod');
        await s.run('create database c2 clone prod');
        assert.deepEqual(objectFiles(home), files);
        assert.equal(warehouse.catalog.allIds().commits.length, commits);
        assert.equal(info.commitId, warehouse.database('prod').commitId);

        const fresh = warehouse.metrics('c').databases[0];
        assert.ok(fresh);
        assert.equal(fresh.exclusiveBytes, 0);
        assert.equal(fresh.retainedForCloneBytes, 0);
        assert.ok(fresh.logicalBytes > 0);
        assert.equal(fresh.sharedBytes, fresh.logicalBytes);

        await s.run(`insert into c.rdv.hub values (1000, 'new')`);
        const written = warehouse.metrics('c').databases[0];
        assert.ok(written);
        assert.ok(written.exclusiveBytes > 0, `exclusive bytes after a write: ${written.exclusiveBytes}`);
        assert.equal(written.sharedBytes, fresh.sharedBytes);
        assert.equal(warehouse.metrics('prod').databases[0]?.logicalBytes, fresh.logicalBytes);
      });
    });
  });

  it('reports retained-for-clone bytes once the source drops a table the clone still holds', async () => {
    await withWarehouse(async ({ warehouse }) => {
      await withSession(warehouse, 'prod', async (s) => {
        await seed(s);
        warehouse.cloneDatabase('c', 'prod');
        const hubBytes = warehouse.tables('prod').find((t) => t.name === 'hub')?.bytes ?? 0;
        assert.ok(hubBytes > 0);
        assert.equal(warehouse.metrics('c').databases[0]?.retainedForCloneBytes, 0);

        await s.run('drop table prod.rdv.hub');
        const c = warehouse.metrics('c').databases[0];
        assert.ok(c);
        assert.equal(c.retainedForCloneBytes, hubBytes);
        const hub = c.tables.find((t) => t.name === 'hub');
        assert.equal(hub?.retainedForCloneBytes, hubBytes);
        assert.equal(hub?.sharedBytes, 0);
        assert.equal(c.tables.find((t) => t.name === 'sat')?.retainedForCloneBytes, 0);
        // Production no longer accounts for the dropped table's bytes.
        assert.ok(!warehouse.metrics('prod').databases[0]?.tables.some((t) => t.name === 'hub'));
      });
    });
  });
});
