import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Warehouse } from '../src/index.js';
import { columnarInsert } from '../src/mock/columnar-insert.js';
import { seedTable, type SeedOptions } from '../src/mock/seed-table.js';
import { catalogState, column, count, rejectsWithCode, rows, scalar, withSession, withWarehouse } from './helpers/warehouse.js';

const AS_OF = Date.UTC(2026, 2, 1);
const DAY = 86_400_000;

/** The sample project's staging tables (examples/datavault), empty, in production. */
const STAGING = `create schema staging;
create table staging.customers_a (customer_id BIGINT, name VARCHAR, email VARCHAR, country VARCHAR, signup_date DATE, load_date DATE);
create table staging.orders_a (order_id BIGINT, customer_id BIGINT, order_date DATE, amount DECIMAL(12,2), status VARCHAR, load_date DATE);
create table staging.payments_b (payment_id BIGINT, order_id BIGINT, paid_at TIMESTAMP, amount DECIMAL(12,2), method VARCHAR, load_date DATE)`;

/** Production with the staging tables, and clones of it. */
async function withStaging(clones: readonly string[], fn: (warehouse: Warehouse) => Promise<void>): Promise<void> {
  await withWarehouse(async ({ warehouse }) => {
    await withSession(warehouse, 'prod', (s) => s.run(STAGING));
    for (const c of clones) warehouse.cloneDatabase(c, 'prod');
    await fn(warehouse);
  });
}

function seed(warehouse: Warehouse, options: Omit<SeedOptions, 'asOf'> & { asOf?: number }) {
  return seedTable(warehouse, { asOf: AS_OF, ...options });
}

describe('mayfly seed', () => {
  test('orders and payments reference customers and orders that exist; own keys are new and unique', async () => {
    await withStaging(['squad'], async (warehouse) => {
      const customers = await seed(warehouse, { db: 'squad', table: 'staging.customers_a', rows: 200, seed: 1 });
      const orders = await seed(warehouse, { db: 'squad', table: 'staging.orders_a', rows: 1500, seed: 2, batchRows: 400 });
      const payments = await seed(warehouse, { db: 'squad', table: 'staging.payments_b', rows: 700, seed: 3 });
      assert.equal(orders.batches, 4);
      assert.deepEqual(
        orders.columns.filter((c) => c.source).map((c) => [c.name, c.source]),
        [
          ['order_id', 'sequence from 1'],
          ['customer_id', 'staging.customers_a.customer_id'],
        ],
      );
      assert.equal(payments.columns.find((c) => c.name === 'order_id')?.source, 'staging.orders_a.order_id');
      assert.equal(customers.asOf, '2026-03-01');
      await withSession(warehouse, 'squad', async (s) => {
        assert.deepEqual(await rows(s, 'select count(*) as n, count(distinct customer_id) as keys, min(customer_id) as lo, max(customer_id) as hi from staging.customers_a'), [
          { n: 200, keys: 200, lo: 1, hi: 200 },
        ]);
        assert.equal(await count(s, 'staging.orders_a'), 1500);
        assert.equal(await scalar(s, 'select count(distinct order_id) from staging.orders_a'), 1500);
        const orphans = 'select count(*) from staging.orders_a o where not exists (select 1 from staging.customers_a c where c.customer_id = o.customer_id)';
        assert.equal(await scalar(s, orphans), 0);
        assert.equal(await scalar(s, 'select count(*) from staging.payments_b p anti join staging.orders_a o using (order_id)'), 0);
        // Orders spread over many customers, not one.
        assert.ok(Number(await scalar(s, 'select count(distinct customer_id) from staging.orders_a')) > 150);
      });
      // Production was not touched.
      await withSession(warehouse, 'prod', async (s) => assert.equal(await count(s, 'staging.orders_a'), 0));
    });
  });

  test('values have realistic shapes: emails, countries, dates around the as-of day, amounts, statuses', async () => {
    await withStaging(['squad'], async (warehouse) => {
      await seed(warehouse, { db: 'squad', table: 'staging.customers_a', rows: 300, seed: 5 });
      await seed(warehouse, { db: 'squad', table: 'staging.orders_a', rows: 500, seed: 6 });
      await withSession(warehouse, 'squad', async (s) => {
        for (const email of await column(s, 'select email from staging.customers_a')) assert.match(String(email), /^[^@\s]+@[^@\s]+\.[a-z]+$/);
        for (const name of await column(s, 'select name from staging.customers_a')) assert.match(String(name), /^\S+( \S+)+$/);
        assert.ok(Number(await scalar(s, 'select count(distinct country) from staging.customers_a')) > 50);
        const day = (d: string): number => (Date.parse(`${d}T00:00:00Z`) - AS_OF) / DAY;
        const [range] = await rows(
          s,
          `select min(signup_date)::varchar as s0, max(signup_date)::varchar as s1, min(load_date)::varchar as l0, max(load_date)::varchar as l1 from staging.customers_a`,
        );
        assert.ok(range && day(String(range.s0)) >= -3 * 365 && day(String(range.s1)) <= 0, JSON.stringify(range));
        assert.ok(range && day(String(range.l0)) >= -30 && day(String(range.l1)) <= 0, JSON.stringify(range));
        const [orders] = await rows(s, 'select min(order_date)::varchar as d0, max(order_date)::varchar as d1, min(amount) as a0, max(amount) as a1 from staging.orders_a');
        assert.ok(orders && day(String(orders.d0)) >= -365 && day(String(orders.d1)) <= 0, JSON.stringify(orders));
        assert.ok(orders && Number(orders.a0) >= 1 && Number(orders.a1) <= 5000, JSON.stringify(orders));
        const statuses = await column(s, 'select distinct status from staging.orders_a order by 1');
        assert.deepEqual(statuses, ['cancelled', 'completed', 'pending', 'returned', 'shipped']);
      });
    });
  });

  test('the same seed gives identical rows, whatever the batch size; another seed gives other rows', async () => {
    await withStaging(['a', 'b', 'c'], async (warehouse) => {
      for (const db of ['a', 'b', 'c']) await seed(warehouse, { db, table: 'staging.customers_a', rows: 100, seed: 11 });
      await seed(warehouse, { db: 'a', table: 'staging.orders_a', rows: 900, seed: 42 });
      await seed(warehouse, { db: 'b', table: 'staging.orders_a', rows: 900, seed: 42, batchRows: 128 });
      await seed(warehouse, { db: 'c', table: 'staging.orders_a', rows: 900, seed: 43 });
      await withSession(warehouse, 'prod', async (s) => {
        const all = (db: string): Promise<unknown> => rows(s, `select * from ${db}.staging.orders_a order by order_id`);
        const [a, b, c] = [await all('a'), await all('b'), await all('c')];
        assert.deepEqual(a, b);
        assert.notDeepEqual(a, c);
        assert.equal(await scalar(s, 'select count(*) from (select * from a.staging.customers_a except select * from c.staging.customers_a)'), 0);
      });
    });
  });

  test("a second seed continues the table's own key; a reference without a table to draw from counts from 1", async () => {
    await withStaging(['squad'], async (warehouse) => {
      await withSession(warehouse, 'squad', (s) => s.run('insert into staging.orders_a (order_id) values (1000), (7)'));
      const first = await seed(warehouse, { db: 'squad', table: 'staging.orders_a', rows: 50, seed: 1 });
      const second = await seed(warehouse, { db: 'squad', table: 'staging.orders_a', rows: 50, seed: 1 });
      assert.equal(first.columns.find((c) => c.name === 'order_id')?.source, 'sequence from 1001');
      assert.equal(second.columns.find((c) => c.name === 'order_id')?.source, 'sequence from 1051');
      assert.equal(first.columns.find((c) => c.name === 'customer_id')?.source, 'sequence from 1');
      await withSession(warehouse, 'squad', async (s) => {
        assert.deepEqual(await rows(s, 'select count(*) as n, count(distinct order_id) as keys, max(order_id) as hi from staging.orders_a'), [{ n: 102, keys: 102, hi: 1100 }]);
        assert.deepEqual(await column(s, 'select customer_id from staging.orders_a where order_id between 1001 and 1005 order by order_id'), [1, 2, 3, 4, 5]);
      });
    });
  });

  test('unsupported types are refused, or filled with NULL when asked', async () => {
    await withWarehouse(async ({ warehouse }) => {
      warehouse.createDatabase('squad');
      await withSession(warehouse, 'squad', (s) => s.run('create table events (id INTEGER, tags VARCHAR[], kind VARCHAR)'));
      const before = catalogState(warehouse);
      await rejectsWithCode(seed(warehouse, { db: 'squad', table: 'events', rows: 10, seed: 1 }), 'SEED_UNSUPPORTED_TYPE', /tags VARCHAR\[\].*--null-unsupported/);
      assert.deepEqual(catalogState(warehouse), before);
      const report = await seed(warehouse, { db: 'squad', table: 'events', rows: 10, seed: 1, nullUnsupported: true });
      assert.equal(report.columns.find((c) => c.name === 'tags')?.kind, 'unsupported');
      await withSession(warehouse, 'squad', async (s) => {
        assert.deepEqual(await rows(s, 'select count(*) as n, count(tags) as tags, count(kind) as kinds from events'), [{ n: 10, tags: 0, kinds: 10 }]);
      });
    });
  });

  test('bad input is refused with a stable code and changes nothing', async () => {
    await withStaging(['squad'], async (warehouse) => {
      await withSession(warehouse, 'squad', (s) => s.run('create view staging.v as select 1 as x; create table tiny (id TINYINT, note VARCHAR); insert into tiny values (100, \'x\')'));
      const before = catalogState(warehouse);
      const base = { db: 'squad', table: 'staging.customers_a', rows: 10, seed: 1 } as const;
      const cases: [Partial<SeedOptions>, string, RegExp][] = [
        [{ table: 'staging.nope' }, 'TABLE_NOT_FOUND', /squad\.staging\.nope does not exist \(tables: .*staging\.customers_a/],
        [{ table: 'staging.v' }, 'TABLE_NOT_FOUND', /it is a view/],
        [{ table: 'a.b.c' }, 'INVALID_NAME', /schema\.table/],
        [{ table: 'staging.bad-name' }, 'INVALID_NAME', /invalid table name/],
        [{ table: 'mayfly.pipes' }, 'SYSTEM_SCHEMA_READ_ONLY', /cannot be seeded/],
        [{ db: 'nowhere' }, 'DB_NOT_FOUND', /nowhere does not exist/],
        [{ db: 'prod' }, 'PROD_PROTECTED', /clone/],
        [{ rows: 0 }, 'INVALID_ROWS', /whole number from 1/],
        [{ rows: -3 }, 'INVALID_ROWS', /whole number/],
        [{ rows: 2.5 }, 'INVALID_ROWS', /whole number/],
        [{ seed: -1 }, 'INVALID_SEED', /0 to 4,294,967,295/],
        [{ seed: 1.5 }, 'INVALID_SEED', /whole number/],
        [{ seed: 2 ** 32 }, 'INVALID_SEED', /whole number/],
        [{ batchRows: 0 }, 'INVALID_BATCH', /whole number/],
        [{ table: 'tiny', rows: 28 }, 'SEED_KEY_OVERFLOW', /up to 128, more than its type TINYINT holds/],
      ];
      for (const [change, code, message] of cases) {
        await rejectsWithCode(seed(warehouse, { ...base, ...change }), code, message);
        assert.deepEqual(catalogState(warehouse), before, `${code} changed the warehouse`);
      }
      // The largest seed that fits is accepted.
      await seed(warehouse, { db: 'squad', table: 'tiny', rows: 27, seed: 1 });
      await withSession(warehouse, 'squad', async (s) => assert.equal(await scalar(s, 'select max(id) from tiny'), 127));
    });
  });

  test('production can be seeded when allowed', async () => {
    await withStaging([], async (warehouse) => {
      await seed(warehouse, { db: 'prod', table: 'staging.customers_a', rows: 5, seed: 1, allowProduction: true });
      await withSession(warehouse, 'prod', async (s) => assert.equal(await count(s, 'staging.customers_a'), 5));
    });
  });

  test('a seed stopped after some batches were inserted leaves the table unchanged', async () => {
    await withStaging(['squad'], async (warehouse) => {
      await seed(warehouse, { db: 'squad', table: 'staging.customers_a', rows: 20, seed: 1 });
      const before = catalogState(warehouse);
      const stop = new AbortController();
      const progress: number[] = [];
      const seeding = seed(warehouse, {
        db: 'squad',
        table: 'staging.customers_a',
        rows: 1000,
        seed: 2,
        batchRows: 100,
        signal: stop.signal,
        onProgress: (done) => {
          progress.push(done);
          if (done === 300) stop.abort();
        },
      });
      await rejectsWithCode(seeding, 'SEED_CANCELLED', /nothing was inserted/);
      assert.deepEqual(progress, [100, 200, 300]);
      assert.deepEqual(catalogState(warehouse), before);
      await withSession(warehouse, 'squad', async (s) => assert.equal(await count(s, 'staging.customers_a'), 20));
    });
  });

  test('a batch keeps values holding the separator and NULLs intact', async () => {
    await withWarehouse(async ({ warehouse }) => {
      await withSession(warehouse, 'prod', async (s) => {
        await s.run('create table t (a VARCHAR, b INTEGER, c VARCHAR)');
        await s.run(columnarInsert('"prod"."main"."t"', [['x\u001fy', "it's", null], ['1', '2', '3'], [null, null, null]], 3));
        assert.deepEqual(await rows(s, 'select a, b, c from t order by b'), [
          { a: 'x\u001fy', b: 1, c: null },
          { a: "it's", b: 2, c: null },
          { a: null, b: 3, c: null },
        ]);
        await s.run(columnarInsert('"prod"."main"."t"', [[null, null], [null, null], [null, null]], 2));
        assert.equal(await count(s, 't'), 5);
      });
    });
  });
});
