import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { isMayflyError } from '../src/index.js';
import type { Warehouse } from '../src/index.js';
import type { OrchestrateProject } from '../src/orchestrate/dag-definition.js';
import { runDag } from '../src/orchestrate/dag-runner.js';
import { deploy } from '../src/orchestrate/deployer.js';
import { scriptFromText } from '../src/orchestrate/deployment-scripts.js';
import { catalogState, withSession, withWarehouse } from './helpers/warehouse.js';

// Issue 8: a model or a deployment script aimed at a clone hid statements from Mayfly's checks behind
// quotes the checks read differently from the session (`$$'$$ as x; ALTER DATABASE prod SWAP …`).
// The attacks are run through the real DAG runner and deployer; production and a bystander must keep
// their commits, and the user gets a clear refusal.

const FIXTURE = fileURLToPath(new URL('../../test/fixtures/dag-basic', import.meta.url));
const scratch: string[] = [];
after(() => scratch.forEach((d) => rmSync(d, { recursive: true, force: true })));

function projectWith(files: Record<string, string>): OrchestrateProject {
  const dir = mkdtempSync(join(tmpdir(), 'mayfly-smuggle-'));
  scratch.push(dir);
  cpSync(FIXTURE, dir, { recursive: true });
  for (const [path, sql] of Object.entries(files)) writeFileSync(join(dir, 'models', path), sql);
  return { projectDir: dir, modelsDir: join(dir, 'models'), deploymentsDir: join(dir, 'migrations'), dags: {}, production: 'prod' };
}

/** prod with one table, a bystander `victim` and the target clone `dev`. */
async function setUp(warehouse: Warehouse): Promise<void> {
  await withSession(warehouse, 'prod', async (s) => {
    await s.run('create schema staging; create table staging.t (x int); insert into staging.t values (1); create database victim clone prod; create database dev clone prod');
  });
}

/** Every database except `except`, with its commit. */
function othersState(warehouse: Warehouse, except = 'dev'): { name: string; commitId: string }[] {
  return catalogState(warehouse).filter((r) => r.name !== except);
}

/** A second statement hidden behind each kind of quoting and comment, as the attack on models did. */
const HIDDEN = (statement: string): string[] => [
  `select $$'$$ as x; ${statement}; select '$$' as y`,
  `select $t$'$t$ as x; ${statement}; select '$t$' as y`,
  `select $t$--$t$ as x; ${statement}; select 1 as y`,
  `select $$/*$$ as x; ${statement}; select $$*/$$ as y`,
  `select E'\\'' as x; ${statement}; select '''' as y`,
  `select 'é😀' as x /* ' */; ${statement}; select ' */' as y`,
  `select 1 as x --\r; ${statement}; select 2 as y`,
  `select "$$'" as x from (select 1 as "$$'"); ${statement}; select '$$' as y`,
];

describe('statements hidden in a model', () => {
  for (const statement of ['ALTER DATABASE prod SWAP WITH victim', 'drop database victim', 'create database evil clone prod', 'insert into prod.staging.t values (666)']) {
    it(`are refused before anything runs: ${statement}`, async () => {
      await withWarehouse(async ({ warehouse }) => {
        await setUp(warehouse);
        for (const sql of HIDDEN(statement)) {
          const before = catalogState(warehouse);
          const project = projectWith({ 'mart/attack.sql': sql });
          let error: unknown;
          try {
            await runDag(warehouse, project, { target: 'dev', select: ['mart.attack'] });
          } catch (e) {
            error = e;
          }
          assert.deepEqual(catalogState(warehouse), before, `${JSON.stringify(sql)} changed a database`);
          assert.ok(isMayflyError(error, 'MODEL_NOT_A_QUERY'), `${JSON.stringify(sql)}: ${String(error)}`);
          assert.match(error.message, /mart[/\\]attack\.sql:\d+: a model is one query; remove the statements after the ; \(found 3 statements\)/);
        }
      });
    });
  }

  it('builds what DuckDB reads as one query, however it is quoted or commented, and nothing else', async () => {
    await withWarehouse(async ({ warehouse }) => {
      await setUp(warehouse);
      const others = othersState(warehouse);
      // DuckDB reads each of these as a single SELECT: `//*` is `/` then a comment, comments nest.
      for (const sql of ['select 2 //* ; ALTER DATABASE prod SWAP WITH victim; */ 1 as x', 'select 1 as x /* /* */ ; ALTER DATABASE prod SWAP WITH victim; /* */ */', "select $q$;ALTER DATABASE prod SWAP WITH victim;$q$ as x"]) {
        const run = await runDag(warehouse, projectWith({ 'mart/one.sql': sql }), { target: 'dev', select: ['mart.one'] });
        assert.equal(run.status, 'succeeded', `${JSON.stringify(sql)}: ${JSON.stringify(run.models)}`);
        assert.deepEqual(othersState(warehouse), others);
      }
    });
  });
});

describe('statements hidden in a deployment script', () => {
  const attempt = (warehouse: Warehouse, text: string) => deploy(warehouse, { target: 'dev', scripts: [scriptFromText('V1__attack.sql', text)] });

  it('smuggling COMMIT … BEGIN around a database statement is refused, whatever hides it', async () => {
    await withWarehouse(async ({ warehouse }) => {
      await setUp(warehouse);
      for (const hidden of ['COMMIT; ALTER DATABASE prod SWAP WITH victim; BEGIN', 'commit; drop database victim; begin', 'END; create database evil clone prod; START TRANSACTION', 'ROLLBACK; insert into prod.staging.t values (666); BEGIN']) {
        for (const sql of HIDDEN(hidden)) {
          const before = catalogState(warehouse);
          const error = await attempt(warehouse, `create table staging.mine (x int);\n${sql};`).then(
            () => undefined,
            (e: unknown) => e,
          );
          assert.deepEqual(catalogState(warehouse), before, `${JSON.stringify(sql)} changed a database`);
          assert.ok(isMayflyError(error, 'DEPLOY_SCRIPT_TRANSACTION'), `${JSON.stringify(sql)}: ${String(error)}`);
          assert.match(error.message, /^V1__attack\.sql:2: remove (COMMIT|END|ROLLBACK): Mayfly runs each script as one transaction/);
        }
      }
    });
  });

  it('database statements and writes to other databases are refused with their own codes', async () => {
    await withWarehouse(async ({ warehouse }) => {
      await setUp(warehouse);
      const cases: [string, string][] = [
        ['ALTER DATABASE prod SWAP WITH victim', 'DEPLOY_DATABASE_STATEMENT'],
        ['alter database victim swap with dev', 'DEPLOY_DATABASE_STATEMENT'],
        ['create or replace database victim clone dev', 'DEPLOY_DATABASE_STATEMENT'],
        ['drop database if exists victim', 'DEPLOY_DATABASE_STATEMENT'],
        ['insert into victim.staging.t values (666)', 'DEPLOY_OTHER_DATABASE'],
        ['create schema victim.evil', 'DEPLOY_OTHER_DATABASE'],
        ['use victim.staging', 'DEPLOY_OTHER_DATABASE'],
      ];
      for (const [statement, code] of cases) {
        for (const sql of HIDDEN(statement)) {
          const before = catalogState(warehouse);
          const error = await attempt(warehouse, sql).then(
            () => undefined,
            (e: unknown) => e,
          );
          assert.deepEqual(catalogState(warehouse), before, `${JSON.stringify(sql)} changed a database`);
          assert.ok(isMayflyError(error, code), `${JSON.stringify(sql)}: ${String(error)}`);
          assert.match(error.message, /^V1__attack\.sql:1: /);
        }
      }
    });
  });

  it('a write to another database that no text check names is stopped by the session, and nothing is applied', async () => {
    await withWarehouse(async ({ warehouse }) => {
      await setUp(warehouse);
      for (const sql of ['use victim; insert into staging.t values (666);', 'use victim; create schema evil;', 'use prod; drop table staging.t;']) {
        const before = othersState(warehouse);
        const dev = warehouse.database('dev').commitId;
        const error = await attempt(warehouse, sql).then(
          () => undefined,
          (e: unknown) => e,
        );
        assert.deepEqual(othersState(warehouse), before, `${sql} changed another database`);
        assert.ok(isMayflyError(error), `${sql}: ${String(error)}`);
        assert.ok(['DEPLOY_NOT_TRANSACTIONAL', 'WRITE_OUTSIDE_TARGET'].includes(error.code), `${sql}: ${error.code} ${error.message}`);
        assert.equal(warehouse.database('dev').commitId, dev);
      }
    });
  });

  it('applies a script whose COMMIT is only inside a nested comment or a dollar quote', async () => {
    await withWarehouse(async ({ warehouse }) => {
      await setUp(warehouse);
      const others = othersState(warehouse);
      await deploy(warehouse, {
        target: 'dev',
        scripts: [scriptFromText('V1__ok.sql', "/* /* */ commit; alter database prod swap with victim; */\ncreate table staging.ok as select $$;commit;$$ as c, E'\\';' as d;")],
      });
      assert.deepEqual(othersState(warehouse), others);
      await withSession(warehouse, 'dev', async (s) => {
        const [r] = await s.run('select c, d from staging.ok');
        assert.deepEqual(r?.kind === 'rows' ? r.rows : [], [{ c: ';commit;', d: "';" }]);
      });
    });
  });
});
