import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CloneActivityTracker } from '../src/clones/activity-tracker.js';
import { HOOK_DELIVERY_KIND, type HookDelivery } from '../src/clones/clone-hooks.js';
import { CloneLifecycle } from '../src/clones/clone-lifecycle.js';
import { getCloneRecord } from '../src/clones/clone-record.js';
import { reap } from '../src/clones/clone-reaper.js';
import { catalogState, count, withSession } from './helpers/warehouse.js';
import { hookLog, LIFECYCLE_YAML, withProject } from './workers/reap-fixture.js';

const DAY = 86_400_000;
const utcDay = (ms: number): number => Math.floor(ms / DAY) * DAY;
const isoDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

describe('reap', () => {
  it('warns once before expiry, destroys at expiry, and a second run changes nothing', async () => {
    await withProject(async (p) => {
      const { warehouse, config } = p.mayfly;
      const lifecycle = new CloneLifecycle(warehouse, config);
      await lifecycle.create({ name: 'squad_c_short', ttl: '3d', owner: 'ann' });
      await lifecycle.create({ name: 'squad_c_long', ttl: '20d', owner: 'ann' });
      assert.deepEqual((await reap(warehouse, config)).plan, []);
      p.clock.advance(1.5 * DAY);
      const warned = await reap(warehouse, config);
      assert.deepEqual(warned.applied.map((s) => `${s.action} ${s.clone}`), ['warn-expiring squad_c_short']);
      assert.match(warned.applied[0]?.message ?? '', /expires on .* and will then be destroyed; keep it with `mayfly clone extend squad_c_short --ttl 7d`/);
      assert.equal(getCloneRecord(warehouse.control, 'squad_c_short')?.state, 'expiring');
      assert.deepEqual((await reap(warehouse, config)).plan, [], 'the warning is sent once');

      p.clock.advance(2 * DAY);
      const dry = await reap(warehouse, config, { dryRun: true });
      assert.deepEqual(dry.plan.map((s) => `${s.action} ${s.clone}`), ['destroy squad_c_short']);
      assert.ok(warehouse.listDatabases().some((d) => d.name === 'squad_c_short'), 'a dry run changes nothing');
      const done = await reap(warehouse, config);
      assert.deepEqual(done.applied.map((s) => `${s.action} ${s.clone}`), ['destroy squad_c_short']);
      assert.equal(warehouse.listDatabases().some((d) => d.name === 'squad_c_short'), false);
      const record = getCloneRecord(warehouse.control, 'squad_c_short');
      assert.deepEqual([record?.state, record?.destroyReason], ['destroyed', 'expired']);
      assert.deepEqual(
        hookLog(p).filter((h) => h.clone === 'squad_c_short').map((h) => h.event),
        ['created', 'expiring', 'expired', 'destroyed'],
      );
      const state = JSON.stringify(catalogState(warehouse));
      const again = await reap(warehouse, config);
      assert.deepEqual([again.plan.length, again.hooks.sent], [0, 0]);
      assert.equal(JSON.stringify(catalogState(warehouse)), state);
    });
  });

  it('refreshes a family clone at expiry with a new TTL, destroys idle clones, and leaves pinned clones until the lease ends', async () => {
    await withProject(async (p) => {
      const { warehouse, config } = p.mayfly;
      await withSession(warehouse, 'prod', (s) => s.run('create table t as select 1 as x'));
      const tracker = CloneActivityTracker.attach(warehouse);
      try {
        const lifecycle = new CloneLifecycle(warehouse, config);
        await lifecycle.create({ name: 'family_b_test', owner: 'ann' });
        await lifecycle.create({ name: 'squad_c_used', owner: 'ann' });
        await lifecycle.create({ name: 'squad_c_idle', owner: 'ann' });
        await lifecycle.create({ name: 'squad_c_pinned', owner: 'ann' });
        await lifecycle.pin('squad_c_pinned', p.clock.now() + 9 * DAY);
        await withSession(warehouse, 'family_b_test', (s) => s.run('insert into t values (2)'));
        for (let day = 0; day < 8; day++) {
          p.clock.advance(DAY);
          await withSession(warehouse, 'squad_c_used', (s) => s.run('select * from t'));
          tracker.flush();
          await reap(warehouse, config);
        }
        const live = (): string[] => warehouse.listDatabases().map((d) => d.name).filter((n) => n !== 'prod');
        assert.deepEqual(live(), ['family_b_test', 'squad_c_pinned', 'squad_c_used'], 'the idle clone was destroyed, the pinned one kept');
        assert.equal(getCloneRecord(warehouse.control, 'squad_c_idle')?.destroyReason, 'idle');
        p.clock.advance(2.5 * DAY);
        await withSession(warehouse, 'squad_c_used', (s) => s.run('select * from t'));
        tracker.flush();
        const after = await reap(warehouse, config);
        assert.deepEqual(after.applied.map((s) => `${s.action} ${s.clone} ${s.cause}`).sort(), ['destroy squad_c_pinned idle', 'refresh family_b_test ttl']);
        const family = getCloneRecord(warehouse.control, 'family_b_test');
        assert.equal(family?.expiresAt, p.clock.now() + 10 * DAY, 'a refresh at expiry starts a new TTL');
        await withSession(warehouse, 'family_b_test', async (s) => assert.equal(await count(s, 't'), 1));
        assert.deepEqual(hookLog(p).filter((h) => h.clone === 'family_b_test').map((h) => h.event), ['created', 'expired', 'refreshed']);
      } finally {
        tracker.detach();
      }
    });
  });

  it('acts before the retention deadline: refreshes once the source purged, destroys pinned clones by policy, warns once', async () => {
    const yaml = `${LIFECYCLE_YAML}
retention:
  staging.orders: { column: load_date, days: 90 }
`.replace('idleExpiry: 7d', 'idleExpiry: never').replace('family: { defaultTtl: 10d', 'family: { beforeRetentionDeadline: warn, defaultTtl: 20d');
    await withProject(async (p) => {
      const { warehouse, config } = p.mayfly;
      const d0 = utcDay(p.clock.now());
      await withSession(warehouse, 'prod', (s) =>
        s.run(`create schema staging; create table staging.orders as select range as id, date '${isoDay(d0)}' - cast(range as integer) as load_date from range(81)`),
      );
      const lifecycle = new CloneLifecycle(warehouse, config);
      await lifecycle.create({ name: 'squad_c_ret', owner: 'ann', ttl: '30d' });
      await lifecycle.create({ name: 'family_b_ret', owner: 'ann' });
      await lifecycle.create({ name: 'cross_family_irm_ret', scope: 'cross-family:irm', owner: 'ann', ttl: '30d' });
      await lifecycle.pin('cross_family_irm_ret', d0 + 60 * DAY);
      // The oldest row, 80 days old, passes 90 days of retention on day 91.
      const deadline = d0 + 11 * DAY;

      p.clock.set(d0 + 8.5 * DAY);
      const warned = await reap(warehouse, config);
      // Squads and cross-family exercises warn 2 days before acting, families 1 day.
      assert.deepEqual(warned.applied.map((s) => `${s.action} ${s.clone}`).sort(), ['warn-retention cross_family_irm_ret', 'warn-retention squad_c_ret']);
      assert.ok(warned.applied.every((s) => s.dueAt === deadline));
      assert.deepEqual((await reap(warehouse, config)).applied, [], 'warned once per deadline');

      p.clock.set(d0 + 10.5 * DAY);
      const acted = await reap(warehouse, config);
      // Production still holds that data, so a refresh would not help the squad clone yet; the pinned cross-family clone is destroyed by policy.
      assert.deepEqual(acted.applied.map((s) => `${s.action} ${s.clone}`).sort(), ['destroy cross_family_irm_ret', 'warn-retention family_b_ret']);
      assert.equal(getCloneRecord(warehouse.control, 'cross_family_irm_ret')?.destroyReason, 'retention deadline');

      await withSession(warehouse, 'prod', (s) => s.run(`delete from staging.orders where load_date < date '${isoDay(d0)}' - 75`));
      const refreshed = await reap(warehouse, config);
      assert.deepEqual(refreshed.applied.map((s) => `${s.action} ${s.clone}`), ['refresh squad_c_ret']);
      await withSession(warehouse, 'squad_c_ret', async (s) => assert.equal(await count(s, 'staging.orders'), 76));
      assert.deepEqual((await reap(warehouse, config)).applied, [], 'the refreshed clone is compliant');
      const family = hookLog(p).filter((h) => h.clone === 'family_b_ret').map((h) => h.event);
      assert.deepEqual(family, ['created', 'retention-near'], 'warn only warns');
    }, yaml);
  });

  it('offers every live clone for a sample if its last is old, forgets clones dropped outside Mayfly, and retries failing hooks', async () => {
    const yaml = `${LIFECYCLE_YAML}  - command: test -f ok && cat > /dev/null
    events: [destroyed]
`;
    await withProject(async (p) => {
      const { warehouse, config } = p.mayfly;
      const lifecycle = new CloneLifecycle(warehouse, config);
      await lifecycle.create({ name: 'squad_c_a', owner: 'ann' });
      await lifecycle.create({ name: 'squad_c_b', owner: 'ann' });
      warehouse.dropDatabase('squad_c_b');
      const samples: string[][] = [];
      const report = await reap(warehouse, config, { sampler: { sample: (dbs, ifStale = []) => samples.push([...dbs], [...ifStale]) } });
      // Nothing to do to squad_c_a: sampled only if its last sample is old.
      assert.deepEqual(samples, [[], ['squad_c_a']]);
      assert.deepEqual(report.applied.map((s) => `${s.action} ${s.clone}`), ['forget squad_c_b']);
      assert.equal(getCloneRecord(warehouse.control, 'squad_c_b')?.state, 'destroyed');
      // The second hook fails (no file `ok`): the lifecycle went on, the failure is recorded and retried.
      assert.equal(report.hooks.failed.length, 1);
      assert.match(report.hooks.failed[0]?.error ?? '', /exited with 1/);
      const failed = warehouse.control.listRecords<HookDelivery>(HOOK_DELIVERY_KIND).map((r) => r.value).filter((d) => d.status === 'failed');
      assert.deepEqual(failed.map((d) => [d.event, d.clone, d.attempts]), [['destroyed', 'squad_c_b', 1]]);
      writeFileSync(join(p.dir, 'ok'), '');
      const retried = await reap(warehouse, config);
      assert.deepEqual([retried.hooks.sent, retried.hooks.failed.length], [1, 0]);
      assert.ok(warehouse.control.listRecords<HookDelivery>(HOOK_DELIVERY_KIND).every((r) => r.value.status === 'sent'));
    }, yaml);
  });

  it('posts hook payloads to an HTTP endpoint, and reports an endpoint that fails', async () => {
    const bodies: { event: string; clone: string; id: string }[] = [];
    let failNext = true;
    const server = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        if (failNext) {
          failNext = false;
          res.writeHead(503).end('busy');
          return;
        }
        bodies.push(JSON.parse(body) as { event: string; clone: string; id: string });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      await withProject(async (p) => {
        const { warehouse, config } = p.mayfly;
        const created = await new CloneLifecycle(warehouse, config).create({ name: 'squad_c_web', owner: 'ann' });
        assert.match(created.hooks.failed[0]?.error ?? '', /answered 503/);
        assert.ok(warehouse.listDatabases().some((d) => d.name === 'squad_c_web'), 'a failing hook does not undo the change');
        await new CloneLifecycle(warehouse, config).destroy('squad_c_web');
        await reap(warehouse, config);
        assert.deepEqual(bodies.map((b) => `${b.event} ${b.clone}`), ['destroyed squad_c_web', 'created squad_c_web']);
        assert.equal(new Set(bodies.map((b) => b.id)).size, 2);
      }, `hooks:\n  - url: http://127.0.0.1:${port}/mayfly\n    timeout: 5s\n`);
    } finally {
      server.close();
    }
  });
});
