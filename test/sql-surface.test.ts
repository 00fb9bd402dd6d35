import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Session } from '../src/index.js';
import { catalogState, column, count, newFiles, objectFiles, rejectsWithCode, rows, scalar, withSession, withWarehouse } from './helpers/warehouse.js';

/** Customers 0..9 in three segments, and one order per (customer, day) for 5 days: 50 orders. */
async function shop(s: Session): Promise<void> {
  await s.run(`
    create schema rdv;
    create table rdv.customer (id int, name varchar, segment varchar);
    insert into rdv.customer select i, 'c' || i, case when i < 3 then 'gold' when i < 6 then 'silver' else 'bronze' end from range(10) t(i);
    create table rdv.orders (id int, customer_id int, day int, amount decimal(10, 2));
    insert into rdv.orders select i, i % 10, i // 10, (i * 7 % 13) + 0.5 from range(50) t(i);
  `);
}

describe('SQL surface', () => {
  it('runs joins, aggregates, window functions and CTEs', async () => {
    await withWarehouse(async ({ warehouse }) => {
      await withSession(warehouse, 'prod', async (s) => {
        await shop(s);
        const bySegment = await rows(
          s,
          `select c.segment, count(*) as orders, count(distinct c.id) as customers
           from rdv.orders o join rdv.customer c on o.customer_id = c.id group by c.segment order by c.segment`,
        );
        assert.deepEqual(bySegment, [
          { segment: 'bronze', orders: 20, customers: 4 },
          { segment: 'gold', orders: 15, customers: 3 },
          { segment: 'silver', orders: 15, customers: 3 },
        ]);
        const ranked = await rows(
          s,
          `select customer_id, day, row_number() over (partition by customer_id order by day desc) as rn,
                  sum(amount) over (partition by customer_id order by day rows between unbounded preceding and current row) as running
           from rdv.orders where customer_id = 1 order by day`,
        );
        assert.deepEqual(
          ranked.map((r) => r.rn),
          [5, 4, 3, 2, 1],
        );
        const amounts = await column(s, 'select amount from rdv.orders where customer_id = 1 order by day');
        assert.equal(Number(ranked[4]?.running), amounts.reduce<number>((a, b) => a + Number(b), 0));
        const cte = await scalar(
          s,
          `with per_customer as (select customer_id, sum(amount) as total from rdv.orders group by customer_id),
                best as (select max(total) as m from per_customer)
           select count(*) from per_customer, best where total = best.m`,
        );
        assert.ok(Number(cte) >= 1);
        assert.deepEqual(await column(s, 'select id from rdv.customer where id < 3 union all select id from rdv.customer where id > 8 order by 1'), [0, 1, 2, 9]);
      });
    });
  });

  it('joins tables of two databases with 3-part names', async () => {
    await withWarehouse(async ({ warehouse }) => {
      await withSession(warehouse, 'prod', async (s) => {
        await shop(s);
        await s.run(`create database dev clone prod; update dev.rdv.customer set segment = 'platinum' where id = 0`);
        const diff = await rows(
          s,
          `select p.id, p.segment as before, d.segment as after
           from prod.rdv.customer p join dev.rdv.customer d on p.id = d.id where p.segment <> d.segment`,
        );
        assert.deepEqual(diff, [{ id: 0, before: 'gold', after: 'platinum' }]);
        // Unqualified names resolve in the current database; USE changes it.
        await s.run('use dev');
        assert.equal(await count(s, `rdv.customer where segment = 'platinum'`), 1);
        await s.run('use prod.rdv');
        assert.equal(await count(s, `customer where segment = 'platinum'`), 0);
      });
    });
  });

  it('resolves schema.table to the current database even when a database has the same name as the schema', async () => {
    await withWarehouse(async ({ warehouse }) => {
      await withSession(warehouse, 'prod', async (s) => {
        await s.run(`create schema rdv; create table rdv.t as select 'prod.rdv.t' as src`);
        await s.run(`create database rdv; create table rdv.main.t as select 'rdv.main.t' as src`);
        assert.equal(await scalar(s, 'select src from rdv.t'), 'prod.rdv.t');
        assert.equal(await scalar(s, 'select src from rdv.main.t'), 'rdv.main.t');
        // The same statement, once the session has read the database rdv, must still mean prod.rdv.t.
        assert.equal(await scalar(s, 'select src from rdv.t'), 'prod.rdv.t');
        assert.deepEqual(await rows(s, 'select a.src as a, b.src as b from rdv.t a, rdv.main.t b'), [{ a: 'prod.rdv.t', b: 'rdv.main.t' }]);
      });
    });
  });

  it('creates views and views over views, and reads them after the base table changes', async () => {
    await withWarehouse(async ({ warehouse }) => {
      await withSession(warehouse, 'prod', async (s) => {
        await shop(s);
        await s.run(`
          create schema pl;
          create view pl.customer_totals as select customer_id, sum(amount) as total, count(*) as n from rdv.orders group by customer_id;
          create view pl.top_customers as select t.customer_id, c.name from pl.customer_totals t join rdv.customer c on c.id = t.customer_id where t.n >= 5;
        `);
        assert.equal(await count(s, 'pl.top_customers'), 10);
        await s.run('delete from rdv.orders where customer_id = 3 and day = 0');
        assert.equal(await count(s, 'pl.top_customers'), 9);
        // A clone carries the views, and they read the clone's tables.
        await s.run('create database c clone prod; delete from c.rdv.orders where customer_id < 5');
        assert.equal(await count(s, 'c.pl.top_customers'), 5);
        assert.equal(await count(s, 'prod.pl.top_customers'), 9);
        await s.run('drop view pl.top_customers');
        await rejectsWithCode(s.run('select * from pl.top_customers'), 'TABLE_NOT_FOUND');
        assert.equal(await count(s, 'pl.customer_totals'), 10);
      });
    });
  });

  it('inserts with a column list and from a query', async () => {
    await withWarehouse(async ({ warehouse }) => {
      await withSession(warehouse, 'prod', async (s) => {
        await shop(s);
        await s.run(`insert into rdv.customer (segment, id) values ('new', 100), ('new', 101)`);
        assert.deepEqual(await rows(s, `select id, name, segment from rdv.customer where segment = 'new' order by id`), [
          { id: 100, name: null, segment: 'new' },
          { id: 101, name: null, segment: 'new' },
        ]);
        await s.run(`create table rdv.gold as select * from rdv.customer where false`);
        const [r] = await s.run(`insert into rdv.gold select * from rdv.customer where segment = 'gold'`);
        assert.equal(r?.kind === 'done' ? r.rowsAffected : undefined, 3);
        assert.deepEqual(await column(s, 'select id from rdv.gold order by id'), [0, 1, 2]);
        await s.run(`insert into rdv.gold (id, name) select id + 1000, upper(name) from rdv.customer where id = 9`);
        assert.deepEqual(await rows(s, 'select * from rdv.gold where id = 1009'), [{ id: 1009, name: 'C9', segment: null }]);
      });
    });
  });

  it('updates with UPDATE … FROM and deletes with DELETE … USING', async () => {
    await withWarehouse(async ({ warehouse }) => {
      await withSession(warehouse, 'prod', async (s) => {
        await shop(s);
        const [u] = await s.run(`update rdv.orders set amount = 0 from rdv.customer c where orders.customer_id = c.id and c.segment = 'gold'`);
        assert.equal(u?.kind === 'done' ? u.rowsAffected : undefined, 15);
        assert.equal(await count(s, 'rdv.orders where amount = 0'), 15);
        const [d] = await s.run(`delete from rdv.orders o using rdv.customer c where o.customer_id = c.id and c.segment = 'silver'`);
        assert.equal(d?.kind === 'done' ? d.rowsAffected : undefined, 15);
        assert.equal(await count(s, 'rdv.orders'), 35);
        assert.equal(await count(s, `rdv.orders o join rdv.customer c on o.customer_id = c.id where c.segment = 'silver'`), 0);
        // Updating a row twice in a row and deleting it afterwards leaves exactly what is expected.
        await s.run(`update rdv.orders set day = 99 where id = 9; update rdv.orders set day = day + 1 where id = 9`);
        assert.equal(await scalar(s, 'select day from rdv.orders where id = 9'), 100);
        await s.run('delete from rdv.orders where id = 9');
        assert.equal(await count(s, 'rdv.orders'), 34);
      });
    });
  });

  it('accepts the target of UPDATE … FROM and DELETE … USING named by its qualified name, as DuckDB does', async () => {
    await withWarehouse(async ({ warehouse }) => {
      await withSession(warehouse, 'prod', async (s) => {
        await shop(s);
        const [u] = await s.run(`update rdv.orders set amount = 0 from rdv.customer c where rdv.orders.customer_id = c.id and c.segment = 'gold'`);
        assert.equal(u?.kind === 'done' ? u.rowsAffected : undefined, 15);
        const [d] = await s.run(`delete from rdv.orders using rdv.customer c where rdv.orders.customer_id = c.id and c.segment = 'silver'`);
        assert.equal(d?.kind === 'done' ? d.rowsAffected : undefined, 15);
        assert.equal(await count(s, 'rdv.orders'), 35);
      });
    });
  });

  it('makes BEGIN … COMMIT atomic, ROLLBACK discard, and an error inside a transaction roll it back', async () => {
    await withWarehouse(async ({ warehouse }) => {
      await withSession(warehouse, 'prod', async (s) => {
        await shop(s);
        const commit0 = warehouse.database('prod').commitId;
        await s.run(`begin; insert into rdv.customer values (200, 'x', 'gold'); delete from rdv.orders where day = 0; commit`);
        assert.equal(await count(s, 'rdv.customer where id = 200'), 1);
        assert.equal(await count(s, 'rdv.orders'), 40);
        const commit1 = warehouse.database('prod').commitId;
        assert.notEqual(commit1, commit0);
        assert.equal(warehouse.catalog.getCommit(commit1).parent, commit0, 'one transaction makes one commit');

        await s.run(`begin; insert into rdv.customer values (201, 'y', 'gold'); delete from rdv.orders; rollback`);
        assert.equal(await count(s, 'rdv.customer where id = 201'), 0);
        assert.equal(await count(s, 'rdv.orders'), 40);
        assert.equal(warehouse.database('prod').commitId, commit1);

        // Inside the transaction its own writes are visible; to other sessions nothing is until COMMIT.
        await withSession(warehouse, 'prod', async (other) => {
          await s.run(`begin; insert into rdv.customer values (202, 'z', 'gold')`);
          assert.equal(await count(s, 'rdv.customer where id = 202'), 1);
          assert.equal(await count(other, 'rdv.customer where id = 202'), 0);
          await rejectsWithCode(s.run(`insert into rdv.orders values ('not a number', 1, 1, 1)`), 'SQL_EXECUTION', /rolled back/);
          assert.equal(s.inTransaction, false);
        });
        assert.equal(await count(s, 'rdv.customer where id = 202'), 0);
        assert.equal(warehouse.database('prod').commitId, commit1);
        await rejectsWithCode(s.run('commit'), 'TXN_NOT_OPEN');
      });
    });
  });

  it('keeps every statement atomic: a failing INSERT leaves the table unchanged', async () => {
    await withWarehouse(async ({ home, warehouse }) => {
      await withSession(warehouse, 'prod', async (s) => {
        await shop(s);
        const before = catalogState(warehouse);
        const files = objectFiles(home);
        // The cast fails on the last of 1000 rows: none may land.
        await rejectsWithCode(
          s.run(`insert into rdv.customer select case when i = 999 then 'oops' else i::varchar end, 'n', 'x' from range(1000) t(i)`),
          'SQL_EXECUTION',
        );
        await rejectsWithCode(s.run(`insert into rdv.customer values (1, 'a', 'b'), ('x', 'a', 'b')`), 'SQL_EXECUTION');
        await rejectsWithCode(s.run(`update rdv.orders set customer_id = 'abc' where id < 10`), 'SQL_EXECUTION');
        assert.deepEqual(catalogState(warehouse), before);
        assert.equal(await count(s, 'rdv.customer'), 10);
        assert.equal(await count(s, 'rdv.orders'), 50);
        // Nothing was left in the object store either.
        assert.deepEqual([...newFiles(files, objectFiles(home)).keys()], []);
      });
    });
  });

  it('writes kilobytes, not a file, for a one-row UPDATE on a 200k-row table', async () => {
    await withWarehouse(
      async ({ home, warehouse }) => {
        await withSession(warehouse, 'prod', async (s) => {
          await s.run(`create table big as select i as id, md5(i::varchar) as h, i * 2 as v from range(200000) t(i)`);
          assert.equal(warehouse.tables('prod')[0]?.files, 1);
          const before = objectFiles(home);
          const [r] = await s.run('update big set v = -1 where id = 123456');
          assert.equal(r?.kind === 'done' ? r.rowsAffected : undefined, 1);
          const written = newFiles(before, objectFiles(home));
          const bytes = [...written.values()].reduce((a, b) => a + b, 0);
          assert.ok(written.size > 0 && bytes < 64 * 1024, `one-row update wrote ${written.size} file(s), ${bytes} bytes`);
          assert.equal(await count(s, 'big'), 200000);
          assert.deepEqual(await rows(s, 'select id, v from big where v < 0'), [{ id: 123456, v: -1 }]);
          const [d] = await s.run('delete from big where id = 7');
          assert.equal(d?.kind === 'done' ? d.rowsAffected : undefined, 1);
          assert.equal(await count(s, 'big'), 199999);
        });
      },
      // One file for the whole table.
      { settings: { targetFileBytes: 64 * 1024 * 1024 } },
    );
  });

  it('alters tables: add, drop and rename columns, rename the table', async () => {
    await withWarehouse(async ({ warehouse }) => {
      await withSession(warehouse, 'prod', async (s) => {
        await shop(s);
        await s.run(`
          alter table rdv.customer add column score int;
          update rdv.customer set score = id * 10 where id < 2;
          alter table rdv.customer rename column name to label;
          alter table rdv.customer drop column segment;
          alter table rdv.customer rename to client;
        `);
        assert.deepEqual(await rows(s, 'select * from rdv.client where id < 3 order by id'), [
          { id: 0, label: 'c0', score: 0 },
          { id: 1, label: 'c1', score: 10 },
          { id: 2, label: 'c2', score: null },
        ]);
        await rejectsWithCode(s.run('select * from rdv.customer'), 'TABLE_NOT_FOUND');
        // A dropped then re-added column of the same name does not resurrect old values.
        await s.run('alter table rdv.client add column segment varchar');
        assert.equal(await count(s, 'rdv.client where segment is not null'), 0);
      });
    });
  });
});
