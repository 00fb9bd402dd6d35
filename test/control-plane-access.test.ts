import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { ActivityEvent } from '../src/warehouse/activity.js';
import { column, count, rejectsWithCode, scalar, withSession, withWarehouse } from './helpers/warehouse.js';

describe('what the data plane gives the control plane', () => {
  it('keeps records and events, and commits a record with a clone atomically or not at all', async () => {
    await withWarehouse(async ({ warehouse, clock }) => {
      const control = warehouse.control;
      control.putRecord('clone', 'squad_a', { owner: 'ann' });
      control.putRecord('clone', 'squad_b', { owner: 'bob' });
      control.putRecord('other', 'squad_c', { owner: 'cat' });
      assert.deepEqual(
        control.listRecords('clone', 'squad_').map((r) => r.key),
        ['squad_a', 'squad_b'],
      );
      assert.deepEqual(control.getRecord('clone', 'squad_b'), { owner: 'bob' });
      assert.equal(control.deleteRecord('clone', 'squad_b'), true);
      assert.equal(control.getRecord('clone', 'squad_b'), undefined);

      control.appendEvent('meter', 'squad_a', clock.now(), { ms: 1 });
      control.appendEvent('meter', 'squad_a', clock.now() + 10, { ms: 2 });
      control.appendEvent('meter', 'squad_z', clock.now() + 20, { ms: 3 });
      assert.deepEqual(
        control.listEvents<{ ms: number }>('meter', { subject: 'squad_a', since: clock.now() + 5 }).map((e) => e.value.ms),
        [2],
      );

      assert.throws(() =>
        control.atomically(() => {
          warehouse.cloneDatabase('half', 'prod');
          control.putRecord('clone', 'half', { owner: 'x' });
          throw new Error('crash between the two writes');
        }),
      );
      assert.equal(control.getRecord('clone', 'half'), undefined);
      assert.equal(
        warehouse.listDatabases().some((d) => d.name === 'half'),
        false,
      );
    });
  });

  it('reports each statement to activity listeners: database, read or write, purpose and time', async () => {
    await withWarehouse(async ({ warehouse }) => {
      const events: ActivityEvent[] = [];
      const stop = warehouse.onActivity((e) => events.push(e));
      warehouse.cloneDatabase('dev', 'prod');
      const s = await warehouse.session('prod', { purpose: 'dag' });
      try {
        await s.run('create table dev.main.t (x int); select 1');
      } finally {
        s.close();
      }
      stop();
      await withSession(warehouse, 'prod', (s2) => s2.run('select 2'));
      assert.deepEqual(
        events.map((e) => [e.db, e.kind, e.purpose]),
        [
          ['dev', 'write', 'dag'],
          ['prod', 'read', 'dag'],
        ],
      );
      assert.ok(events.every((e) => e.elapsedMs >= 0));
    });
  });

  it('lets user SQL read the system schema but only trusted sessions change it', async () => {
    await withWarehouse(async ({ warehouse }) => {
      const trusted = await warehouse.session('prod', { trusted: true });
      try {
        await trusted.run("create schema mayfly; create table mayfly.log (x int); insert into mayfly.log values (1)");
      } finally {
        trusted.close();
      }
      await withSession(warehouse, 'prod', async (s) => {
        assert.equal(await count(s, 'mayfly.log'), 1);
        await rejectsWithCode(s.run('insert into mayfly.log values (2)'), 'SYSTEM_SCHEMA_READ_ONLY');
        await rejectsWithCode(s.run('drop schema mayfly cascade'), 'SYSTEM_SCHEMA_READ_ONLY');
        await rejectsWithCode(s.run('begin; delete from mayfly.log; commit'), 'SYSTEM_SCHEMA_READ_ONLY');
        assert.equal(await count(s, 'mayfly.log'), 1);
      });
    });
  });

  it('checks a script run as user text in a trusted session as user SQL, even after a trusted write in the same transaction', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mayfly-landing-'));
    try {
      writeFileSync(join(dir, 'a.csv'), 'x\n1\n');
      await withWarehouse(async ({ warehouse }) => {
        const trusted = await warehouse.session('prod', { trusted: true, readableDirs: [dir] });
        try {
          await trusted.run('create schema mayfly; create table mayfly.log (x int); create table t (x int)');
          const path = join(dir, 'a.csv').replaceAll("'", "''");
          await rejectsWithCode(trusted.run(`insert into t select * from read_csv('${path}')`, undefined, { asUser: true }), 'SQL_FORBIDDEN');
          await trusted.run('begin; insert into mayfly.log values (1)');
          await rejectsWithCode(trusted.run('insert into mayfly.log values (2)', undefined, { asUser: true }), 'SYSTEM_SCHEMA_READ_ONLY');
          await trusted.run('begin; insert into mayfly.log values (3)');
          await trusted.run('insert into t values (4)', undefined, { asUser: true });
          await trusted.run('commit');
          assert.deepEqual(await column(trusted, 'select x from mayfly.log union all select x from t order by 1'), [3, 4]);
          // Not even a trusted session's SQL text reads files: Mayfly reads landing files through the engine (loadFile).
          await rejectsWithCode(trusted.run(`select count(*) from read_csv('${path}')`), 'SQL_FORBIDDEN');
        } finally {
          trusted.close();
        }
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('lets only trusted sessions load files, only in the directories they were given, and never through SQL text', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mayfly-landing-'));
    const elsewhere = mkdtempSync(join(tmpdir(), 'mayfly-elsewhere-'));
    try {
      writeFileSync(join(dir, 'a.csv'), 'x\n1\n2\n');
      writeFileSync(join(elsewhere, 'b.csv'), 'x\n5\n');
      await withWarehouse(async ({ warehouse }) => {
        const path = join(dir, 'a.csv').replaceAll("'", "''");
        await withSession(warehouse, 'prod', (s) => rejectsWithCode(s.run(`select * from read_csv('${path}')`), 'SQL_FORBIDDEN'));
        await rejectsWithCode(warehouse.session('prod', { readableDirs: [dir] }), 'SESSION_UNTRUSTED_READ');
        const trusted = await warehouse.session('prod', { trusted: true, readableDirs: [dir] });
        try {
          await trusted.run('create table t (x int)');
          await rejectsWithCode(trusted.run(`select sum(x) from read_csv('${path}')`), 'SQL_FORBIDDEN');
          const format = { type: 'csv', fieldDelimiter: ',', skipHeader: 1, quote: '"', compression: 'auto', nullIf: [] } as const;
          const loaded = await trusted.loadFile({ table: { schema: 'main', name: 't' }, path: join(dir, 'a.csv'), format, keepGoodRows: false });
          assert.equal(loaded.rowsLoaded, 2);
          assert.equal(await scalar(trusted, 'select sum(x) from t'), 3);
          await rejectsWithCode(trusted.loadFile({ table: { schema: 'main', name: 't' }, path: join(elsewhere, 'b.csv'), format, keepGoodRows: false }), 'SQL_FORBIDDEN');
          assert.equal(await scalar(trusted, 'select sum(x) from t'), 3);
        } finally {
          trusted.close();
        }
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it('redirects a database name, so SQL written for production runs against a clone', async () => {
    await withWarehouse(async ({ warehouse }) => {
      await withSession(warehouse, 'prod', (s) => s.run('create table t (x int); insert into t values (1)'));
      warehouse.cloneDatabase('dev', 'prod');
      const prodBefore = warehouse.database('prod').commitId;
      const s = await warehouse.session('dev', { redirect: { prod: 'dev' } });
      try {
        await s.run('insert into prod.main.t values (2); create table prod.main.u as select * from prod.t');
        assert.equal(await count(s, 'prod.main.u'), 2);
      } finally {
        s.close();
      }
      assert.equal(warehouse.database('prod').commitId, prodBefore);
      await withSession(warehouse, 'dev', async (d) => assert.equal(await count(d, 'u'), 2));
    });
  });
});
