import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Session } from '../src/index.js';
import { catalogState, column, count, objectFiles, rejectsWithCode, scalar, withSession, withWarehouse } from './helpers/warehouse.js';

/** prod: rdv.t ids 1..3 and table prod_only; a clone `next` where rdv.t has ids 1..3 plus 10, 11 and a table next_only. */
async function twoVersions(s: Session): Promise<void> {
  await s.run(`
    create schema rdv;
    create table rdv.t (id int, v varchar);
    insert into rdv.t values (1, 'a'), (2, 'b'), (3, 'c');
    create table main.prod_only as select 1 as x;
    create database next clone prod;
    insert into next.rdv.t values (10, 'j'), (11, 'k');
    drop table next.main.prod_only;
    create table next.main.next_only as select 2 as y;
  `);
}

describe('database swap', () => {
  it('exchanges the contents of two databases, and swapping back restores them', async () => {
    await withWarehouse(async ({ warehouse }) => {
      await withSession(warehouse, 'prod', async (s) => {
        await twoVersions(s);
        const prodCommit = warehouse.database('prod').commitId;
        const nextCommit = warehouse.database('next').commitId;

        await s.run('alter database prod swap with next');
        assert.equal(warehouse.database('prod').commitId, nextCommit);
        assert.equal(warehouse.database('next').commitId, prodCommit);
        assert.deepEqual(await column(s, 'select id from prod.rdv.t order by id'), [1, 2, 3, 10, 11]);
        assert.deepEqual(await column(s, 'select id from next.rdv.t order by id'), [1, 2, 3]);
        assert.equal(await scalar(s, 'select y from prod.main.next_only'), 2);
        await rejectsWithCode(s.run('select * from prod.main.prod_only'), 'TABLE_NOT_FOUND');
        assert.equal(await scalar(s, 'select x from next.main.prod_only'), 1);
        // The session's current database is production: unqualified names now read the swapped-in content.
        assert.equal(await count(s, 'rdv.t'), 5);

        await s.run('alter database next swap with prod');
        assert.equal(warehouse.database('prod').commitId, prodCommit);
        assert.equal(warehouse.database('next').commitId, nextCommit);
        assert.deepEqual(await column(s, 'select id from prod.rdv.t order by id'), [1, 2, 3]);
        assert.deepEqual(await column(s, 'select id from next.rdv.t order by id'), [1, 2, 3, 10, 11]);
      });
    });
  });

  it('swaps through the facade without copying a file, and later writes go to the swapped-in content', async () => {
    await withWarehouse(async ({ home, warehouse }) => {
      await withSession(warehouse, 'prod', async (s) => {
        await twoVersions(s);
        const files = objectFiles(home);
        warehouse.swapDatabases('prod', 'next');
        assert.deepEqual(objectFiles(home), files);
        await s.run(`insert into prod.rdv.t values (12, 'l')`);
        assert.deepEqual(await column(s, 'select id from prod.rdv.t order by id'), [1, 2, 3, 10, 11, 12]);
        assert.deepEqual(await column(s, 'select id from next.rdv.t order by id'), [1, 2, 3]);
      });
    });
  });

  it('refuses a swap with an unknown database (either side) and changes nothing', async () => {
    await withWarehouse(async ({ warehouse }) => {
      await withSession(warehouse, 'prod', async (s) => {
        await twoVersions(s);
        const before = catalogState(warehouse);
        await rejectsWithCode(s.run('alter database prod swap with nope'), 'DB_NOT_FOUND', /nope/);
        await rejectsWithCode(s.run('alter database nope swap with next'), 'DB_NOT_FOUND', /nope/);
        await rejectsWithCode(async () => warehouse.swapDatabases('next', 'nope'), 'DB_NOT_FOUND');
        await rejectsWithCode(async () => warehouse.swapDatabases('prod', 'prod'), 'SWAP_SAME');
        assert.deepEqual(catalogState(warehouse), before);
        assert.deepEqual(await column(s, 'select id from prod.rdv.t order by id'), [1, 2, 3]);
        assert.deepEqual(await column(s, 'select id from next.rdv.t order by id'), [1, 2, 3, 10, 11]);
      });
    });
  });

  it('refuses a swap inside a transaction and leaves both databases as they were', async () => {
    await withWarehouse(async ({ warehouse }) => {
      await withSession(warehouse, 'prod', async (s) => {
        await twoVersions(s);
        const before = catalogState(warehouse);
        await rejectsWithCode(s.run(`begin; insert into rdv.t values (99, 'z'); alter database prod swap with next; commit`), 'TXN_UNSUPPORTED');
        assert.equal(s.inTransaction, false);
        assert.deepEqual(catalogState(warehouse), before);
        assert.equal(await count(s, 'prod.rdv.t where id = 99'), 0);
      });
    });
  });

  it('is atomic for a reader: one statement reading both databases sees one side or the other, never a mix', async () => {
    await withWarehouse(async ({ warehouse }) => {
      await withSession(warehouse, 'prod', async (writer) => {
        await twoVersions(writer);
        await withSession(warehouse, 'prod', async (reader) => {
          // Another session of this process swaps back and forth while the reader's statements run.
          let swapping = true;
          let swaps = 0;
          const swapLoop = (): void => {
            if (!swapping) return;
            warehouse.swapDatabases('prod', 'next');
            swaps++;
            setImmediate(swapLoop);
          };
          setImmediate(swapLoop);
          const seen = new Map<string, number>();
          try {
            for (let i = 0; i < 40; i++) {
              const [r] = await reader.run('select (select count(*) from prod.rdv.t) as a, (select count(*) from next.rdv.t) as b');
              assert.ok(r?.kind === 'rows');
              const pair = `${String(r.rows[0]?.a)},${String(r.rows[0]?.b)}`;
              seen.set(pair, (seen.get(pair) ?? 0) + 1);
            }
          } finally {
            swapping = false;
          }
          assert.ok(swaps > 0);
          const mixed = [...seen.keys()].filter((p) => p !== '3,5' && p !== '5,3');
          assert.deepEqual(mixed, [], `statements saw a mix of both sides of a swap: ${JSON.stringify(Object.fromEntries(seen))} over ${swaps} swaps`);
        });
      });
    });
  });
});
