import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Warehouse } from '../src/index.js';
import { deploy } from '../src/orchestrate/deployer.js';
import { readDeploymentLog } from '../src/orchestrate/deployment-log.js';
import { WarehouseDeploymentReplayer } from '../src/orchestrate/deployment-replayer.js';
import { scriptFromText, sortScripts, type DeploymentScript } from '../src/orchestrate/deployment-scripts.js';
import { catalogState, count, rejectsWithCode, rows, scalar, withSession, withWarehouse } from './helpers/warehouse.js';

/** Scripts from name → text pairs, in deployment order. */
function scripts(files: Record<string, string>): DeploymentScript[] {
  return sortScripts(Object.entries(files).map(([name, text]) => scriptFromText(name, text)));
}

const BASE = {
  'V1__create_staging.sql': 'create schema staging;\ncreate table staging.customers (id integer, name varchar);',
  'V2__seed.sql': "insert into staging.customers values (1, 'ann'), (2, 'bob');",
  'R__views.sql': 'create or replace view staging.names as select name from staging.customers;',
};

async function tableExists(warehouse: Warehouse, db: string, schema: string, name: string): Promise<boolean> {
  return warehouse.tables(db).some((t) => t.schema === schema && t.name === name);
}

describe('deployments', () => {
  it('applies scripts to exactly the clone it targets, recorded in the clone’s own log; production is untouched', async () => {
    await withWarehouse(async ({ warehouse }) => {
      warehouse.cloneDatabase('squad_c', 'prod');
      const prodCommit = warehouse.database('prod').commitId;
      const report = await deploy(warehouse, { target: 'squad_c', scripts: scripts(BASE), appliedBy: 'ann' });
      assert.deepEqual(report.applied.map((a) => a.script), ['V1__create_staging.sql', 'V2__seed.sql', 'R__views.sql']);
      assert.equal(warehouse.database('prod').commitId, prodCommit);
      assert.deepEqual(await readDeploymentLog(warehouse, 'prod'), []);
      const log = await readDeploymentLog(warehouse, 'squad_c');
      assert.deepEqual(log.map((e) => [e.rank, e.script, e.version, e.appliedBy, e.appliedTo]), [
        [1, 'V1__create_staging.sql', '1', 'ann', 'squad_c'],
        [2, 'V2__seed.sql', '2', 'ann', 'squad_c'],
        [3, 'R__views.sql', null, 'ann', 'squad_c'],
      ]);
      assert.equal(log[0]?.text, BASE['V1__create_staging.sql']);
      await withSession(warehouse, 'squad_c', async (s) => {
        assert.equal(await count(s, 'staging.names'), 2);
        // The log is a table of the database's system schema: readable, not writable, by user SQL.
        assert.equal(await scalar(s, "select checksum from mayfly.deployments where script = 'V2__seed.sql'"), scriptFromText('V2__seed.sql', BASE['V2__seed.sql']).checksum);
        await rejectsWithCode(s.run('delete from mayfly.deployments'), 'SYSTEM_SCHEMA_READ_ONLY');
      });
      const again = await deploy(warehouse, { target: 'squad_c', scripts: scripts(BASE) });
      assert.deepEqual(again.applied, []);
      assert.ok(again.steps.every((s) => s.action === 'up-to-date'));
    });
  });

  it('needs --prod for production, and a clone made afterwards inherits production’s log', async () => {
    await withWarehouse(async ({ warehouse }) => {
      const state = catalogState(warehouse);
      await rejectsWithCode(deploy(warehouse, { target: 'prod', scripts: scripts(BASE) }), 'DEPLOY_PROD_REQUIRES_FLAG', /add --prod/);
      assert.deepEqual(catalogState(warehouse), state);
      const dry = await deploy(warehouse, { target: 'prod', scripts: scripts(BASE), dryRun: true });
      assert.deepEqual(dry.steps.map((s) => s.action), ['apply', 'apply', 'apply']);
      assert.deepEqual(catalogState(warehouse), state);

      await deploy(warehouse, { target: 'prod', scripts: scripts(BASE), allowProduction: true });
      warehouse.cloneDatabase('squad_c', 'prod');
      const inherited = await readDeploymentLog(warehouse, 'squad_c');
      assert.deepEqual(inherited.map((e) => [e.script, e.appliedTo]), [
        ['V1__create_staging.sql', 'prod'],
        ['V2__seed.sql', 'prod'],
        ['R__views.sql', 'prod'],
      ]);
      const plan = await deploy(warehouse, { target: 'squad_c', scripts: scripts({ ...BASE, 'V3__add_email.sql': 'alter table staging.customers add column email varchar;' }), dryRun: true });
      assert.deepEqual(plan.steps.map((s) => s.action), ['up-to-date', 'up-to-date', 'apply', 'up-to-date']);
    });
  });

  it('re-applies a changed repeatable script, and refuses a changed versioned one before applying anything', async () => {
    await withWarehouse(async ({ warehouse }) => {
      warehouse.cloneDatabase('dev', 'prod');
      await deploy(warehouse, { target: 'dev', scripts: scripts(BASE) });
      const changedView = { ...BASE, 'R__views.sql': 'create or replace view staging.names as select upper(name) as name from staging.customers;' };
      const r = await deploy(warehouse, { target: 'dev', scripts: scripts(changedView) });
      assert.deepEqual(r.applied.map((a) => [a.script, a.action]), [['R__views.sql', 'reapply']]);
      await withSession(warehouse, 'dev', async (s) => assert.equal(await scalar(s, 'select min(name) from staging.names'), 'ANN'));

      const state = catalogState(warehouse);
      const edited = { ...changedView, 'V2__seed.sql': "insert into staging.customers values (1, 'ann');", 'V3__more.sql': "insert into staging.customers values (3, 'cat');" };
      await rejectsWithCode(deploy(warehouse, { target: 'dev', scripts: scripts(edited) }), 'DEPLOY_CHECKSUM_MISMATCH', /V2__seed\.sql \(changed since it was applied .* to dev\)/);
      assert.deepEqual(catalogState(warehouse), state);
      const dry = await deploy(warehouse, { target: 'dev', scripts: scripts(edited), dryRun: true });
      assert.deepEqual(dry.mismatches.map((m) => m.script.name), ['V2__seed.sql']);
    });
  });

  it('stops at a failing script: earlier scripts stay applied, nothing of the failing one is, and it is not logged', async () => {
    await withWarehouse(async ({ warehouse }) => {
      warehouse.cloneDatabase('dev', 'prod');
      const broken = { ...BASE, 'V3__half.sql': "create table staging.orders (id integer);\ninsert into staging.orders values ('not a number');", 'V4__later.sql': 'create table staging.later (x integer);' };
      await rejectsWithCode(deploy(warehouse, { target: 'dev', scripts: scripts(broken) }), 'SQL_EXECUTION', /^V3__half\.sql failed: .*nothing of it was applied; applied before it: V1__create_staging\.sql, V2__seed\.sql/s);
      assert.equal(await tableExists(warehouse, 'dev', 'staging', 'customers'), true);
      assert.equal(await tableExists(warehouse, 'dev', 'staging', 'orders'), false);
      assert.equal(await tableExists(warehouse, 'dev', 'staging', 'later'), false);
      assert.deepEqual((await readDeploymentLog(warehouse, 'dev')).map((e) => e.script), ['V1__create_staging.sql', 'V2__seed.sql']);
    });
  });

  it('refuses scripts that reach beyond their database or manage their own transaction, applying nothing of them', async () => {
    await withWarehouse(async ({ warehouse }) => {
      warehouse.cloneDatabase('dev', 'prod');
      await deploy(warehouse, { target: 'dev', scripts: scripts({ 'V1__base.sql': 'create schema staging;' }) });
      const state = catalogState(warehouse);
      const attempt = (text: string) => deploy(warehouse, { target: 'dev', scripts: scripts({ 'V1__base.sql': 'create schema staging;', 'V2__bad.sql': text }) });
      await rejectsWithCode(attempt('create table staging.t (x integer);\ncreate database other;'), 'DEPLOY_DATABASE_STATEMENT', /V2__bad.sql:2: create database other is not allowed/);
      await rejectsWithCode(attempt('create table staging.t (x integer);\nalter database prod swap with dev;'), 'DEPLOY_DATABASE_STATEMENT');
      await rejectsWithCode(attempt('begin;\ncreate table staging.t (x integer);\ncommit;'), 'DEPLOY_SCRIPT_TRANSACTION');
      await rejectsWithCode(attempt("insert into mayfly.deployments (script) values ('forged');"), 'DEPLOY_SCRIPT_FORBIDDEN');
      await rejectsWithCode(attempt("create table staging.t as select * from read_csv('/etc/passwd');"), 'DEPLOY_SCRIPT_FORBIDDEN');
      assert.deepEqual(catalogState(warehouse), state);
    });
  });

  it('changes the clone, not production, when a script deployed to a clone names production explicitly', async () => {
    await withWarehouse(async ({ warehouse }) => {
      await deploy(warehouse, { target: 'prod', scripts: scripts(BASE), allowProduction: true });
      warehouse.cloneDatabase('dev', 'prod');
      const prodCommit = warehouse.database('prod').commitId;
      await deploy(warehouse, { target: 'dev', scripts: scripts({ ...BASE, 'V3__fix.sql': "update prod.staging.customers set name = 'fixed' where id = 1;\ncreate table prod.staging.extra as select 1 as x;" }) });
      assert.equal(warehouse.database('prod').commitId, prodCommit);
      await withSession(warehouse, 'dev', async (s) => {
        assert.equal(await scalar(s, 'select name from staging.customers where id = 1'), 'fixed');
        assert.equal(await count(s, 'staging.extra'), 1);
      });
    });
  });

  it('applies each script once when two deployments to one database race', async () => {
    await withWarehouse(async ({ warehouse }) => {
      warehouse.cloneDatabase('dev', 'prod');
      const all = scripts(BASE);
      const results = await Promise.allSettled([deploy(warehouse, { target: 'dev', scripts: all }), deploy(warehouse, { target: 'dev', scripts: all })]);
      const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => String(r.reason));
      assert.deepEqual(failures, []);
      const log = await readDeploymentLog(warehouse, 'dev');
      assert.deepEqual(log.map((e) => e.script), ['V1__create_staging.sql', 'V2__seed.sql', 'R__views.sql']);
      await withSession(warehouse, 'dev', async (s) => assert.equal(await count(s, 'staging.customers'), 2));
    });
  });

  it('re-applies a clone’s own deployments after a refresh, skipping what its source deployed meanwhile', async () => {
    await withWarehouse(async ({ warehouse }) => {
      await deploy(warehouse, { target: 'prod', scripts: scripts(BASE), allowProduction: true });
      warehouse.cloneDatabase('squad_c', 'prod');
      const own = { ...BASE, 'V3__add_email.sql': 'alter table staging.customers add column email varchar;', 'V4__index_table.sql': 'create table staging.lookup (id integer);' };
      await deploy(warehouse, { target: 'squad_c', scripts: scripts(own) });
      // Production moves on: new rows, and V3 deployed there too (the squad's change was released).
      await withSession(warehouse, 'prod', (s) => s.run("insert into staging.customers values (3, 'cat')"));
      await deploy(warehouse, { target: 'prod', scripts: scripts({ ...BASE, 'V3__add_email.sql': own['V3__add_email.sql'] }), allowProduction: true });

      const replayer = new WarehouseDeploymentReplayer(warehouse);
      const captured = await replayer.capture('squad_c', 'prod');
      assert.deepEqual((captured.scripts as readonly { name: string }[]).map((s) => s.name), ['V3__add_email.sql', 'V4__index_table.sql']);
      warehouse.cloneDatabase('squad_c', 'prod', { replace: true });
      const replayed = await replayer.replay('squad_c', JSON.parse(JSON.stringify(captured)));
      assert.deepEqual(replayed, ['V4__index_table.sql']);
      await withSession(warehouse, 'squad_c', async (s) => {
        assert.equal(await count(s, 'staging.customers'), 3);
        assert.deepEqual(await rows(s, 'select count(*) as n from staging.lookup'), [{ n: 0 }]);
      });
      await rejectsWithCode(replayer.replay('squad_c', { nonsense: true }), 'DEPLOY_REPLAY_INVALID');
    });
  });

  it('`clone refresh --reapply` through the wired lifecycle resets the clone and re-applies its own deployment', async () => {
    await withWarehouse(async ({ mayfly, warehouse }) => {
      await deploy(warehouse, { target: 'prod', scripts: scripts(BASE), allowProduction: true });
      await mayfly.lifecycle.create({ name: 'squad_c_sprint1', scope: 'squad:c', ttl: '7d' });
      await deploy(warehouse, { target: 'squad_c_sprint1', scripts: scripts({ ...BASE, 'V3__lookup.sql': 'create table staging.lookup (id integer);' }) });
      await withSession(warehouse, 'prod', (s) => s.run("insert into staging.customers values (3, 'cat')"));
      const r = await mayfly.lifecycle.refresh('squad_c_sprint1', { reapply: true });
      assert.deepEqual(r.reapplied, ['V3__lookup.sql']);
      assert.ok(await tableExists(warehouse, 'squad_c_sprint1', 'staging', 'lookup'));
      await withSession(warehouse, 'squad_c_sprint1', async (s) => assert.equal(await count(s, 'staging.customers'), 3));
      assert.equal(await tableExists(warehouse, 'prod', 'staging', 'lookup'), false);
    });
  });

  it('refuses to replay a clone’s script when its source applied the same version with other text', async () => {
    await withWarehouse(async ({ warehouse }) => {
      await deploy(warehouse, { target: 'prod', scripts: scripts(BASE), allowProduction: true });
      warehouse.cloneDatabase('squad_c', 'prod');
      await deploy(warehouse, { target: 'squad_c', scripts: scripts({ ...BASE, 'V3__x.sql': 'create table staging.mine (x integer);' }) });
      await deploy(warehouse, { target: 'prod', scripts: scripts({ ...BASE, 'V3__y.sql': 'create table staging.theirs (x integer);' }), allowProduction: true });
      const replayer = new WarehouseDeploymentReplayer(warehouse);
      const captured = await replayer.capture('squad_c', 'prod');
      warehouse.cloneDatabase('squad_c', 'prod', { replace: true });
      const state = catalogState(warehouse);
      await rejectsWithCode(replayer.replay('squad_c', captured), 'DEPLOY_REPLAY_CONFLICT', /V3__x\.sql/);
      assert.deepEqual(catalogState(warehouse), state);
    });
  });
});
