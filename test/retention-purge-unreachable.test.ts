import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { validateConfig, type ResolvedConfig, type Session } from '../src/index.js';
import { DAY_MS, isoDay } from '../src/retention/retention-policy.js';
import { applyRetention } from '../src/retention/retention-purge.js';
import { PURGE_BOUNDARY_KIND } from '../src/warehouse/purge-boundaries.js';
import { count, rejectsWithCode, scalar, withSession, withWarehouse } from './helpers/warehouse.js';

function withRetention(config: ResolvedConfig, retention: Record<string, { column: string; days: number }>): ResolvedConfig {
  return { ...config, project: validateConfig({ retention }) };
}

/** Inserts `days` rows, one per day from `from`, as one statement: one data file. */
async function insertDays(s: Session, table: string, from: string, days: number, firstId: number): Promise<void> {
  await s.run(`insert into ${table} select ${firstId} + range, 10, DATE '${from}' + range::INT from range(${days})`);
}

const at = (ms: number): string => `at (timestamp => '${new Date(ms).toISOString()}')`;

describe('after retention apply, purged rows are unreachable by any path', () => {
  it('refuses time travel and clones AT a time before the purge, reclaims files that held only purged rows at the next gc, and keeps what live clones reference', async () => {
    await withWarehouse(async ({ warehouse, mayfly, clock }) => {
      const today = clock.now();
      const old = isoDay(today - 200 * DAY_MS);
      const recent = isoDay(today - 5 * DAY_MS);
      await withSession(warehouse, 'prod', async (s) => {
        await s.run('create schema staging; create table staging.orders_a (order_id bigint, amount int, load_date date)');
        await s.run('create table staging.other (order_id bigint, amount int, load_date date); create schema rdv; create table rdv.hub (id bigint)');
        await insertDays(s, 'staging.orders_a', old, 10, 0); // all purged: leaves the table whole
        await insertDays(s, 'staging.orders_a', isoDay(today - 95 * DAY_MS), 10, 100); // straddles the cutoff (90 days)
        await insertDays(s, 'staging.orders_a', recent, 3, 200);
        await insertDays(s, 'staging.other', old, 4, 0);
        await s.run('insert into rdv.hub values (1), (2)');
      });
      // Renamed within production before the purge (and back): the other name's past reaches the same files.
      clock.advance(1000);
      const renamed = clock.now();
      await withSession(warehouse, 'prod', async (s) => s.run('alter table staging.orders_a rename to orders_x'));
      clock.advance(1000);
      await withSession(warehouse, 'prod', async (s) => s.run('alter table staging.orders_x rename to orders_a'));
      clock.advance(1000);
      const before = clock.now();
      // A clone taken before the purge (non-compliant after it), and one dropped before the gc.
      warehouse.cloneDatabase('squad_keep', 'prod');
      warehouse.cloneDatabase('squad_gone', 'prod');
      const droppedFile = warehouse.tree(warehouse.requireRef('prod').commitId).object('staging', 'orders_a');
      assert.ok(droppedFile?.kind === 'table');
      const oldKey = droppedFile.version.files[0]?.key ?? '';
      clock.advance(1000);

      const config = withRetention(mayfly.config, { 'staging.orders_a': { column: 'load_date', days: 90 } });
      const purge = await applyRetention(warehouse, config);
      assert.deepEqual(purge.tables.map((t) => [t.rows, t.filesDropped, t.deleteVectors]), [[15, 1, 1]]);
      const purgedAt = clock.now();
      clock.advance(1000);

      await withSession(warehouse, 'prod', async (s) => {
        // Every AT before the purge that covers the table is refused, naming the purge and the earliest time allowed.
        const refused = [
          `select count(*) from staging.orders_a ${at(before)}`,
          `select count(*) from prod.staging.orders_a ${at(purgedAt - 1)}`,
          `create table staging.copy clone staging.orders_a ${at(before)}`,
          `create schema staging_then clone staging ${at(before)}`,
          `create database then_db clone prod ${at(before)}`,
        ];
        for (const sql of refused) {
          const e = await rejectsWithCode(s.run(sql), 'RETENTION_PURGED', new RegExp(`purged on ${new Date(purgedAt).toISOString()}.*back to ${new Date(purgedAt).toISOString()}`));
          assert.doesNotMatch(e.message, /objects\/|\.parquet/);
        }
        await rejectsWithCode(s.run(`select count(*) from staging.orders_x ${at(renamed + 500)}`), 'RETENTION_PURGED');
        // What the purge did not touch travels as before: other tables, other schemas, and the table from the purge on.
        assert.equal(await scalar(s, `select count(*) from staging.other ${at(before)}`), 4);
        assert.equal(await scalar(s, `select count(*) from staging.orders_a ${at(purgedAt)}`), 8);
        await s.run(`create schema rdv_then clone rdv ${at(before)}`);
        assert.equal(await count(s, 'rdv_then.hub'), 2);
      });
      await rejectsWithCode(() => warehouse.cloneDatabase('late', 'prod', { at: before }), 'RETENTION_PURGED');
      await rejectsWithCode(() => warehouse.cloneDatabase('late', 'prod', { at: before, schemas: ['staging'] }), 'RETENTION_PURGED');
      assert.equal(warehouse.cloneDatabase('late_rdv', 'prod', { at: before, schemas: ['rdv'] }).tables, 1);

      // GC: the file that held only purged rows stays while a live clone references it, and goes with the last one.
      warehouse.dropDatabase('squad_gone');
      const kept = await warehouse.gc();
      assert.equal(kept.filesPurgedByRetention, 0);
      assert.ok(existsSync(warehouse.store.localPath(oldKey)), 'the live clone still references it');
      await withSession(warehouse, 'squad_keep', async (s) => assert.equal(await count(s, 'staging.orders_a'), 23, 'a live clone reads what it references'));
      // Time travel into the dropped clone reaches a file only the live clone keeps: refused as well.
      await withSession(warehouse, 'prod', async (s) => rejectsWithCode(s.run(`select count(*) from squad_gone.staging.orders_a ${at(purgedAt + 500)}`), 'RETENTION_PURGED'));

      warehouse.dropDatabase('squad_keep');
      const gc = await warehouse.gc();
      assert.equal(gc.filesPurgedByRetention, 1);
      assert.equal(existsSync(warehouse.store.localPath(oldKey)), false, 'reclaimed although the time-travel window still reaches it');
      await withSession(warehouse, 'prod', async (s) => {
        assert.equal(await count(s, 'staging.orders_a'), 8);
        assert.equal(await scalar(s, 'select min(order_id) from staging.orders_a'), 105);
        await rejectsWithCode(s.run(`select count(*) from squad_keep.staging.orders_a ${at(purgedAt + 500)}`), 'RETENTION_PURGED');
        await rejectsWithCode(s.run(`select count(*) from staging.orders_a ${at(before)}`), 'RETENTION_PURGED');
      });
      // Once the window has passed the purge and no kept state holds its files, gc forgets the boundary.
      assert.equal(warehouse.control.listRecords(PURGE_BOUNDARY_KIND).length, 1);
      clock.advance(2 * 3_600_000);
      await warehouse.gc();
      assert.equal(warehouse.control.listRecords(PURGE_BOUNDARY_KIND).length, 0);
      await withSession(warehouse, 'prod', async (s) => rejectsWithCode(s.run(`select count(*) from staging.orders_a ${at(before)}`), 'TIME_TRAVEL_OUT_OF_RANGE'));
    });
  });
});
