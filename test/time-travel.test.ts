import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FakeClock, Session } from '../src/index.js';
import { catalogState, column, count, iso, rejectsWithCode, scalar, withSession, withWarehouse } from './helpers/warehouse.js';

const MINUTE = 60_000;
const WINDOW = 60 * MINUTE;

/**
 * A history one minute apart: t1 = 3 rows, t2 = 5 rows, t3 = 4 rows with id 1
 * renamed; returns the three moments.
 */
async function history(s: Session, clock: FakeClock): Promise<{ t1: number; t2: number; t3: number }> {
  clock.advance(MINUTE);
  await s.run(`create schema rdv; create table rdv.t (id int, v varchar); insert into rdv.t values (1, 'a'), (2, 'b'), (3, 'c')`);
  const t1 = clock.now();
  clock.advance(MINUTE);
  await s.run(`insert into rdv.t values (4, 'd'), (5, 'e')`);
  const t2 = clock.now();
  clock.advance(MINUTE);
  await s.run(`delete from rdv.t where id = 2; update rdv.t set v = 'A' where id = 1`);
  const t3 = clock.now();
  clock.advance(MINUTE);
  await s.run(`insert into rdv.t values (6, 'f')`);
  clock.advance(MINUTE);
  return { t1, t2, t3 };
}

describe('time travel', () => {
  it('reads the old state with SELECT … AT (TIMESTAMP => …)', async () => {
    await withWarehouse(
      async ({ warehouse, clock }) => {
        await withSession(warehouse, 'prod', async (s) => {
          const { t1, t2, t3 } = await history(s, clock);
          assert.equal(await count(s, 'rdv.t'), 5);
          assert.deepEqual(await column(s, `select id from rdv.t at (timestamp => ${iso(t1)}) order by id`), [1, 2, 3]);
          assert.deepEqual(await column(s, `select id from rdv.t at (timestamp => ${iso(t2)}) order by id`), [1, 2, 3, 4, 5]);
          assert.equal(await scalar(s, `select v from prod.rdv.t at (timestamp => ${iso(t2)}) where id = 1`), 'a');
          assert.equal(await scalar(s, `select v from prod.rdv.t at (timestamp => ${iso(t3)}) as old where old.id = 1`), 'A');
          // The same table at two moments in one query.
          assert.equal(
            await scalar(s, `select count(*) from rdv.t at (timestamp => ${iso(t2)}) a join rdv.t at (timestamp => ${iso(t1)}) b on a.id = b.id`),
            3,
          );
          // Reading the past changes nothing.
          assert.equal(await count(s, 'rdv.t'), 5);
        });
      },
      { settings: { timeTravelMs: WINDOW } },
    );
  });

  it('restores the past with INSERT … SELECT … AT and CREATE TABLE … AS SELECT … AT', async () => {
    await withWarehouse(
      async ({ warehouse, clock }) => {
        await withSession(warehouse, 'prod', async (s) => {
          const { t2 } = await history(s, clock);
          // Put back the row deleted after t2, as it was then.
          await s.run(`insert into rdv.t select * from rdv.t at (timestamp => ${iso(t2)}) as old where old.id = 2`);
          assert.deepEqual(await column(s, 'select id from rdv.t order by id'), [1, 2, 3, 4, 5, 6]);
          await s.run(`create table rdv.snapshot_t2 as select * from rdv.t at (timestamp => ${iso(t2)})`);
          assert.equal(await count(s, 'rdv.snapshot_t2'), 5);
          assert.equal(await scalar(s, 'select v from rdv.snapshot_t2 where id = 1'), 'a');
        });
      },
      { settings: { timeTravelMs: WINDOW } },
    );
  });

  it('clones a database as it was with CREATE DATABASE … CLONE … AT', async () => {
    await withWarehouse(
      async ({ warehouse, clock }) => {
        await withSession(warehouse, 'prod', async (s) => {
          const { t1, t2 } = await history(s, clock);
          await s.run(`create database old1 clone prod at (timestamp => ${iso(t1)})`);
          warehouse.cloneDatabase('old2', 'prod', { at: t2 });
          assert.deepEqual(await column(s, 'select id from old1.rdv.t order by id'), [1, 2, 3]);
          assert.deepEqual(await column(s, 'select id from old2.rdv.t order by id'), [1, 2, 3, 4, 5]);
          assert.equal(warehouse.database('old1').source?.at, t1);

          // The past clone is a full database: writable, and isolated from production.
          await s.run(`insert into old1.rdv.t values (100, 'x')`);
          assert.equal(await count(s, 'old1.rdv.t'), 4);
          assert.equal(await count(s, 'prod.rdv.t'), 5);
        });
      },
      { settings: { timeTravelMs: WINDOW } },
    );
  });

  it('clones a table as it was with CREATE TABLE … CLONE … AT', async () => {
    await withWarehouse(
      async ({ warehouse, clock }) => {
        await withSession(warehouse, 'prod', async (s) => {
          const { t1, t3 } = await history(s, clock);
          await s.run(`create table rdv.t_at1 clone rdv.t at (timestamp => ${iso(t1)})`);
          await s.run(`create database dev; create table dev.main.t_at3 clone prod.rdv.t at (timestamp => ${iso(t3)})`);
          assert.deepEqual(await column(s, 'select id from rdv.t_at1 order by id'), [1, 2, 3]);
          assert.deepEqual(await column(s, 'select id from dev.main.t_at3 order by id'), [1, 3, 4, 5]);
          assert.equal(await scalar(s, 'select v from dev.main.t_at3 where id = 1'), 'A');
          assert.equal(await count(s, 'rdv.t'), 5);
        });
      },
      { settings: { timeTravelMs: WINDOW } },
    );
  });

  it('refuses a moment outside the time-travel window with TIME_TRAVEL_OUT_OF_RANGE', async () => {
    await withWarehouse(
      async ({ warehouse, clock }) => {
        await withSession(warehouse, 'prod', async (s) => {
          const { t1 } = await history(s, clock);
          clock.advance(WINDOW + MINUTE);
          const before = catalogState(warehouse);
          await rejectsWithCode(s.run(`select * from rdv.t at (timestamp => ${iso(t1)})`), 'TIME_TRAVEL_OUT_OF_RANGE', /outside the time-travel window/);
          await rejectsWithCode(s.run(`create database old clone prod at (timestamp => ${iso(t1)})`), 'TIME_TRAVEL_OUT_OF_RANGE');
          await rejectsWithCode(s.run(`create table rdv.old clone rdv.t at (timestamp => ${iso(t1)})`), 'TIME_TRAVEL_OUT_OF_RANGE');
          await rejectsWithCode(async () => warehouse.cloneDatabase('old', 'prod', { at: t1 }), 'TIME_TRAVEL_OUT_OF_RANGE');
          assert.deepEqual(catalogState(warehouse), before);
          // Inside the window still works.
          assert.equal(await count(s, `rdv.t at (timestamp => ${iso(clock.now() - MINUTE)})`), 5);
        });
      },
      { settings: { timeTravelMs: WINDOW } },
    );
  });

  it('refuses a moment in the future', async () => {
    await withWarehouse(async ({ warehouse, clock }) => {
      await withSession(warehouse, 'prod', async (s) => {
        await history(s, clock);
        await rejectsWithCode(s.run(`select * from rdv.t at (timestamp => ${iso(clock.now() + 10 * MINUTE)})`), 'TIME_TRAVEL_FUTURE');
      });
    });
  });

  it('says clearly that a database or a table did not exist yet at that moment', async () => {
    await withWarehouse(
      async ({ warehouse, clock }) => {
        const born = clock.now();
        await withSession(warehouse, 'prod', async (s) => {
          const { t1 } = await history(s, clock);
          await s.run('create database late clone prod');
          const before = catalogState(warehouse);
          // The database `late` did not exist at t1.
          await rejectsWithCode(s.run(`create database x clone late at (timestamp => ${iso(t1)})`), 'DB_NOT_FOUND', /did not exist at/);
          await rejectsWithCode(s.run(`select * from late.rdv.t at (timestamp => ${iso(t1)})`), 'DB_NOT_FOUND', /did not exist at/);
          // Production existed before rdv.t was created, but the table did not.
          await rejectsWithCode(s.run(`select * from rdv.t at (timestamp => ${iso(born)})`), 'TABLE_NOT_FOUND', /did not exist at/);
          await rejectsWithCode(s.run(`create table rdv.x clone rdv.t at (timestamp => ${iso(born)})`), 'TABLE_NOT_FOUND');
          // Before production itself existed.
          await rejectsWithCode(s.run(`create database x clone prod at (timestamp => ${iso(born - MINUTE)})`), 'DB_NOT_FOUND', /did not exist at/);
          assert.deepEqual(catalogState(warehouse), before);
        });
      },
      { settings: { timeTravelMs: WINDOW } },
    );
  });

  it('time-travels through a dropped and re-created database name', async () => {
    await withWarehouse(
      async ({ warehouse, clock }) => {
        await withSession(warehouse, 'prod', async (s) => {
          await history(s, clock);
          await s.run(`create database d; create table d.main.x as select 1 as v`);
          const first = clock.now();
          clock.advance(MINUTE);
          await s.run('drop database d');
          const gone = clock.now();
          clock.advance(MINUTE);
          await s.run(`create database d; create table d.main.x as select 2 as v`);
          clock.advance(MINUTE);
          assert.equal(await scalar(s, 'select v from d.main.x'), 2);
          warehouse.cloneDatabase('d_first', 'd', { at: first });
          assert.equal(await scalar(s, 'select v from d_first.main.x'), 1);
          await rejectsWithCode(async () => warehouse.cloneDatabase('d_gone', 'd', { at: gone }), 'DB_NOT_FOUND');
        });
      },
      { settings: { timeTravelMs: WINDOW } },
    );
  });
});
