import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';

const MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const FIXTURE = fileURLToPath(new URL('../../test/fixtures/dag-basic', import.meta.url));
const project = mkdtempSync(join(tmpdir(), 'mayfly-dag-cli-'));
const home = join(project, '.mayfly');

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built CLI in the project folder (its mayfly.yaml is read from there). */
function mayfly(...args: string[]): Run {
  const env = { ...process.env };
  delete env.MAYFLY_HOME;
  const r = spawnSync(process.execPath, [MAIN, ...args, '--home', home], { encoding: 'utf8', cwd: project, env });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs with --json, expects success, and parses stdout. */
function json<T>(...args: string[]): T {
  const r = mayfly(...args, '--json');
  assert.equal(r.code, 0, `mayfly ${args.join(' ')} failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/** Runs with --json, expects a user error, and returns the error object. */
function jsonError(...args: string[]): { code: string; message: string } & Record<string, unknown> {
  const r = mayfly(...args, '--json');
  assert.equal(r.code, 1, `expected mayfly ${args.join(' ')} to fail: ${r.stdout}`);
  return (JSON.parse(r.stdout) as { error: { code: string; message: string } & Record<string, unknown> }).error;
}

before(() => {
  cpSync(FIXTURE, project, { recursive: true });
  writeFileSync(join(project, 'mayfly.yaml'), 'dags:\n  core:\n    select: [core]\n    threads: 3\n');
  assert.equal(mayfly('init').code, 0);
});
after(() => rmSync(project, { recursive: true, force: true }));

describe('mayfly deploy and dag commands', () => {
  it('deploys the project’s migrations: a plan first, production only with --prod, then the log', () => {
    const plan = json<{ steps: { script: string; action: string }[] }>('deploy', '--db', 'prod', '--dry-run');
    assert.deepEqual(plan.steps.map((s) => [s.script, s.action]), [
      ['V1__create_staging.sql', 'apply'],
      ['V2__seed_customers.sql', 'apply'],
      ['R__views.sql', 'apply'],
    ]);
    assert.equal(jsonError('deploy', '--db', 'prod').code, 'DEPLOY_PROD_REQUIRES_FLAG');
    const text = mayfly('deploy', '--db', 'prod', '--prod');
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /applied 3 scripts to prod in /);
    const log = json<{ script: string; appliedTo: string }[]>('deployments', '--db', 'prod');
    assert.deepEqual(log.map((e) => e.script), ['V1__create_staging.sql', 'V2__seed_customers.sql', 'R__views.sql']);
    assert.equal(jsonError('deploy', '--db', 'prod', 'no-such-folder', '--prod').code, 'DEPLOY_DIR_NOT_FOUND');
  });

  it('runs a named DAG against a clone, records it, and shows it', () => {
    assert.equal(mayfly('sql', 'create database dev clone prod').code, 0);
    const run = json<{ id: string; status: string; threads: number; models: { id: string; status: string; sql?: string }[] }>('dag', 'run', 'core', '--db', 'dev');
    assert.equal(run.status, 'succeeded');
    assert.equal(run.threads, 3);
    assert.deepEqual(run.models.map((m) => m.id).sort(), ['core.customers', 'core.order_log', 'core.order_totals']);
    assert.equal(run.models[0]?.sql, undefined);
    const runs = json<{ id: string }[]>('dag', 'runs', '--db', 'dev');
    assert.deepEqual(runs.map((r) => r.id), [run.id]);
    const shown = json<{ id: string; models: { sql?: string }[] }>('dag', 'show', run.id.slice(0, 15), '--sql');
    assert.equal(shown.id, run.id);
    assert.ok(shown.models.every((m) => typeof m.sql === 'string'));
    const text = mayfly('dag', 'show', 'last');
    assert.match(text.stdout, /status:\s+succeeded \(3 built, 0 failed, 0 skipped\)/);
  });

  it('exits 1 with DAG_RUN_FAILED and the run when a model fails', () => {
    assert.equal(mayfly('sql', '--db', 'dev', "update staging.customers set code = 'x' where id = 1").code, 0);
    const r = mayfly('dag', 'run', '--db', 'dev');
    assert.equal(r.code, 1);
    assert.match(r.stdout, /FAILED\s+mart\.codes/);
    assert.match(r.stdout, /skipped\s+mart\.code_report\s+UPSTREAM_FAILED/);
    assert.match(r.stderr, /error \[DAG_RUN_FAILED\]: run \S+ against dev failed: model mart\.codes failed/);
    const error = jsonError('dag', 'run', '--db', 'dev', '--select', '+mart.code_report');
    assert.equal(error.code, 'DAG_RUN_FAILED');
    const failed = error.run as { models: { id: string; status: string }[] };
    assert.deepEqual(failed.models.map((m) => [m.id, m.status]), [
      ['mart.codes', 'failed'],
      ['mart.code_report', 'skipped'],
    ]);
  });

  it('lists DAGs and a DAG’s models in run order, and refuses bad arguments', () => {
    const list = json<{ dags: { name: string }[] }>('dag', 'list');
    assert.deepEqual(list.dags.map((d) => d.name), ['core']);
    const models = json<{ models: { id: string; dependsOn: string[] }[] }>('dag', 'list', 'core');
    assert.deepEqual(models.models.map((m) => m.id), ['core.customers', 'core.order_log', 'core.order_totals']);
    assert.equal(jsonError('dag', 'run', '--db', 'dev', '--select', 'nope').code, 'DAG_SELECT_UNKNOWN');
    assert.equal(jsonError('dag', 'run', 'nightly', '--db', 'dev').code, 'DAG_NOT_FOUND');
    assert.equal(jsonError('dag', 'run').code, 'USAGE');
    assert.equal(jsonError('dag', 'run', '--db', 'dev', '--threads', 'many').code, 'USAGE');
    assert.equal(jsonError('dag', 'show', 'no-such-run').code, 'DAG_RUN_NOT_FOUND');
  });
});
