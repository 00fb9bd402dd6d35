import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isMayflyError } from '../core/errors.js';
import type { AppliedDeployment } from './deployment-log.js';
import { planDeployment } from './deployment-plan.js';
import { checkDeploymentScript, compareVersions, readDeploymentScripts, scriptFromText, sortScripts } from './deployment-scripts.js';

const throwsCode = (fn: () => unknown, code: string, message?: RegExp): void => {
  assert.throws(fn, (e: unknown) => isMayflyError(e, code) && (message === undefined || message.test(e.message)));
};

function applied(name: string, text: string, rank: number): AppliedDeployment {
  const s = scriptFromText(name, text);
  return { rank, script: name, kind: s.kind, version: s.version, description: s.description, checksum: s.checksum, text, appliedAt: 0, appliedBy: 'ann', appliedTo: 'prod', elapsedMs: 1 };
}

describe('deployment scripts and plans', () => {
  it('parses versioned and repeatable names, and orders versions as numbers', () => {
    const v = scriptFromText('V1_10__add_index.sql', 'x');
    assert.deepEqual([v.kind, v.version, v.description], ['versioned', '1.10', 'add index']);
    assert.equal(scriptFromText('R__views.sql', 'x').version, null);
    assert.ok(compareVersions('1.10', '1.9') > 0);
    assert.equal(compareVersions('2', '2.0'), 0);
    const sorted = sortScripts(['R__b.sql', 'V10__c.sql', 'R__a.sql', 'V2__b.sql', 'V1.5__a.sql'].map((n) => scriptFromText(n, n)));
    assert.deepEqual(sorted.map((s) => s.name), ['V1.5__a.sql', 'V2__b.sql', 'V10__c.sql', 'R__a.sql', 'R__b.sql']);
    throwsCode(() => sortScripts([scriptFromText('V2__a.sql', ''), scriptFromText('V2_0__b.sql', '')]), 'DEPLOY_DUPLICATE_VERSION', /V2__a\.sql and V2_0__b\.sql/);
  });

  it('ignores CRLF line endings in checksums', () => {
    assert.equal(scriptFromText('V1__a.sql', 'select 1;\r\nselect 2;').checksum, scriptFromText('V1__a.sql', 'select 1;\nselect 2;').checksum);
  });

  it('reads a folder, refusing misnamed scripts and a missing folder', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mayfly-deploy-'));
    try {
      writeFileSync(join(dir, 'V1__a.sql'), 'create table t (x int)');
      writeFileSync(join(dir, 'README.md'), 'not a script');
      assert.deepEqual(readDeploymentScripts(dir).map((s) => s.name), ['V1__a.sql']);
      writeFileSync(join(dir, 'v2_create.sql'), '');
      throwsCode(() => readDeploymentScripts(dir), 'DEPLOY_BAD_SCRIPT_NAME', /v2_create\.sql: name scripts V<version>__<description>\.sql/);
      throwsCode(() => readDeploymentScripts(join(dir, 'nope')), 'DEPLOY_DIR_NOT_FOUND');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('plans new, applied, changed and repeatable scripts', () => {
    const log = [applied('V1__a.sql', 'one', 1), applied('V3__c.sql', 'three', 2), applied('R__v.sql', 'old view', 3), applied('V4__gone.sql', 'x', 4)];
    const scripts = sortScripts([
      scriptFromText('V1__a.sql', 'one'),
      scriptFromText('V2__b.sql', 'two'),
      scriptFromText('V3__c.sql', 'three, edited'),
      scriptFromText('V5__e.sql', 'five'),
      scriptFromText('R__v.sql', 'new view'),
      scriptFromText('R__w.sql', 'w'),
    ]);
    const plan = planDeployment(scripts, log);
    assert.deepEqual(
      plan.steps.map((s) => [s.script.name, s.action]),
      [
        ['V1__a.sql', 'up-to-date'],
        ['V2__b.sql', 'apply'],
        ['V3__c.sql', 'checksum-mismatch'],
        ['V5__e.sql', 'apply'],
        ['R__v.sql', 'reapply'],
        ['R__w.sql', 'apply'],
      ],
    );
    assert.match(plan.steps[1]?.note ?? '', /older than applied version 4/);
    assert.deepEqual(plan.mismatches.map((s) => s.script.name), ['V3__c.sql']);
    assert.deepEqual(plan.missing.map((e) => e.script), ['V4__gone.sql']);
    assert.deepEqual(planDeployment([scriptFromText('R__v.sql', 'new view')], [...log, applied('R__v.sql', 'new view', 5)]).steps[0]?.action, 'up-to-date');
  });

  it('refuses scripts that manage transactions, name the system schema or read files', () => {
    const check = (text: string): void => checkDeploymentScript(scriptFromText('V1__x.sql', text));
    throwsCode(() => check('create table t (x int);\nCOMMIT;'), 'DEPLOY_SCRIPT_TRANSACTION', /remove COMMIT/);
    throwsCode(() => check('begin; create table t (x int)'), 'DEPLOY_SCRIPT_TRANSACTION');
    throwsCode(() => check('delete from mayfly.deployments'), 'DEPLOY_SCRIPT_FORBIDDEN', /system schema mayfly/);
    throwsCode(() => check('drop schema "mayfly" cascade'), 'DEPLOY_SCRIPT_FORBIDDEN');
    throwsCode(() => check("create table t as select * from read_csv('/etc/passwd')"), 'DEPLOY_SCRIPT_FORBIDDEN', /read_csv reads files/);
    throwsCode(() => check("create table t as select * from '/etc/passwd'"), 'DEPLOY_SCRIPT_FORBIDDEN');
    // Words inside strings and comments, and CASE … END, are not statements.
    check("-- commit; mayfly\ncreate view v as select case when x then 'begin; mayfly.x' end as y from t");
  });
});
