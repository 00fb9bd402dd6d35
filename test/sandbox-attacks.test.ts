import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { FakeClock, isMayflyError, type Session, type Warehouse } from '../src/index.js';
import { deploy } from '../src/orchestrate/deployer.js';
import { scriptFromText } from '../src/orchestrate/deployment-scripts.js';
import { runDag } from '../src/orchestrate/dag-runner.js';
import { catalogState, count, objectFiles, openMayfly, scalar, withSession, withWarehouse } from './helpers/warehouse.js';

/** A value that lives only in a deleted row's file: no legal query returns it. */
const SECRET = 'SECRET-3f9a1c';
/** A value of another database's table. */
const OTHER = 'OTHER-77b2e0';

const scratch: string[] = [];
after(() => scratch.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** Production with rdv.t (its first file holds the deleted SECRET row) and database `other` holding OTHER; returns an object file path with SECRET. */
async function prepare(home: string, warehouse: Warehouse, s: Session): Promise<string> {
  const before = new Set(objectFiles(home).keys());
  await s.run(`create schema rdv; create table rdv.t (id int, v varchar); insert into rdv.t values (1, '${SECRET}'), (2, 'b')`);
  const file = [...objectFiles(home).keys()].find((k) => !before.has(k) && k.endsWith('.parquet'));
  assert.ok(file);
  await s.run(`delete from rdv.t where id = 1`);
  warehouse.cloneDatabase('other', 'prod');
  await withSession(warehouse, 'other', (o) => o.run(`create table rdv.o (v varchar); insert into rdv.o values ('${OTHER}')`));
  return join(home, 'objects', file);
}

/** What an error may never contain: a store path, an object key, a value read from a refused source. */
function assertClean(message: string, home: string, path: string, options: { ownSql?: boolean } = {}): void {
  // Mayfly's own SQL (views over read_parquet, placeholders) never shows; a user's own SQL may be quoted back.
  const internalSql = options.ownSql ? [] : ['read_parquet', '__mf'];
  for (const bad of [home, path, basename(path), 'objects/', SECRET, OTHER, ...internalSql]) {
    assert.ok(!message.includes(bad), `the error reveals ${bad}: ${message}`);
  }
  assert.doesNotMatch(message, /[0-9a-f]{64}/, `the error reveals an object key: ${message}`);
}

/** Codes a refusal may carry: a sandbox refusal, or a name that is not a Mayfly table. */
const REFUSAL_CODES = new Set(['SQL_FORBIDDEN', 'TABLE_NOT_FOUND', 'INVALID_NAME', 'DB_NOT_FOUND', 'SQL_RESERVED_NAME']);

async function attack(home: string, warehouse: Warehouse, s: Session, path: string, sql: string, codes: ReadonlySet<string>): Promise<void> {
  const state = catalogState(warehouse);
  const rows = await count(s, 'rdv.t');
  let error: unknown;
  try {
    const results = await s.run(sql);
    assert.fail(`not refused: ${sql}\n${JSON.stringify(results).slice(0, 300)}`);
  } catch (e) {
    error = e;
  }
  assert.ok(isMayflyError(error), `not a Mayfly error for ${sql}: ${String(error)}`);
  assert.ok(codes.has(error.code), `unexpected code ${error.code} for ${sql}: ${error.message}`);
  assertClean(error.message, home, path);
  assert.deepEqual(catalogState(warehouse), state, `state changed after: ${sql}`);
  assert.equal(await count(s, 'rdv.t'), rows);
}

/** Relation sources an attacker tries, as FROM items: files, engine relations, refused functions. */
function sources(path: string): { kind: string; from: string; codes: ReadonlySet<string> }[] {
  const forbidden = new Set(['SQL_FORBIDDEN']);
  return [
    { kind: 'file as string', from: `'${path}'`, codes: forbidden },
    { kind: 'file as identifier', from: `"${path}"`, codes: forbidden },
    { kind: 'relative file', from: `"objects/${basename(path).slice(0, 2)}/${basename(path)}"`, codes: forbidden },
    { kind: 'file function', from: `read_parquet('${path}')`, codes: forbidden },
    { kind: 'glob', from: `glob('*')`, codes: forbidden },
    { kind: 'pg_settings', from: 'pg_settings', codes: REFUSAL_CODES },
    { kind: 'duckdb_views()', from: 'duckdb_views()', codes: forbidden },
    { kind: 'duckdb_settings view', from: 'duckdb_settings', codes: REFUSAL_CODES },
    { kind: 'information_schema', from: 'information_schema.tables', codes: REFUSAL_CODES },
    { kind: 'pg_catalog', from: 'pg_catalog.pg_views', codes: REFUSAL_CODES },
    { kind: 'sqlite_master', from: 'sqlite_master', codes: REFUSAL_CODES },
    { kind: 'system catalog', from: 'system.main.duckdb_tables', codes: REFUSAL_CODES },
    { kind: 'temp objects', from: 'temp.main.duckdb_tables', codes: REFUSAL_CODES },
    { kind: 'pg_get_viewdef', from: `(select pg_get_viewdef(1) as v)`, codes: forbidden },
    { kind: 'json_serialize_plan', from: `(select json_serialize_plan('select * from rdv.t') as v)`, codes: forbidden },
    { kind: 'current_setting', from: `(select current_setting('allowed_directories') as v)`, codes: forbidden },
    { kind: 'describe', from: `(describe rdv.t)`, codes: forbidden },
    { kind: 'show', from: `(show tables)`, codes: forbidden },
  ];
}

/** Every position a relation can take, each as a statement with `{src}` as a FROM item. */
const POSITIONS: readonly string[] = [
  `select * from {src}`,
  `with c as (select * from {src}) select * from c`,
  `with recursive r as (select 1 as n union all select n + 1 from r, {src} where n < 2) select * from r`,
  `select * from rdv.t where id in (select 1 from {src})`,
  `select (select count(*) from {src}) as n`,
  `select * from rdv.t where exists (select * from {src})`,
  `select * from rdv.t, lateral (select * from {src}) q`,
  `select * from rdv.t join {src} on true`,
  `select 1 as x union all select 1 from {src}`,
  `select 1 as x except select 1 from {src}`,
  `select * from (select 1 as k, 2 as v) pivot (sum(v) for k in (1)) where 1 in (select 1 from {src})`,
  `select * from unnest((select list(1) from {src}))`,
  `select * from rdv.t at (timestamp => (select max(current_timestamp) from {src}))`,
  `select * from rdv.t where id = (select count(*) from (with c as (select 1) select * from {src}) q)`,
  `create view rdv.leak as select * from {src}`,
  `create table rdv.leak as select * from {src}`,
  `insert into rdv.t select 3, 'x' from {src}`,
  `update rdv.t set v = 'x' from {src} s`,
  `delete from rdv.t using {src} s`,
  `create table rdv.cl clone rdv.t at (timestamp => (select max(current_timestamp) from {src}))`,
];

describe('sandbox attacks', () => {
  it('refuses every relation source in every position, with a stable code and no path or value in the message', async () => {
    await withWarehouse(async ({ home, warehouse }) => {
      await withSession(warehouse, 'prod', async (s) => {
        const path = await prepare(home, warehouse, s);
        for (const src of sources(path)) {
          for (const position of POSITIONS) await attack(home, warehouse, s, path, position.replace('{src}', src.from), src.codes);
        }
        assert.equal(warehouse.tables('prod').some((t) => t.name === 'leak' || t.name === 'cl'), false);
      });
    });
  });

  it("refuses issue 8's examples: a CTE named like a file outside its scope, AT reading a file, view SQL through pg_get_viewdef", async () => {
    await withWarehouse(async ({ home, warehouse }) => {
      await withSession(warehouse, 'prod', async (s) => {
        const path = await prepare(home, warehouse, s);
        const forbidden = new Set(['SQL_FORBIDDEN']);
        await attack(home, warehouse, s, path, `select * from (with "${path}" as (select 1) select 1) q, "${path}"`, forbidden);
        await attack(home, warehouse, s, path, `select * from (with pg_settings as (select 1) select 1) q, pg_settings`, REFUSAL_CODES);
        await attack(home, warehouse, s, path, `select * from rdv.t at (timestamp => (select v from "${path}" where id = 1))`, forbidden);
        await attack(home, warehouse, s, path, `select * from rdv.t at (timestamp => (select max(v) from rdv.t))`, forbidden);
        await s.run(`create view rdv.vt as select * from rdv.t`);
        await attack(home, warehouse, s, path, `select pg_get_viewdef(view_oid) from duckdb_views()`, forbidden);
        await attack(home, warehouse, s, path, `select pg_catalog.pg_get_viewdef(1)`, forbidden);
        await attack(home, warehouse, s, path, `select json_serialize_plan('select * from rdv.vt')`, forbidden);
        await attack(home, warehouse, s, path, `select * from query('select 1')`, forbidden);
      });
    });
  });

  it('AT takes only a constant: a cast error never shows a value, and a constant still works', async () => {
    await withWarehouse(async ({ home, clock, warehouse }) => {
      await withSession(warehouse, 'prod', async (s) => {
        const path = await prepare(home, warehouse, s);
        const e = await s.run(`select * from rdv.t at (timestamp => 'not-a-time-${SECRET}')`).catch((x: unknown) => x);
        assert.ok(isMayflyError(e, 'INVALID_TIMESTAMP'), String(e));
        assertClean(e.message.replace(`not-a-time-${SECRET}`, ''), home, path);
        const now = new Date(clock.now()).toISOString();
        assert.equal(await scalar(s, `select count(*) from rdv.t at (timestamp => '${now}'::timestamptz - interval 0 second)`), 1);
      });
    });
  });

  it('after ROLLBACK a statement sees its own snapshot, even when a CTE elsewhere shares the table name (issue 8)', async () => {
    await withWarehouse(async ({ warehouse }) => {
      await withSession(warehouse, 'prod', async (s) => {
        await s.run(`create table t (id int); insert into t values (1)`);
        await s.run(`begin; insert into t values (99); select count(*) from t where id = 99; rollback`);
        assert.equal(await scalar(s, `select count(*) from t, (with t as (select 1) select 1) q where id = 99`), 0);
        assert.equal(await scalar(s, `select count(*) from (with t as (select 1) select 1) q, t where id = 99`), 0);
        assert.equal(await scalar(s, `select count(*) from t where id in (select id from (with t as (select 99 as id) select * from t))`), 0);
      });
    });
  });

  it('second wall: SQL that skipped the check reads no file the statement did not bind, and no view of an earlier statement', async () => {
    await withWarehouse(async ({ home, warehouse }) => {
      await withSession(warehouse, 'prod', async (s) => {
        const path = await prepare(home, warehouse, s);
        assert.equal(await count(s, 'rdv.t'), 1);
        const engine = s.engine;
        // Straight to the engine, past the session's check, as a statement that bound nothing.
        engine.beginStatement();
        const direct = [
          `select * from read_parquet('${path}')`,
          `select * from '${path}'`,
          `select * from "prod"."rdv"."t"`,
          `select * from t`,
          `select * from read_parquet('${join(home, 'staging')}/**/*.parquet')`,
        ];
        for (const sql of direct) {
          const e = await engine.userQuery(sql).catch((x: unknown) => x);
          assert.ok(isMayflyError(e), `read through the wall: ${sql}`);
          assertClean(e.message, home, path, { ownSql: true });
        }
        // The links of an earlier statement are gone from the engine's link directory.
        const reach = readdirSync(join(home, 'staging')).filter((n) => n.startsWith('reach-'));
        assert.ok(reach.length > 0);
        for (const dir of reach) {
          const links = readdirSync(join(home, 'staging', dir));
          const e = await engine.userQuery(`select count(*) from read_parquet('${join(home, 'staging', dir)}/*')`).catch((x: unknown) => x);
          assert.ok(links.length === 0 || isMayflyError(e), 'links of an earlier statement are still readable');
        }
      });
    });
  });

  it('refuses the same attacks in deployment scripts and DAG models', async () => {
    // A home whose path does not contain "mayfly", so deployments' own check of the system schema's name does not refuse first.
    const home = mkdtempSync(join(tmpdir(), 'wh-attack-'));
    scratch.push(home);
    const mayfly = openMayfly(home, new FakeClock(Date.now()));
    const warehouse = mayfly.warehouse;
    warehouse.init();
    try {
      const path = await withSession(warehouse, 'prod', (s) => prepare(home, warehouse, s));
      warehouse.cloneDatabase('dev', 'prod');
      const payloads = [
        `select * from (with "${path}" as (select 1) select 1) q, "${path}"`,
        `select * from rdv.t at (timestamp => (select max(v) from "${path}"))`,
        `select pg_get_viewdef(1) as v`,
        `select * from pg_settings`,
      ];
      for (const [i, sql] of payloads.entries()) {
        const e = await deploy(warehouse, { target: 'dev', scripts: [scriptFromText(`V${i + 1}__leak.sql`, `create table rdv.leak${i} as ${sql};`)] }).catch((x: unknown) => x);
        assert.ok(isMayflyError(e) && REFUSAL_CODES.has(e.code), `deployment not refused: ${sql}: ${String(e)}`);
        assertClean(e.message, home, path);
      }
      const dir = mkdtempSync(join(tmpdir(), 'mayfly-attack-dag-'));
      scratch.push(dir);
      mkdirSync(join(dir, 'models', 'mart'), { recursive: true });
      payloads.forEach((sql, i) => writeFileSync(join(dir, 'models', 'mart', `leak${i}.sql`), sql));
      const run = await runDag(warehouse, { projectDir: dir, modelsDir: join(dir, 'models'), deploymentsDir: join(dir, 'migrations'), dags: {}, production: 'prod' }, { target: 'dev' });
      assert.equal(run.models.length, payloads.length);
      for (const m of run.models) {
        assert.equal(m.status, 'failed', `${m.id} was not refused`);
        assert.ok(m.error && REFUSAL_CODES.has(m.error.code), `${m.id}: ${JSON.stringify(m.error)}`);
        assertClean(m.error.message, home, path);
      }
      assert.equal(warehouse.tables('dev').some((t) => t.name.startsWith('leak')), false);
    } finally {
      mayfly.close();
    }
  });
});
