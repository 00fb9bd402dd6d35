import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateConfig, type ResolvedConfig, type Session, type Warehouse } from '../src/index.js';
import { OLDEST_RECORD_KIND, retentionDeadline } from '../src/retention/retention-deadline.js';
import { DAY_MS } from '../src/retention/retention-policy.js';
import { applyRetention, PURGE_EVENT_KIND } from '../src/retention/retention-purge.js';
import { retentionReport } from '../src/retention/retention-report.js';
import { catalogState, count, rejectsWithCode, scalar, withSession, withWarehouse } from './helpers/warehouse.js';

/** Noon UTC on 2026-06-30: retention counts whole UTC days. */
const NOW = Date.parse('2026-06-30T12:00:00Z');
const day = (iso: string): number => Date.parse(`${iso}T00:00:00Z`);

function withRetention(config: ResolvedConfig, retention: Record<string, { column: string; days: number }>): ResolvedConfig {
  return { ...config, project: validateConfig({ retention }) };
}

/** Inserts `days` rows dated from `from`, one per day, as one statement: one data file. */
async function insertDays(s: Session, table: string, from: string, days: number, firstId = 0): Promise<void> {
  await s.run(`insert into ${table} select ${firstId} + range, 10, DATE '${from}' + range::INT from range(${days})`);
}

function tableInfo(warehouse: Warehouse, db: string, name: string) {
  const [schema, table] = name.split('.');
  const info = warehouse.tables(db).find((t) => t.schema === schema && t.name === table);
  assert.ok(info, `${db}.${name} exists`);
  const obj = warehouse.tree(warehouse.requireRef(db).commitId).object(schema ?? '', table ?? '');
  assert.ok(obj?.kind === 'table');
  return { rows: info.rows, files: obj.version.files.length, deletes: obj.version.deletes.length };
}

describe('retention deadline', () => {
  it('is the earliest table deadline across tables with different policies, and reads cached table versions for clones', async () => {
    await withWarehouse(
      async ({ warehouse, mayfly }) => {
        await withSession(warehouse, 'prod', async (s) => {
          await s.run('create schema staging; create table staging.orders_a (order_id bigint, amount int, load_date date)');
          await s.run('create table staging.events (id bigint, amount int, event_ts timestamp); create table staging.empty (id bigint, amount int, load_date date)');
          await s.run('create table staging.untracked (id bigint, amount int, load_date date)');
          await insertDays(s, 'staging.orders_a', '2026-05-01', 30);
          await s.run("insert into staging.events values (1, 1, TIMESTAMP '2026-06-20 10:30:00'), (2, 1, TIMESTAMP '2026-06-25 00:00:00')");
          await insertDays(s, 'staging.untracked', '2020-01-01', 3);
        });
        const config = withRetention(mayfly.config, {
          'staging.orders_a': { column: 'load_date', days: 90 },
          'staging.events': { column: 'event_ts', days: 30 },
          'staging.empty': { column: 'load_date', days: 7 },
          'staging.not_there': { column: 'load_date', days: 1 },
        });
        const prod = await retentionDeadline(warehouse, config, 'prod');
        // orders: 2026-05-01 + 91 days; events: 2026-06-20 (10:30 counts as its day) + 31 days.
        assert.deepEqual(
          prod.tables.map((t) => [t.table, t.oldest, t.deadline]),
          [
            ['staging.empty', null, null],
            ['staging.events', day('2026-06-20'), day('2026-07-21')],
            ['staging.orders_a', day('2026-05-01'), day('2026-07-31')],
          ],
        );
        assert.equal(prod.deadline, day('2026-07-21'));
        assert.equal(day('2026-07-21') - day('2026-06-20'), 31 * DAY_MS);

        // Clones sharing production's table versions read the cache: no new record, same answer.
        const cached = warehouse.control.listRecords(OLDEST_RECORD_KIND).length;
        assert.equal(cached, 2);
        for (let i = 0; i < 5; i++) warehouse.cloneDatabase(`clone_${i}`, 'prod');
        for (let i = 0; i < 5; i++) assert.equal((await retentionDeadline(warehouse, config, `clone_${i}`)).deadline, day('2026-07-21'));
        assert.equal(warehouse.control.listRecords(OLDEST_RECORD_KIND).length, cached);

        // A clone that loads older data gets its own, earlier deadline; production's is unchanged.
        await withSession(warehouse, 'clone_0', (s) => insertDays(s, 'staging.orders_a', '2026-04-01', 2, 1000));
        const clone = await retentionDeadline(warehouse, config, 'clone_0');
        assert.equal(clone.deadline, day('2026-07-01'));
        assert.equal(warehouse.control.listRecords(OLDEST_RECORD_KIND).length, cached + 1);
        assert.equal((await retentionDeadline(warehouse, config, 'prod')).deadline, day('2026-07-21'));

        // No retained table with rows: no deadline.
        const none = withRetention(mayfly.config, { 'staging.empty': { column: 'load_date', days: 7 } });
        assert.equal((await retentionDeadline(warehouse, none, 'prod')).deadline, null);
      },
      { startAt: NOW },
    );
  });
});

describe('retention apply', () => {
  it('drops files whose dates all fall before the cutoff, cuts straddling files with a delete vector, and records the purge', async () => {
    await withWarehouse(
      async ({ warehouse, mayfly, clock }) => {
        await withSession(warehouse, 'prod', async (s) => {
          await s.run('create schema staging; create table staging.orders_a (order_id bigint, amount int, load_date date)');
          await insertDays(s, 'staging.orders_a', '2026-03-01', 10, 0); // all before the cutoff 2026-04-01
          await insertDays(s, 'staging.orders_a', '2026-03-25', 12, 100); // 7 rows before, 5 after
          await insertDays(s, 'staging.orders_a', '2026-06-01', 10, 200); // all kept
        });
        const config = withRetention(mayfly.config, { 'staging.orders_a': { column: 'load_date', days: 90 } });
        assert.deepEqual(tableInfo(warehouse, 'prod', 'staging.orders_a'), { rows: 32, files: 3, deletes: 0 });

        const before = catalogState(warehouse);
        const dry = await applyRetention(warehouse, config, { dryRun: true });
        assert.deepEqual(catalogState(warehouse), before, 'a dry run changes nothing');
        assert.deepEqual(
          dry.tables.map((t) => [t.cutoff, t.rows, t.filesDropped, t.deleteVectors]),
          [['2026-04-01', 17, 1, 1]],
        );
        assert.equal(warehouse.control.listEvents(PURGE_EVENT_KIND).length, 0);

        const applied = await applyRetention(warehouse, config);
        assert.deepEqual(
          applied.tables.map((t) => [t.table, t.cutoff, t.rows, t.filesDropped, t.deleteVectors]),
          [['staging.orders_a', '2026-04-01', 17, 1, 1]],
        );
        assert.ok(applied.bytesDropped > 0);
        assert.deepEqual(tableInfo(warehouse, 'prod', 'staging.orders_a'), { rows: 15, files: 2, deletes: 1 });
        await withSession(warehouse, 'prod', async (s) => {
          assert.equal(await scalar(s, "select count(*) from staging.orders_a where load_date < DATE '2026-04-01'"), 0);
          assert.equal(await count(s, 'staging.orders_a'), 15);
        });
        const events = warehouse.control.listEvents<{ rows: number; filesDropped: number }>(PURGE_EVENT_KIND, { subject: 'staging.orders_a' });
        assert.deepEqual(
          events.map((e) => [e.at, e.value.rows, e.value.filesDropped]),
          [[NOW, 17, 1]],
        );

        // The same day again: nothing to purge, nothing recorded, no commit.
        const state = catalogState(warehouse);
        assert.equal((await applyRetention(warehouse, config)).rows, 0);
        assert.deepEqual(catalogState(warehouse), state);
        assert.equal(warehouse.control.listEvents(PURGE_EVENT_KIND).length, 1);

        // Five days on, the straddling file's remaining rows pass too: it leaves whole, and its delete vector with it.
        clock.advance(5 * DAY_MS);
        const later = await applyRetention(warehouse, config);
        assert.deepEqual(
          later.tables.map((t) => [t.cutoff, t.rows, t.filesDropped, t.deleteVectors]),
          [['2026-04-06', 5, 1, 0]],
        );
        assert.deepEqual(tableInfo(warehouse, 'prod', 'staging.orders_a'), { rows: 10, files: 1, deletes: 0 });
        await withSession(warehouse, 'prod', async (s) => assert.equal(await scalar(s, 'select min(order_id) from staging.orders_a'), 200));
      },
      { startAt: NOW },
    );
  });

  it('leaves a clone taken before the purge with its rows, which then shows as non-compliant with the bytes only it keeps', async () => {
    await withWarehouse(
      async ({ warehouse, mayfly, clock }) => {
        await withSession(warehouse, 'prod', async (s) => {
          await s.run('create schema staging; create table staging.orders_a (order_id bigint, amount int, load_date date)');
          await insertDays(s, 'staging.orders_a', '2026-04-01', 10, 0);
          await insertDays(s, 'staging.orders_a', '2026-06-01', 10, 100);
        });
        const config = withRetention(mayfly.config, { 'staging.orders_a': { column: 'load_date', days: 90 } });
        assert.equal((await applyRetention(warehouse, config)).rows, 0, 'production holds nothing past retention yet');
        warehouse.cloneDatabase('squad_c_sprint', 'prod');

        const early = await retentionReport(warehouse, config, { withinMs: 7 * DAY_MS });
        assert.deepEqual(
          early.clones.map((c) => [c.name, c.status, c.deadline, c.retainedForCloneBytes]),
          [['squad_c_sprint', 'near', day('2026-07-01'), 0]],
        );
        assert.equal(early.nonCompliant, 0);

        clock.advance(11 * DAY_MS); // 2026-07-11: production keeps 2026-04-12 and later
        const purge = await applyRetention(warehouse, config);
        assert.deepEqual(
          purge.tables.map((t) => [t.rows, t.filesDropped, t.deleteVectors]),
          [[10, 1, 0]],
        );
        await withSession(warehouse, 'prod', async (s) => {
          assert.equal(await count(s, 'prod.staging.orders_a'), 10);
          assert.equal(await count(s, 'squad_c_sprint.staging.orders_a'), 20, 'the clone keeps its rows');
        });

        const report = await retentionReport(warehouse, config, { withinMs: 7 * DAY_MS });
        const [clone] = report.clones;
        assert.equal(clone?.name, 'squad_c_sprint');
        assert.equal(clone.status, 'non-compliant');
        assert.equal(clone.deadline, day('2026-07-01'));
        assert.equal(clone.retainedForCloneBytes, purge.bytesDropped, 'the dropped file lives on only for the clone');
        assert.equal(report.nonCompliant, 1);
        assert.equal(report.retainedForCloneBytes, purge.bytesDropped);
        assert.deepEqual(
          report.policies.map((p) => [p.table, p.cutoff, p.lastPurge?.rows, p.lastPurge?.at]),
          [['staging.orders_a', '2026-04-12', 10, clock.now()]],
        );
      },
      { startAt: NOW },
    );
  });

  it('refuses a policy whose column is missing or not a date before purging any table', async () => {
    await withWarehouse(
      async ({ warehouse, mayfly }) => {
        await withSession(warehouse, 'prod', async (s) => {
          await s.run('create schema staging; create table staging.a (id bigint, amount int, load_date date); create table staging.b (id bigint, amount int, load_date varchar)');
          await insertDays(s, 'staging.a', '2020-01-01', 5);
        });
        const before = catalogState(warehouse);
        const missing = withRetention(mayfly.config, { 'staging.a': { column: 'load_date', days: 1 }, 'staging.b': { column: 'loaded', days: 1 } });
        await rejectsWithCode(applyRetention(warehouse, missing), 'RETENTION_COLUMN_NOT_FOUND', /retention\.staging\.b\.column: .*no column loaded \(columns: id, amount, load_date\)/);
        const text = withRetention(mayfly.config, { 'staging.a': { column: 'load_date', days: 1 }, 'staging.b': { column: 'load_date', days: 1 } });
        await rejectsWithCode(applyRetention(warehouse, text), 'RETENTION_COLUMN_TYPE', /load_date is VARCHAR; use a DATE or TIMESTAMP column/);
        assert.deepEqual(catalogState(warehouse), before);
        assert.equal(warehouse.control.listEvents(PURGE_EVENT_KIND).length, 0);
      },
      { startAt: NOW },
    );
  });
});

describe('retention section of mayfly.yaml', () => {
  it('is optional and names the field and the allowed values when malformed', () => {
    assert.deepEqual(validateConfig({}).retention, {});
    assert.deepEqual(validateConfig({ retention: { 'staging.orders_a': { column: 'load_date', days: 90 } } }).retention, {
      'staging.orders_a': { column: 'load_date', days: 90 },
    });
    const cases: [unknown, RegExp][] = [
      [{ 'Staging.Orders': { column: 'load_date', days: 90 } }, /retention\.Staging\.Orders: .*schema\.table in lower case/],
      [{ orders: { column: 'load_date', days: 90 } }, /retention\.orders: .*schema\.table/],
      [{ 'staging.orders_a': { column: 'load_date', days: 0 } }, /retention\.staging\.orders_a\.days: at least 1 day/],
      [{ 'staging.orders_a': { column: 'load_date', days: 1.5 } }, /retention\.staging\.orders_a\.days: a whole number of days/],
      [{ 'staging.orders_a': { days: 90 } }, /retention\.staging\.orders_a\.column: the name of the DATE or TIMESTAMP column/],
      [{ 'staging.orders_a': { column: 'load_date', days: 90, keep: 1 } }, /unknown key keep \(allowed: column, days\)/],
      [['staging.orders_a'], /retention: a map of schema\.table/],
    ];
    for (const [retention, message] of cases) {
      assert.throws(
        () => validateConfig({ retention }),
        (e: Error) => {
          assert.match(e.message, message);
          return true;
        },
      );
    }
  });
});

describe('a DELETE that removes every live row of a data file', () => {
  it('drops the file from the table version and folds the delete vectors that named it', async () => {
    await withWarehouse(async ({ warehouse }) => {
      await withSession(warehouse, 'prod', async (s) => {
        await s.run('create table t (id bigint, amount int, d date)');
        await insertDays(s, 't', '2026-01-01', 10, 0); // file 1: ids 0–9
        await insertDays(s, 't', '2026-01-01', 10, 10); // file 2: ids 10–19
        await s.run('delete from t where id in (0, 10)'); // one delete vector over both files
        assert.deepEqual(tableInfo(warehouse, 'prod', 'main.t'), { rows: 18, files: 2, deletes: 1 });
        warehouse.cloneDatabase('before_drop', 'prod');
        const [r] = await s.run('delete from t where id between 1 and 9'); // the rest of file 1
        assert.equal(r?.kind === 'done' && r.rowsAffected, 9);
        // File 1 left; the old vector's row for file 2 lives on in the new one.
        assert.deepEqual(tableInfo(warehouse, 'prod', 'main.t'), { rows: 9, files: 1, deletes: 1 });
        assert.equal(await count(s, 't'), 9);
        assert.equal(await scalar(s, 'select min(id) from t'), 11);
        // A delete within one file still writes only a delete vector.
        await s.run('delete from t where id = 19');
        assert.deepEqual(tableInfo(warehouse, 'prod', 'main.t'), { rows: 8, files: 1, deletes: 2 });
        assert.equal(await count(s, 'before_drop.main.t'), 18, 'a clone keeps its own version');
        // Compaction folds what is left as before.
        await warehouse.compact({ db: 'prod' });
        assert.equal(await count(s, 't'), 8);
      });
    });
  });
});
