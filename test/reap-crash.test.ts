import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CloneLifecycle } from '../src/clones/clone-lifecycle.js';
import { CLONE_HISTORY_KIND, HOOK_DELIVERY_KIND, type CloneHistoryEntry, type HookDelivery } from '../src/clones/clone-hooks.js';
import { listCloneRecords } from '../src/clones/clone-record.js';
import { reap } from '../src/clones/clone-reaper.js';
import { FakeClock, systemClock } from '../src/index.js';
import { seededRandom, sleep, startWorker } from './helpers/processes.js';
import { missingFiles, protectedCommits, withSession } from './helpers/warehouse.js';
import { hookLog, makeProject, openProject, removeProject } from './workers/reap-fixture.js';

const DAY = 86_400_000;
const SQUADS = 80;
const FAMILIES = 40;

const YAML = `
clones:
  scopes:
    squad: { maxActive: 1000, idleExpiry: never }
    family: { atExpiry: refresh, maxActive: 1000, idleExpiry: never }
hooks:
  - command: cat >> hooks.log && echo >> hooks.log
    events: [expired, refreshed, destroyed]
`;

describe('reap crash safety', () => {
  it('killed mid-run (during its steps, then during hook delivery) and run again, leaves every record matching the databases, each clone changed once, every hook delivered', async (t) => {
    const seed = Number(process.env.MAYFLY_CRASH_SEED ?? Date.now() % 1_000_000);
    t.diagnostic(`seed ${seed} (replay with MAYFLY_CRASH_SEED=${seed})`);
    const random = seededRandom(seed);
    const project = makeProject(YAML);
    try {
      // Clones made 30 days ago: by now every one is past its 14-day TTL.
      const past = openProject(project, new FakeClock(Date.now() - 30 * DAY));
      try {
        past.warehouse.init();
        await withSession(past.warehouse, 'prod', (s) => s.run('create table t as select range as id from range(10)'));
        const lifecycle = new CloneLifecycle(past.warehouse, past.config);
        for (let i = 0; i < SQUADS; i++) await lifecycle.create({ name: `squad_s${i}_x`, owner: 'ann' });
        for (let i = 0; i < FAMILIES; i++) await lifecycle.create({ name: `family_f${i}_x`, owner: 'ann' });
      } finally {
        past.close();
      }

      // First kill: while reap changes clones.
      const first = startWorker('reap-worker', [project.dir]);
      await first.waitForLine(`step ${10 + Math.floor(random() * 40)}`);
      first.child.kill('SIGKILL');
      const exit1 = await first.exited();
      assert.equal(exit1.signal, 'SIGKILL', `the first reap ended on its own: ${first.stdout().slice(-200)} ${first.stderr()}`);

      const interrupted = openProject(project, systemClock);
      try {
        const live = listCloneRecords(interrupted.warehouse.control).filter((r) => r.scopeKind === 'squad' && r.state !== 'destroyed').length;
        t.diagnostic(`${SQUADS - live} of ${SQUADS} squad clones destroyed before the first kill`);
        assert.ok(live > 0, 'the first kill interrupted the reap');
      } finally {
        interrupted.close();
      }

      // Second kill: while hooks are being delivered.
      const delivered = hookLog(project).length;
      const second = startWorker('reap-worker', [project.dir]);
      const target = delivered + 5 + Math.floor(random() * 40);
      while (second.child.exitCode === null && hookLog(project).length < target) await sleep(5);
      second.child.kill('SIGKILL');
      const exit2 = await second.exited();
      t.diagnostic(`second reap ${exit2.signal === 'SIGKILL' ? 'killed' : 'finished'} after ${hookLog(project).length - delivered} deliveries`);

      // A last reap completes whatever is left; one more finds nothing to do.
      const mayfly = openProject(project, systemClock);
      try {
        const { warehouse, config } = mayfly;
        const last = await reap(warehouse, config);
        assert.deepEqual(last.errors, []);
        const idle = await reap(warehouse, config);
        assert.deepEqual([idle.plan.length, idle.hooks.sent, idle.hooks.failed.length], [0, 0, 0]);

        const dbs = new Set(warehouse.listDatabases().map((d) => d.name));
        const records = listCloneRecords(warehouse.control);
        assert.equal(records.length, SQUADS + FAMILIES);
        const history = warehouse.control.listEvents<CloneHistoryEntry>(CLONE_HISTORY_KIND);
        const times = (clone: string, event: string): number => history.filter((e) => e.subject === clone && e.value.event === event).length;
        for (const r of records) {
          // Every record matches the databases.
          assert.equal(dbs.has(r.name), r.state !== 'destroyed', `${r.name}: record ${r.state}, database ${dbs.has(r.name) ? 'present' : 'absent'}`);
          if (r.scopeKind === 'squad') {
            assert.equal(r.state, 'destroyed', r.name);
            assert.equal(times(r.name, 'destroyed'), 1, `${r.name} destroyed once`);
          } else {
            assert.deepEqual([r.state, r.refreshes, times(r.name, 'refreshed')], ['active', 1, 1], `${r.name} refreshed once`);
            assert.ok(r.expiresAt > Date.now(), `${r.name} has a new TTL`);
            await withSession(warehouse, r.name, async (s) => assert.equal((await s.run('select count(*) from t')).length, 1));
          }
          assert.equal(times(r.name, 'expired'), 1, `${r.name} expired once`);
        }
        // Every hook was delivered, at least once each.
        const deliveries = warehouse.control.listRecords<HookDelivery>(HOOK_DELIVERY_KIND).map((r) => r.value);
        assert.equal(deliveries.length, 2 * (SQUADS + FAMILIES));
        assert.deepEqual(deliveries.filter((d) => d.status !== 'sent').map((d) => d.key), []);
        const logged = new Set(hookLog(project).map((h) => h.id));
        assert.deepEqual(deliveries.filter((d) => !logged.has(d.key)).map((d) => d.key), []);
        assert.deepEqual(missingFiles(warehouse, protectedCommits(warehouse)), []);
      } finally {
        mayfly.close();
      }
    } finally {
      removeProject(project);
    }
  });
});
