import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { makeProject, removeProject } from './workers/reap-fixture.js';

const MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const project = makeProject(`
clones:
  scopes:
    squad: { defaultTtl: 14d, maxTtl: 30d, maxActive: 5 }
`);

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built CLI on the test project as user ann. */
function mayfly(args: readonly string[], config = project.configPath): Run {
  const env: NodeJS.ProcessEnv = { ...process.env, MAYFLY_USER: 'ann' };
  delete env.MAYFLY_HOME;
  const r = spawnSync(process.execPath, [MAIN, ...args, '--config', config, '--home', project.home], { encoding: 'utf8', cwd: project.dir, env });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

type Json = Record<string, unknown>;

function json(args: readonly string[]): Json & Json[] {
  const r = mayfly([...args, '--json']);
  assert.equal(r.code, 0, `mayfly ${args.join(' ')} failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as Json & Json[];
}

function fails(args: readonly string[], code: string, message?: RegExp, config?: string): void {
  const r = mayfly(args, config);
  assert.equal(r.code, 1, `expected exit 1 from ${args.join(' ')}: ${r.stdout}${r.stderr}`);
  assert.match(r.stderr, new RegExp(`^error \\[${code}\\]`));
  if (message) assert.match(r.stderr, message);
}

before(() => {
  assert.equal(mayfly(['init']).code, 0);
  assert.equal(mayfly(['sql', 'create table orders as select range as id from range(1000)']).code, 0);
});
after(() => removeProject(project));

describe('mayfly clone commands', () => {
  test('create records scope, owner, purpose and expiry; bad input exits 1 with a stable code', () => {
    const created = json(['clone', 'create', 'squad_c_sprint42', '--purpose', 'sprint 42', '--ticket', 'JIRA-42']);
    const clone = created.clone as Json;
    assert.deepEqual([clone.scope, clone.owner, clone.purpose, clone.ticket, clone.ttlDays], ['squad:c', 'ann', 'sprint 42', 'JIRA-42', 14]);
    assert.equal(created.tables, 1);
    const text = mayfly(['clone', 'create', 'squad_d_big', '--ttl', '20d', '--owner', 'bob']);
    assert.match(text.stdout, /^created clone squad_d_big of prod \(1 table, 0 bytes copied\) in .*\nscope squad:d, owner bob, expires /);
    fails(['clone', 'create', 'squad_c_long', '--ttl', '60d'], 'TTL_TOO_LONG', /maximum for squad clones: 30d/);
    fails(['clone', 'create', 'team_c_x', '--scope', 'team:c'], 'UNKNOWN_SCOPE_KIND', /squad:<id>, family:<id>, cross-family:<id>/);
    fails(['clone', 'create', 'dev1'], 'INVALID_CLONE_NAME', /\{scope\}_\{id\}_\{slug\}/);
  });

  test('list filters by scope, owner and state, sorts, and shows days left and the retention deadline', () => {
    const all = json(['clone', 'list']);
    assert.deepEqual(all.map((c) => c.name), ['squad_c_sprint42', 'squad_d_big'], 'soonest expiry first');
    assert.deepEqual(json(['clone', 'list', '--owner', 'bob']).map((c) => c.name), ['squad_d_big']);
    assert.deepEqual(json(['clone', 'list', '--scope', 'squad:c']).map((c) => c.name), ['squad_c_sprint42']);
    assert.deepEqual(json(['clone', 'list', '--scope', 'family']), []);
    assert.deepEqual(json(['clone', 'list', '--state', 'expiring']), []);
    const [first] = all;
    // Squads' default idle limit (7 days) comes before their 14-day TTL.
    assert.deepEqual([first?.state, first?.dueReason, Math.round(Number(first?.daysLeft))], ['active', 'idle', 7]);
    assert.ok('retentionDeadline' in (first ?? {}));
    const text = mayfly(['clone', 'list', '--sort', 'name']);
    assert.match(text.stdout, /^name +scope +owner +state +due +left +last activity +retention deadline +exclusive +cost/);
    assert.match(text.stdout, /squad_c_sprint42 +squad:c +ann +active .* \(idle limit\) +7\.0 d /);
    fails(['clone', 'list', '--sort', 'age'], 'INVALID_SORT', /expiry, activity, size, cost, name/);
    fails(['clone', 'list', '--state', 'zombie'], 'INVALID_STATE', /active, expiring, expired, destroyed/);
  });

  test('extend, pin and unpin; show has everything, the storage split and the cost so far', () => {
    const before = Date.parse(String((json(['clone', 'show', 'squad_c_sprint42']) as Json).expiresAt));
    const extended = json(['clone', 'extend', 'squad_c_sprint42', '--ttl', '7d']).clone as Json;
    assert.equal(Date.parse(String(extended.expiresAt)) - before, 7 * 86_400_000);
    fails(['clone', 'extend', 'squad_c_sprint42', '--ttl', '20d'], 'TTL_TOO_LONG', /at most 30d from now/);
    assert.match(mayfly(['clone', 'pin', 'squad_c_sprint42', '--until', '2099-01-01']).stdout, /is pinned until 2099-01-01/);
    assert.equal(mayfly(['sql', '--db', 'squad_c_sprint42', 'update orders set id = -id where id < 10']).code, 0);
    const shown = json(['clone', 'show', 'squad_c_sprint42']);
    assert.equal(shown.pinned, true);
    const storage = shown.storage as Json;
    assert.ok(Number(storage.exclusiveBytes) > 0 && Number(storage.sharedBytes) > 0, JSON.stringify(storage));
    assert.equal(typeof (shown.cost as Json).total, 'number');
    assert.deepEqual((shown.history as Json[]).map((h) => h.event), ['created', 'extended', 'pinned']);
    const text = mayfly(['clone', 'show', 'squad_c_sprint42']).stdout;
    for (const label of ['scope', 'owner', 'purpose', 'ticket', 'source', 'expires', 'pinned until', 'last activity', 'retention deadline', 'storage', 'cost so far']) {
      assert.match(text, new RegExp(`^${label}: `, 'm'), label);
    }
    assert.match(text, /^storage: .* shared, .* exclusive \(.* retained for it\)/m);
    assert.equal((json(['clone', 'unpin', 'squad_c_sprint42']).clone as Json).pinnedUntil, null);
  });

  test('refresh reports what it discarded; destroy refuses production and non-clones', () => {
    const r = mayfly(['clone', 'refresh', 'squad_c_sprint42']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^refreshed clone squad_c_sprint42 from prod in .*; discarded 1 changed object, 10 rows written and 10 removed/);
    assert.match(r.stdout, /main\.orders +changed +1,000 +1,000 +10 +10/);
    const again = json(['clone', 'refresh', 'squad_c_sprint42']);
    assert.deepEqual((again.discarded as Json).objects, []);
    // The CLI wires the deployment replayer: a clone with no deployments of its own re-applies nothing.
    assert.deepEqual(json(['clone', 'refresh', 'squad_c_sprint42', '--reapply']).reapplied, []);
    fails(['clone', 'destroy', 'prod'], 'PROD_PROTECTED');
    assert.equal(mayfly(['sql', 'create database adhoc clone prod']).code, 0);
    fails(['clone', 'destroy', 'adhoc'], 'NOT_A_CLONE', /mayfly db drop adhoc/);
    assert.match(mayfly(['clone', 'destroy', 'squad_d_big']).stdout, /^destroyed clone squad_d_big in /);
    fails(['clone', 'refresh', 'squad_d_big'], 'CLONE_DESTROYED');
    assert.deepEqual(json(['clone', 'list', '--state', 'destroyed']).map((c) => c.name), ['squad_d_big']);
  });

  test('reap --dry-run prints the plan and changes nothing; reap reports what it did', () => {
    assert.equal(mayfly(['sql', 'drop database squad_c_sprint42']).code, 0);
    const dry = json(['reap', '--dry-run']);
    assert.deepEqual((dry.plan as Json[]).map((s) => `${String(s.action)} ${String(s.clone)}`), ['forget squad_c_sprint42']);
    assert.equal(json(['clone', 'list']).length, 1, 'the dry run changed nothing');
    const text = mayfly(['reap']);
    assert.match(text.stdout, /forget +squad_c_sprint42/);
    assert.match(text.stdout, /^reap: 1 clone examined, 1 step applied in /m);
    assert.deepEqual(json(['clone', 'list']), []);
  });

  test('a malformed clones section is refused before anything runs; help lists the commands', () => {
    const bad = join(project.dir, 'bad.yaml');
    writeFileSync(bad, 'clones:\n  scopes:\n    squad: { atExpiry: archive }\n');
    fails(['clone', 'list'], 'CONFIG_INVALID', /clones\.scopes\.squad\.atExpiry: .*"destroy"\|"refresh"/, bad);
    const help = mayfly(['help']).stdout;
    for (const c of ['clone create', 'clone list', 'clone show', 'clone extend', 'clone pin', 'clone unpin', 'clone refresh', 'clone destroy', 'reap']) {
      assert.match(help, new RegExp(`^  ${c} `, 'm'), c);
    }
  });
});
