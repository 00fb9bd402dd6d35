import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import type { Warehouse } from '../src/index.js';
import type { OrchestrateProject } from '../src/orchestrate/dag-definition.js';
import { DAG_RUN_KIND, listDagRuns, type DagRunRecord } from '../src/orchestrate/dag-run-history.js';
import { DAG_LOCK_KIND, STALE_AFTER_MS, dagLockOf } from '../src/orchestrate/dag-run-lock.js';
import { runDag } from '../src/orchestrate/dag-runner.js';
import { loadConfig } from '../src/config/mayfly-config.js';
import { orchestrateProject } from '../src/orchestrate/dag-definition.js';
import { deploy } from '../src/orchestrate/deployer.js';
import { readDeploymentScripts } from '../src/orchestrate/deployment-scripts.js';
import { startWorker } from './helpers/processes.js';
import { catalogState, rejectsWithCode, rows, scalar, withSession, withWarehouse } from './helpers/warehouse.js';

const FIXTURE = fileURLToPath(new URL('../../test/fixtures/dag-basic', import.meta.url));
const SAMPLE = fileURLToPath(new URL('../../examples/datavault', import.meta.url));
const scratch: string[] = [];
after(() => scratch.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** The fixture project (or a copy of it) as orchestration reads it. */
function projectAt(dir: string, dags: OrchestrateProject['dags'] = {}): OrchestrateProject {
  return { projectDir: dir, modelsDir: join(dir, 'models'), deploymentsDir: join(dir, 'migrations'), dags, production: 'prod' };
}

const PROJECT = projectAt(FIXTURE);

/** Production with the fixture's staging tables and rows (deployed through its migrations). */
async function prepareProduction(warehouse: Warehouse): Promise<void> {
  await deploy(warehouse, { target: 'prod', scripts: readDeploymentScripts(PROJECT.deploymentsDir), allowProduction: true });
}

/** A copy of the fixture with some model files replaced or added. */
function projectWith(files: Record<string, string>): OrchestrateProject {
  const dir = mkdtempSync(join(tmpdir(), 'mayfly-dag-project-'));
  scratch.push(dir);
  cpSync(FIXTURE, dir, { recursive: true });
  for (const [path, sql] of Object.entries(files)) writeFileSync(join(dir, 'models', path), sql);
  return projectAt(dir);
}

function statuses(run: DagRunRecord): Record<string, string> {
  return Object.fromEntries(run.models.map((m) => [m.id, m.status]));
}

function model(run: DagRunRecord, id: string): DagRunRecord['models'][number] {
  const m = run.models.find((x) => x.id === id);
  assert.ok(m, `run has no model ${id}`);
  return m;
}

describe('DAG runs', () => {
  it('builds every model in a clone, where even a model naming production reads the clone, and production keeps its commit', async () => {
    await withWarehouse(async ({ warehouse }) => {
      await prepareProduction(warehouse);
      warehouse.cloneDatabase('dev', 'prod');
      await withSession(warehouse, 'dev', (s) => s.run("update staging.customers set name = 'zed' where id = 3; insert into staging.customers values (4, 'dan', '40')"));
      const prodCommit = warehouse.database('prod').commitId;

      const run = await runDag(warehouse, PROJECT, { target: 'dev' });

      assert.equal(run.status, 'succeeded', JSON.stringify(run.models.filter((m) => m.error)));
      assert.ok(run.models.every((m) => m.status === 'succeeded'));
      assert.equal(warehouse.database('prod').commitId, prodCommit);
      assert.equal(warehouse.tables('prod').some((t) => t.schema === 'core' || t.schema === 'mart'), false);
      await withSession(warehouse, 'dev', async (s) => {
        assert.equal(await scalar(s, 'select name_upper from core.customers where id = 3'), 'ZED');
        assert.equal(await scalar(s, 'select customers from mart.prod_named'), 4);
        // cross_database=true reads production on purpose; its table is still written to the clone.
        assert.equal(await scalar(s, 'select customers from mart.prod_reference'), 3);
        assert.deepEqual(await rows(s, 'select customers, revenue::double as revenue from mart.summary'), [{ customers: 4, revenue: 13.75 }]);
      });
      assert.equal(model(run, 'core.customers').rows, 4);
      assert.equal(model(run, 'mart.summary').rows, null);
      const [recorded] = listDagRuns(warehouse.control, { target: 'dev' });
      assert.equal(recorded?.id, run.id);
      assert.equal(recorded?.status, 'succeeded');
      assert.match(model(run, 'core.customers').sql ?? '', /from staging\.customers/);
      assert.equal(dagLockOf(warehouse.control, 'dev'), undefined);
    });
  });

  it('appends and merges incremental models on later runs, and rebuilds them with a full refresh', async () => {
    await withWarehouse(async ({ warehouse }) => {
      await prepareProduction(warehouse);
      warehouse.cloneDatabase('dev', 'prod');
      await runDag(warehouse, PROJECT, { target: 'dev', select: ['core'] });
      await withSession(warehouse, 'dev', (s) => s.run('insert into staging.orders values (4, 2, 10.00), (5, 3, 1.00)'));

      const second = await runDag(warehouse, PROJECT, { target: 'dev', select: ['core'] });
      assert.deepEqual([model(second, 'core.order_log').action, model(second, 'core.order_log').rows], ['appended', 2]);
      assert.deepEqual([model(second, 'core.order_totals').action, model(second, 'core.order_totals').rows, model(second, 'core.order_totals').rowsReplaced], ['merged', 2, 1]);
      await withSession(warehouse, 'dev', async (s) => {
        assert.deepEqual(await rows(s, 'select customer_id, total::double as total from core.order_totals order by 1'), [
          { customer_id: 1, total: 12.5 },
          { customer_id: 2, total: 11.25 },
          { customer_id: 3, total: 1 },
        ]);
        assert.equal(await scalar(s, 'select count(*) from core.order_log'), 5);
      });
      // The merge's working table lived only inside its transaction.
      assert.deepEqual(warehouse.tables('dev').filter((t) => t.name.startsWith('mf_')), []);

      const full = await runDag(warehouse, PROJECT, { target: 'dev', select: ['core.order_log'], fullRefresh: true });
      assert.deepEqual([model(full, 'core.order_log').action, model(full, 'core.order_log').rows], ['replaced', 5]);
    });
  });

  it('skips the models downstream of a failed one and leaves the target consistent', async () => {
    await withWarehouse(async ({ warehouse }) => {
      await prepareProduction(warehouse);
      warehouse.cloneDatabase('dev', 'prod');
      await runDag(warehouse, PROJECT, { target: 'dev' });
      const before = await withSession(warehouse, 'dev', (s) => rows(s, 'select * from mart.code_report'));
      await withSession(warehouse, 'dev', (s) => s.run("update staging.customers set code = 'x' where id = 2; insert into staging.customers values (5, 'eve', '50')"));

      const run = await runDag(warehouse, PROJECT, { target: 'dev', threads: 3 });

      assert.equal(run.status, 'failed');
      assert.equal(statuses(run)['mart.codes'], 'failed');
      assert.match(model(run, 'mart.codes').error?.message ?? '', /x/);
      assert.deepEqual([statuses(run)['mart.code_report'], model(run, 'mart.code_report').error?.code], ['skipped', 'UPSTREAM_FAILED']);
      assert.equal(statuses(run)['core.customers'], 'succeeded');
      await withSession(warehouse, 'dev', async (s) => {
        // The failed model's table and its downstream table are as the last good run left them; the others moved on.
        assert.equal(await scalar(s, 'select count(*) from mart.codes'), 3);
        assert.deepEqual(await rows(s, 'select * from mart.code_report'), before);
        assert.equal(await scalar(s, 'select count(*) from core.customers'), 4);
      });
    });
  });

  it('runs two DAGs on two clones at once without either seeing the other', async () => {
    await withWarehouse(async ({ warehouse }) => {
      await prepareProduction(warehouse);
      warehouse.cloneDatabase('squad_a', 'prod');
      warehouse.cloneDatabase('squad_b', 'prod');
      await withSession(warehouse, 'squad_a', (s) => s.run("update staging.customers set name = 'alpha' where id = 1"));
      await withSession(warehouse, 'squad_b', (s) => s.run("delete from staging.customers where id = 1; insert into staging.orders values (9, 2, 100.00)"));
      const prodCommit = warehouse.database('prod').commitId;

      const [a, b] = await Promise.all([runDag(warehouse, PROJECT, { target: 'squad_a' }), runDag(warehouse, PROJECT, { target: 'squad_b' })]);

      assert.deepEqual([a.status, b.status], ['succeeded', 'succeeded']);
      assert.notEqual(a.id, b.id);
      await withSession(warehouse, 'prod', async (s) => {
        assert.deepEqual(await rows(s, 'select id, name_upper from squad_a.core.customers order by id'), [
          { id: 1, name_upper: 'ALPHA' },
          { id: 2, name_upper: 'BOB' },
          { id: 3, name_upper: 'CAT' },
        ]);
        assert.equal(await scalar(s, 'select count(*) from squad_b.core.customers'), 2);
        assert.equal(await scalar(s, 'select customers from squad_b.mart.prod_named'), 2);
        assert.deepEqual(await rows(s, 'select customers, revenue::double as revenue from squad_a.mart.summary'), [{ customers: 3, revenue: 13.75 }]);
        assert.deepEqual(await rows(s, 'select customers, revenue::double as revenue from squad_b.mart.summary'), [{ customers: 2, revenue: 101.25 }]);
      });
      assert.equal(warehouse.database('prod').commitId, prodCommit);
    });
  });

  it('runs DAGs against two clones from two processes at once', async () => {
    await withWarehouse(async ({ warehouse, home }) => {
      await prepareProduction(warehouse);
      warehouse.cloneDatabase('squad_c', 'prod');
      warehouse.cloneDatabase('squad_d', 'prod');
      await withSession(warehouse, 'squad_d', (s) => s.run("insert into staging.customers values (7, 'gus', '70')"));
      const prodCommit = warehouse.database('prod').commitId;
      const workers = ['squad_c', 'squad_d'].map((t) => startWorker('dag-worker', [home, t, FIXTURE]));
      await Promise.all(workers.map((w) => w.waitForLine('ready')));
      for (const w of workers) w.child.stdin?.write('go\n');
      const exits = await Promise.all(workers.map((w) => w.exited()));
      const reports = workers.map((w, i) => {
        assert.equal(exits[i]?.code, 0, w.stderr());
        return JSON.parse(w.stdout().trim().split('\n').pop() ?? '') as { status: string };
      });
      assert.deepEqual(reports.map((r) => r.status), ['succeeded', 'succeeded']);
      await withSession(warehouse, 'prod', async (s) => {
        assert.equal(await scalar(s, 'select count(*) from squad_c.core.customers'), 3);
        assert.equal(await scalar(s, 'select count(*) from squad_d.core.customers'), 4);
      });
      assert.equal(warehouse.database('prod').commitId, prodCommit);
      assert.equal(listDagRuns(warehouse.control).length, 2);
    });
  });

  it('refuses a second run against the same target, and takes over the lock of a run whose process died', async () => {
    await withWarehouse(async ({ warehouse, clock }) => {
      await prepareProduction(warehouse);
      warehouse.cloneDatabase('dev', 'prod');
      const results = await Promise.allSettled([runDag(warehouse, PROJECT, { target: 'dev' }), runDag(warehouse, PROJECT, { target: 'dev' })]);
      assert.deepEqual(results.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
      const refused = results.find((r) => r.status === 'rejected');
      await rejectsWithCode(Promise.reject(refused?.reason), 'DAG_RUN_IN_PROGRESS', new RegExp(`already running against dev \\(pid ${process.pid} on `));

      // A run whose process is gone: its lock is stale, the next run takes it over and marks it interrupted.
      const dead = spawnSync(process.execPath, ['-e', '']).pid ?? 0;
      const now = clock.now();
      warehouse.control.putRecord(DAG_RUN_KIND, 'crashed-run', { id: 'crashed-run', status: 'running', target: 'dev', models: [] });
      warehouse.control.putRecord(DAG_LOCK_KIND, 'dev', { target: 'dev', runId: 'crashed-run', pid: dead, host: hostname(), startedAt: now, heartbeatAt: now });
      const run = await runDag(warehouse, PROJECT, { target: 'dev', select: ['core.customers'] });
      assert.equal(run.status, 'succeeded');
      assert.equal(warehouse.control.getRecord<DagRunRecord>(DAG_RUN_KIND, 'crashed-run')?.status, 'interrupted');

      // A lock held on another machine counts while its heartbeat is fresh, and is stale once it is old.
      warehouse.control.putRecord(DAG_LOCK_KIND, 'dev', { target: 'dev', runId: 'remote-run', pid: 1, host: 'elsewhere', startedAt: now, heartbeatAt: now });
      await rejectsWithCode(runDag(warehouse, PROJECT, { target: 'dev' }), 'DAG_RUN_IN_PROGRESS', /remote-run .* on elsewhere/);
      clock.advance(STALE_AFTER_MS + 1);
      assert.equal((await runDag(warehouse, PROJECT, { target: 'dev', select: ['core.customers'] })).status, 'succeeded');
    });
  });

  it('stops starting models when cancelled; the running one finishes and the rest are skipped', async () => {
    await withWarehouse(async ({ warehouse }) => {
      await prepareProduction(warehouse);
      warehouse.cloneDatabase('dev', 'prod');
      const abort = new AbortController();
      const run = await runDag(warehouse, PROJECT, {
        target: 'dev',
        threads: 1,
        signal: abort.signal,
        onEvent: (e) => {
          if (e.kind === 'model-finished') abort.abort();
        },
      });
      assert.equal(run.status, 'cancelled');
      assert.equal(run.models.filter((m) => m.status === 'succeeded').length, 1);
      assert.ok(run.models.filter((m) => m.status === 'skipped').every((m) => m.error?.code === 'CANCELLED'));
      assert.equal(dagLockOf(warehouse.control, 'dev'), undefined);
    });
  });

  it('refuses bad input before anything runs, changing nothing', async () => {
    await withWarehouse(async ({ warehouse }) => {
      await prepareProduction(warehouse);
      warehouse.cloneDatabase('dev', 'prod');
      const state = catalogState(warehouse);
      const cases: [Promise<unknown>, string, RegExp?][] = [
        [runDag(warehouse, PROJECT, { target: 'dev', select: ['core.custmers'] }), 'DAG_SELECT_UNKNOWN'],
        [runDag(warehouse, PROJECT, { target: 'dev', dag: 'nightly' }), 'DAG_NOT_FOUND', /no DAG named nightly/],
        [runDag(warehouse, PROJECT, { target: 'dev', version: 'v2' }), 'DAG_VERSION_UNKNOWN'],
        [runDag(warehouse, PROJECT, { target: 'nowhere' }), 'DB_NOT_FOUND'],
        [runDag(warehouse, PROJECT, { target: 'dev', threads: 0 }), 'DAG_THREADS_INVALID'],
        [runDag(warehouse, projectWith({ 'core/customers.sql': "select * from {{ ref('mart.summary') }}" }), { target: 'dev' }), 'DAG_CYCLE', /core\.customers → mart\.summary → core\.customers/],
        [runDag(warehouse, projectWith({ 'mart/extra.sql': "select * from {{ ref('core.nope') }}" }), { target: 'dev' }), 'MODEL_REF_UNKNOWN', /models\/mart\/extra\.sql:1/],
        [runDag(warehouse, projectWith({ 'mart/extra.sql': "{{ config(materialized='snapshot') }} select 1" }), { target: 'dev' }), 'MODEL_CONFIG_INVALID'],
        [runDag(warehouse, projectAt(FIXTURE, { nightly: { select: ['core'], version: 'v9' } }), { target: 'dev', dag: 'nightly' }), 'DAG_VERSION_UNKNOWN'],
      ];
      for (const [action, code, message] of cases) await rejectsWithCode(action, code, message);
      assert.deepEqual(catalogState(warehouse), state);
      assert.equal(listDagRuns(warehouse.control).length, 0);
    });
  });

  it('runs a named DAG: its selection and threads, narrowed further by --select', async () => {
    await withWarehouse(async ({ warehouse }) => {
      await prepareProduction(warehouse);
      warehouse.cloneDatabase('dev', 'prod');
      const project = projectAt(FIXTURE, { core_only: { select: ['core'], threads: 3 } });
      const run = await runDag(warehouse, project, { target: 'dev', dag: 'core_only' });
      assert.deepEqual(run.models.map((m) => m.id).sort(), ['core.customers', 'core.order_log', 'core.order_totals']);
      assert.equal(run.threads, 3);
      const narrowed = await runDag(warehouse, project, { target: 'dev', dag: 'core_only', select: ['+core.order_totals'] });
      assert.deepEqual(narrowed.models.map((m) => m.id), ['core.customers', 'core.order_totals']);
      await rejectsWithCode(runDag(warehouse, project, { target: 'dev', dag: 'core_only', select: ['mart.codes'] }), 'DAG_SELECT_EMPTY');
    });
  });

  it('runs the sample data vault: production keeps V1 while a clone runs V2', async () => {
    await withWarehouse(async ({ warehouse, home }) => {
      const project = orchestrateProject(loadConfig({ configPath: join(SAMPLE, 'mayfly.yaml'), home }));
      await deploy(warehouse, { target: 'prod', scripts: readDeploymentScripts(project.deploymentsDir), allowProduction: true });
      await withSession(warehouse, 'prod', (s) =>
        s.run(`insert into staging.customers_a select range, 'c' || range, 'c' || range || '@x.org', 'NL', date '2024-01-01', date '2025-01-01' from range(40);
          insert into staging.orders_a select range, range % 40, date '2025-01-01', 100 + range, case when range % 5 = 0 then 'cancelled' else 'open' end, date '2025-01-01' from range(120);
          insert into staging.payments_b select range, range, timestamp '2025-01-02 10:00:00', 50, 'card', date '2025-01-02' from range(60)`),
      );
      const v1 = await runDag(warehouse, project, { target: 'prod', dag: 'datavault' });
      assert.equal(v1.status, 'succeeded', JSON.stringify(v1.models.filter((m) => m.error)));
      assert.equal(v1.version, 'v1');
      assert.equal(v1.models.length, 8);
      warehouse.cloneDatabase('squad_c_v2', 'prod');
      const prodCommit = warehouse.database('prod').commitId;

      const v2 = await runDag(warehouse, project, { target: 'squad_c_v2', dag: 'datavault', version: 'v2' });

      assert.equal(v2.status, 'succeeded', JSON.stringify(v2.models.filter((m) => m.error)));
      assert.equal(warehouse.database('prod').commitId, prodCommit);
      // V2 holds only the model it changes; the other seven come from V1.
      assert.equal(v2.models.length, 8);
      await withSession(warehouse, 'prod', async (s) => {
        const columns = async (db: string): Promise<unknown[]> => (await rows(s, `describe ${db}.pl.customer_summary`)).map((r) => r.column_name);
        assert.equal((await columns('prod')).includes('value_segment'), false);
        assert.equal((await columns('squad_c_v2')).includes('value_segment'), true);
        assert.equal(await scalar(s, 'select count(*) from (select * from prod.bdv.customer_value except select * from squad_c_v2.bdv.customer_value)'), 0);
        assert.equal(await scalar(s, 'select count(*) from squad_c_v2.pl.customer_summary'), 40);
      });
      // New data in the clone only: the incremental hubs and satellites add it; production stays as it was.
      await withSession(warehouse, 'squad_c_v2', (s) => s.run("insert into staging.customers_a values (1000, 'new', 'n@x.org', 'DE', date '2025-01-02', date '2025-01-02')"));
      const again = await runDag(warehouse, project, { target: 'squad_c_v2', dag: 'datavault', version: 'v2' });
      assert.deepEqual([model(again, 'rdv.hub_customer').action, model(again, 'rdv.hub_customer').rows], ['appended', 1]);
      assert.equal(warehouse.database('prod').commitId, prodCommit);
    });
  });

  it('switches a model between view and table in one commit, and asks for a full refresh when an incremental query gains a column', async () => {
    await withWarehouse(async ({ warehouse }) => {
      await prepareProduction(warehouse);
      warehouse.cloneDatabase('dev', 'prod');
      await runDag(warehouse, PROJECT, { target: 'dev', select: ['+mart.summary', 'core.order_log'] });
      const asTable = projectWith({
        'mart/summary.sql': "{{ config(materialized='table') }} select count(*) as customers from {{ ref('core.customers') }}",
        'core/order_log.sql': "{{ config(materialized='incremental') }} select id, customer_id, amount, 'new' as note from staging.orders {% if is_incremental() %} where id > (select max(id) from {{ this }}) {% endif %}",
      });
      const run = await runDag(warehouse, asTable, { target: 'dev', select: ['mart.summary', 'core.order_log'] });
      assert.deepEqual([model(run, 'mart.summary').status, model(run, 'mart.summary').action, model(run, 'mart.summary').rows], ['succeeded', 'replaced', 1]);
      assert.equal(warehouse.tables('dev').find((t) => t.schema === 'mart' && t.name === 'summary')?.kind, 'table');
      assert.deepEqual([model(run, 'core.order_log').status, model(run, 'core.order_log').error?.code], ['failed', 'MODEL_SCHEMA_CHANGED']);
      assert.match(model(run, 'core.order_log').error?.message ?? '', /column\(s\) note .* --full-refresh/);
      const rebuilt = await runDag(warehouse, asTable, { target: 'dev', select: ['core.order_log'], fullRefresh: true });
      assert.equal(model(rebuilt, 'core.order_log').status, 'succeeded');
      const back = await runDag(warehouse, PROJECT, { target: 'dev', select: ['mart.summary'] });
      assert.equal(model(back, 'mart.summary').status, 'succeeded');
      assert.equal(warehouse.tables('dev').find((t) => t.schema === 'mart' && t.name === 'summary')?.kind, 'view');
    });
  });
});
