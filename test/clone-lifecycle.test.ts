import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CloneLifecycle } from '../src/clones/clone-lifecycle.js';
import { getCloneRecord, listCloneRecords } from '../src/clones/clone-record.js';
import { cloneHistory } from '../src/clones/clone-hooks.js';
import { CloneActivityTracker } from '../src/clones/activity-tracker.js';
import type { DeploymentReplayer } from '../src/clones/deployment-replayer.js';
import { column, count, rejectsWithCode, scalar, withSession } from './helpers/warehouse.js';
import { hookLog, withProject } from './workers/reap-fixture.js';

const DAY = 86_400_000;

describe('clone lifecycle', () => {
  it('creates a clone and its record in one step: scope read from the name, owner, purpose, ticket, expiry by policy', async () => {
    await withProject(async (p) => {
      const { warehouse, config } = p.mayfly;
      await withSession(warehouse, 'prod', (s) => s.run('create table orders as select range as id from range(10)'));
      const lifecycle = new CloneLifecycle(warehouse, config);
      const created = await lifecycle.create({ name: 'squad_c_sprint42', purpose: 'sprint 42', ticket: 'JIRA-1', owner: 'ann' });
      const r = created.record;
      assert.deepEqual([r.scope, r.scopeKind, r.owner, r.purpose, r.ticket, r.source, r.state], ['squad:c', 'squad', 'ann', 'sprint 42', 'JIRA-1', 'prod', 'active']);
      assert.equal(r.expiresAt - r.createdAt, 14 * DAY);
      assert.equal(r.takenAt, p.clock.now());
      assert.deepEqual(getCloneRecord(warehouse.control, 'squad_c_sprint42'), r);
      assert.equal(warehouse.database('squad_c_sprint42').source?.database, 'prod');
      await withSession(warehouse, 'squad_c_sprint42', async (s) => assert.equal(await count(s, 'orders'), 10));
      // The created hook ran with a JSON payload.
      assert.deepEqual(hookLog(p).map((h) => [h.event, h.clone]), [['created', 'squad_c_sprint42']]);
      assert.equal(created.hooks.sent, 1);
      // MAYFLY_USER is the default owner; an explicit scope works with any name that follows the pattern.
      process.env.MAYFLY_USER = 'bob';
      try {
        const fam = await lifecycle.create({ name: 'cross_family_irm_a_deps', scope: 'cross-family:irm-a', ttl: '3d' });
        assert.deepEqual([fam.record.owner, fam.record.scope, fam.record.expiresAt - fam.record.createdAt], ['bob', 'cross-family:irm-a', 3 * DAY]);
      } finally {
        delete process.env.MAYFLY_USER;
      }
    });
  });

  it('extends within the maximum TTL, pins and unpins', async () => {
    await withProject(async (p) => {
      const { warehouse, config } = p.mayfly;
      const lifecycle = new CloneLifecycle(warehouse, config);
      const { record } = await lifecycle.create({ name: 'squad_c_x', owner: 'ann' });
      const extended = await lifecycle.extend('squad_c_x', '7d');
      assert.equal(extended.record.expiresAt, record.expiresAt + 7 * DAY);
      await rejectsWithCode(lifecycle.extend('squad_c_x', '10d'), 'TTL_TOO_LONG', /at most 30d from now .*clones\.scopes\.squad\.maxTtl.*extend by at most 9 d/);
      assert.equal(getCloneRecord(warehouse.control, 'squad_c_x')?.expiresAt, extended.record.expiresAt);
      const until = p.clock.now() + 40 * DAY;
      assert.equal((await lifecycle.pin('squad_c_x', until)).record.pinnedUntil, until);
      await rejectsWithCode(lifecycle.pin('squad_c_x', p.clock.now() - 1), 'INVALID_PIN');
      assert.equal((await lifecycle.unpin('squad_c_x')).record.pinnedUntil, null);
      assert.deepEqual(
        cloneHistory(warehouse.control, 'squad_c_x').map((h) => h.entry.event),
        ['created', 'extended', 'pinned', 'unpinned'],
      );
    });
  });

  it('refreshes atomically from the source, keeping name, record and lease, and reports what it discarded', async () => {
    await withProject(async (p) => {
      const { warehouse, config } = p.mayfly;
      await withSession(warehouse, 'prod', (s) => s.run("create table a as select range as id, 'prod' as m from range(100); create table b as select 'prod' as m"));
      const lifecycle = new CloneLifecycle(warehouse, config);
      await lifecycle.create({ name: 'squad_c_dev', owner: 'ann' });
      const until = p.clock.now() + 20 * DAY;
      await lifecycle.pin('squad_c_dev', until);
      await withSession(warehouse, 'squad_c_dev', (s) =>
        s.run("update a set m = 'clone' where id < 5; begin; update a set m = 'clone'; update b set m = 'clone'; commit; delete from a where id >= 90; create table scratch as select 1 as x"),
      );
      await withSession(warehouse, 'prod', (s) => s.run("insert into a values (100, 'prod')"));
      p.clock.advance(DAY);
      // Readers during the refresh see the old or the new state of both tables, never one of each.
      const seen = new Set<string>();
      const reader = await warehouse.session('squad_c_dev');
      // The reader reads once before the refresh starts, and goes on until it has seen the refreshed state: no timing involved.
      let refreshed = false;
      let firstRead: () => void = () => undefined;
      const started = new Promise<void>((r) => (firstRead = r));
      let readsAfter = 0;
      const reads = (async () => {
        // Bounded by a count, not a time: a refresh that never showed would fail the assertion below.
        while (!(refreshed && (seen.has('prodprod') || readsAfter++ >= 100))) {
          seen.add(String(await scalar(reader, 'select (select min(m) from a) || (select min(m) from b)')));
          firstRead();
        }
      })();
      await Promise.race([started, reads]);
      const result = await lifecycle.refresh('squad_c_dev');
      refreshed = true;
      await reads;
      reader.close();
      assert.deepEqual([...seen].filter((v) => v !== 'cloneclone' && v !== 'prodprod'), []);
      assert.ok(seen.has('prodprod'), 'the reader saw the refreshed state');

      const changes = new Map(result.discarded?.objects.map((o) => [`${o.schema}.${o.name}`, o]));
      assert.deepEqual([...changes.keys()].sort(), ['main.a', 'main.b', 'main.scratch']);
      assert.equal(changes.get('main.scratch')?.change, 'created');
      assert.deepEqual([changes.get('main.a')?.rowsBefore, changes.get('main.a')?.rowsAfter], [100, 90]);
      // Two updates rewrote 5 and then 100 rows; a delete removed 10.
      assert.deepEqual([changes.get('main.a')?.rowsInserted, changes.get('main.a')?.rowsDeleted], [105, 115]);
      const r = result.record;
      assert.deepEqual([r.name, r.owner, r.pinnedUntil, r.refreshes, r.refreshedAt, r.takenAt], ['squad_c_dev', 'ann', until, 1, p.clock.now(), p.clock.now()]);
      await withSession(warehouse, 'squad_c_dev', async (s) => {
        assert.equal(await count(s, 'a'), 101);
        assert.deepEqual(await column(s, 'select distinct m from a'), ['prod']);
        await rejectsWithCode(s.run('select * from scratch'), 'TABLE_NOT_FOUND');
      });
      assert.deepEqual(hookLog(p).map((h) => h.event), ['created', 'refreshed']);
      assert.match(hookLog(p)[1]?.message ?? '', /discarded 3 changed objects/);
    });
  });

  it('refreshes a --schema clone with the same schemas, reporting only what changed in them', async () => {
    await withProject(async (p) => {
      const { warehouse, config } = p.mayfly;
      await withSession(warehouse, 'prod', (s) => s.run('create schema rdv; create table rdv.hub as select range as id from range(5); create schema pl; create table pl.x as select 1 as x'));
      const lifecycle = new CloneLifecycle(warehouse, config);
      await lifecycle.create({ name: 'squad_c_rdv', owner: 'ann', schemas: ['rdv'] });
      await withSession(warehouse, 'squad_c_rdv', (s) => s.run('create view rdv.v as select * from rdv.hub; insert into rdv.hub values (9)'));
      const result = await lifecycle.refresh('squad_c_rdv');
      assert.deepEqual(
        result.discarded?.objects.map((o) => `${o.schema}.${o.name} ${o.kind} ${o.change} +${o.rowsInserted} -${o.rowsDeleted}`),
        ['rdv.hub table changed +1 -0', 'rdv.v view created +0 -0'],
      );
      assert.deepEqual(result.record.schemas, ['rdv']);
      assert.deepEqual(warehouse.tables('squad_c_rdv').map((t) => `${t.schema}.${t.name}`), ['rdv.hub']);
    });
  });

  it('re-applies the clone\'s own deployments after a refresh when asked, and says so when it cannot', async () => {
    await withProject(async (p) => {
      const { warehouse, config } = p.mayfly;
      await new CloneLifecycle(warehouse, config).create({ name: 'squad_c_dep', owner: 'ann' });
      await withSession(warehouse, 'squad_c_dep', (s) => s.run("create table deployed as select 'v2' as version"));
      await rejectsWithCode(new CloneLifecycle(warehouse, config).refresh('squad_c_dep', { reapply: true }), 'REAPPLY_UNAVAILABLE');
      assert.equal(warehouse.tables('squad_c_dep').length, 1, 'nothing was reset');
      const calls: string[] = [];
      // A replayer that keeps the clone's `deployed` table across the reset.
      const replayer: DeploymentReplayer = {
        async capture(clone, source) {
          calls.push(`capture ${clone} from ${source}`);
          return withSession(warehouse, clone, (s) => column(s, 'select version from deployed'));
        },
        async replay(clone, captured) {
          calls.push(`replay ${clone}`);
          const versions = captured as string[];
          await withSession(warehouse, clone, (s) => s.run(`create table deployed as select * from (values ${versions.map((v) => `('${v}')`).join(', ')}) t(version)`));
          return versions;
        },
      };
      const result = await new CloneLifecycle(warehouse, config, replayer).refresh('squad_c_dep', { reapply: true });
      assert.deepEqual(calls, ['capture squad_c_dep from prod', 'replay squad_c_dep']);
      assert.deepEqual(result.reapplied, ['v2']);
      await withSession(warehouse, 'squad_c_dep', async (s) => assert.equal(await scalar(s, 'select version from deployed'), 'v2'));
    });
  });

  it('destroys a clone with everything created in it, keeps its record, and lets the name be used again', async () => {
    await withProject(async (p) => {
      const { warehouse, config } = p.mayfly;
      const lifecycle = new CloneLifecycle(warehouse, config);
      await lifecycle.create({ name: 'squad_c_tmp', owner: 'ann' });
      await withSession(warehouse, 'squad_c_tmp', (s) => s.run('create table t as select 1 as x'));
      const destroyed = await lifecycle.destroy('squad_c_tmp');
      assert.equal(destroyed.dropped, true);
      assert.equal(warehouse.listDatabases().some((d) => d.name === 'squad_c_tmp'), false);
      const kept = getCloneRecord(warehouse.control, 'squad_c_tmp');
      assert.deepEqual([kept?.state, kept?.destroyedAt], ['destroyed', p.clock.now()]);
      p.clock.advance(1000);
      await lifecycle.create({ name: 'squad_c_tmp', owner: 'bob' });
      const all = listCloneRecords(warehouse.control).filter((r) => r.name === 'squad_c_tmp');
      assert.deepEqual(all.map((r) => `${r.owner}:${r.state}`).sort(), ['ann:destroyed', 'bob:active']);
      assert.deepEqual(hookLog(p).map((h) => h.event), ['created', 'destroyed', 'created']);
    });
  });

  it('records the last activity of clones, but not Mayfly\'s own housekeeping', async () => {
    await withProject(async (p) => {
      const { warehouse, config } = p.mayfly;
      const tracker = CloneActivityTracker.attach(warehouse);
      try {
        await new CloneLifecycle(warehouse, config).create({ name: 'squad_c_act', owner: 'ann' });
        const created = p.clock.now();
        p.clock.advance(DAY);
        await withSession(warehouse, 'squad_c_act', (s) => s.run('select 1'));
        const used = p.clock.now();
        p.clock.advance(DAY);
        const housekeeping = await warehouse.session('squad_c_act', { purpose: 'retention' });
        await housekeeping.run('select 2').finally(() => housekeeping.close());
        assert.equal(getCloneRecord(warehouse.control, 'squad_c_act')?.lastActivityAt, created, 'nothing is written before flush');
        assert.equal(tracker.flush(), 1);
        assert.equal(getCloneRecord(warehouse.control, 'squad_c_act')?.lastActivityAt, used);
        assert.equal(tracker.flush(), 0);
      } finally {
        tracker.detach();
      }
    });
  });
});
