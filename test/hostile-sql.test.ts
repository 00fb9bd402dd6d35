import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isMayflyError } from '../src/index.js';
import type { Session, Warehouse } from '../src/index.js';
import { runCli } from './helpers/cli.js';
import { catalogState, column, objectFiles, tempHome, withSession, withWarehouse } from './helpers/warehouse.js';

/**
 * An attacker's view of the statement path, written apart from the sandbox's
 * own tests: every relation that is not a Mayfly table (an object file, a
 * DuckDB system relation, a file function) is tried in every position a
 * relation can take, and must be refused without changing anything and
 * without revealing a path or a value it read.
 */

const SECRET = 'SECRET-DELETED-ROW';

/** Relations user SQL must never reach; `{file}` is an object file holding a deleted row. */
const FORBIDDEN_RELATIONS: readonly string[] = [
  '"{file}"',
  "'{file}'",
  "read_parquet('{file}')",
  "read_parquet(['{file}'])",
  "parquet_scan('{file}')",
  "read_text('{file}')",
  "read_blob('{file}')",
  "read_csv('/etc/passwd')",
  "glob('/etc/*')",
  'pg_settings',
  'pg_catalog.pg_settings',
  'information_schema.tables',
  'information_schema.columns',
  'duckdb_settings()',
  'duckdb_views()',
  'duckdb_functions()',
  'sqlite_master',
  'temp.main.sqlite_master',
  "query('select 1')",
  "query_table('t')",
  '"{dir}/*.parquet"',
  "'{dir}/*/*.parquet'",
  'prod.main."{file}"',
  "pragma_table_info('t')",
  "pragma_storage_info('t')",
  'prod.information_schema.tables',
  'system.main.duckdb_settings()',
  '__mf_at.t1',
  "unnest((select list(c2) from '{file}'))",
];

/** Positions a relation can take in a statement; `{r}` is the relation. */
const POSITIONS: readonly string[] = [
  'select * from {r}',
  'from {r}',
  'select * from t, {r} z',
  'select * from t join {r} z on true',
  'select * from t, lateral (select * from {r}) z',
  'select id from t union all select 1 from {r}',
  'select id from t except select 1 from {r}',
  'select * from t where id in (select 1 from {r})',
  'select * from t where exists (select 1 from {r})',
  'select (select count(*) from {r}) as n',
  'with c as (select * from {r}) select * from c',
  'with t as (select * from {r}) select * from t',
  'select * from (with x as (select 1) select * from {r}) q',
  'with recursive w(n) as (select 1 union all select n + 1 from w, {r} z where n < 2) select * from w',
  'select list_transform([1], x -> (select count(*) from {r})) as l',
  'select * from t at (timestamp => (select now() from {r} limit 1))',
  'select * from t at (timestamp => (select max(c2) from {r}))',
  "select * from t at (timestamp => (select string_agg(c2, ',') from {r}))",
  'select * from {r} at (timestamp => now())',
  'select * from t where id = (select count(*) from {r} limit 1)',
  'describe select * from {r}',
  'explain select * from {r}',
  'create view v_evil as select * from {r}',
  'create table t_evil as select * from {r}',
  'insert into t select 3, cast(count(*) as varchar) from {r}',
  "update t set v = (select 'x' from {r} limit 1)",
  'delete from t where id in (select 1 from {r})',
  'create table t_at clone t at (timestamp => (select now() from {r} limit 1))',
  'create table t_at2 clone t at (timestamp => (select max(c2) from {r}))',
  'create database d_at clone prod at (timestamp => (select max(c2) from {r}))',
];

/** Functions and macros that reveal the engine's internals, plans or view SQL (with paths). */
const FORBIDDEN_CALLS: readonly string[] = [
  "select pg_get_viewdef('t') as d",
  "select json_serialize_plan('select * from t') as p",
  "select current_setting('allowed_directories') as s",
  "select getenv('HOME') as h",
  "select * from duckdb_functions() where function_name = 'read_parquet'",
  "select which_secret('s3://x', 's3') as w",
  "select * from sniff_csv('/etc/passwd')",
  "select * from parquet_metadata('{file}')",
  "select * from parquet_kv_metadata('{file}')",
];

interface Fixture {
  readonly home: string;
  readonly warehouse: Warehouse;
  readonly session: Session;
  readonly file: string;
}

/** prod.main.t with one visible row and one deleted row whose value is still in the object file. */
async function hostileFixture(home: string, warehouse: Warehouse, session: Session): Promise<Fixture> {
  await session.run(`create table t (id int, v varchar); insert into t values (1, 'visible'), (2, '${SECRET}'); delete from t where id = 2`);
  const key = [...objectFiles(home).keys()].find((k) => k.endsWith('.parquet')) ?? [...objectFiles(home).keys()][0];
  assert.ok(key, 'the fixture wrote an object file');
  return { home, warehouse, session, file: join(home, 'objects', key) };
}

/** Runs `sql` and asserts it is refused with a user-facing error, changes nothing and leaks nothing. */
async function assertRefused(f: Fixture, sql: string): Promise<void> {
  const before = catalogState(f.warehouse);
  let error: unknown;
  let result: unknown;
  try {
    result = await f.session.run(sql);
  } catch (e) {
    error = e;
  }
  assert.ok(error !== undefined, `not refused: ${sql}\n→ ${JSON.stringify(result)?.slice(0, 300)}`);
  assert.ok(isMayflyError(error), `not a Mayfly error for: ${sql}: ${String(error)}`);
  assert.notEqual(error.kind, 'internal', `an internal error for: ${sql}: ${error.message}`);
  // The statement may echo what the user typed; it must not reveal a path or an object the user did not name.
  if (!sql.includes(f.home)) assert.ok(!error.message.includes(f.home), `the error reveals the warehouse's path: ${error.message}`);
  for (const key of objectFiles(f.home).keys()) {
    const hash = key.split('/').pop()?.replace(/[.].*$/, '') ?? key;
    if (!sql.includes(hash)) assert.ok(!error.message.includes(hash.slice(0, 16)), `the error reveals an object key: ${error.message}`);
  }
  assert.ok(!error.message.includes(SECRET), `the error reveals a deleted value: ${error.message}`);
  for (const internal of ['file_row_number', '__mf', 'parse_filename', 'read_parquet']) {
    if (!sql.includes(internal)) assert.ok(!error.message.includes(internal), `the error shows Mayfly's internal SQL: ${error.message}`);
  }
  assert.deepEqual(catalogState(f.warehouse), before, `state changed after: ${sql}`);
}

describe('hostile SQL', () => {
  it('refuses every forbidden relation in every position a relation can take', async () => {
    await withWarehouse(async ({ home, warehouse }) => {
      await withSession(warehouse, 'prod', async (session) => {
        const f = await hostileFixture(home, warehouse, session);
        const dir = join(home, 'objects');
        for (const position of POSITIONS) {
          for (const relation of FORBIDDEN_RELATIONS) {
            await assertRefused(f, position.replaceAll('{r}', relation.replaceAll('{file}', f.file).replaceAll('{dir}', dir)));
          }
        }
        // Nothing the attacks tried changed what a legitimate query sees.
        assert.deepEqual(await column(session, 'select v from t order by id'), ['visible']);
      });
    });
  });

  it('refuses a CTE named like a file, and a CTE shadows a table only inside its own scope', async () => {
    await withWarehouse(async ({ home, warehouse }) => {
      await withSession(warehouse, 'prod', async (session) => {
        const f = await hostileFixture(home, warehouse, session);
        const q = `"${f.file}"`;
        for (const sql of [
          `select * from (with ${q} as (select 1) select 1) q, ${q}`,
          `select * from ${q}, (with ${q} as (select 1) select 1) q`,
          `select * from t where id in (with ${q} as (select 1) select 1) union all select * from ${q}`,
          `with a as (with ${q} as (select 1) select 1) select * from a, ${q}`,
          `select (with ${q} as (select 1) select 1), * from ${q}`,
        ]) {
          await assertRefused(f, sql);
        }
        // Inside its own scope a CTE shadows the table of the same name; outside it, the table is read.
        assert.deepEqual(await column(session, 'with t as (select 42 as x) select x from t'), [42]);
        assert.deepEqual(await column(session, 'select (with t as (select 42 as x) select x from t) as a, v from t'), [42]);
      });
    });
  });

  it('refuses functions and macros that reveal plans, view SQL, settings or files', async () => {
    await withWarehouse(async ({ home, warehouse }) => {
      await withSession(warehouse, 'prod', async (session) => {
        const f = await hostileFixture(home, warehouse, session);
        for (const sql of FORBIDDEN_CALLS) await assertRefused(f, sql.replaceAll('{file}', f.file));
      });
    });
  });

  it('never resolves a name to a relation bound for an earlier statement (after a rollback)', async () => {
    await withWarehouse(async ({ warehouse }) => {
      await withSession(warehouse, 'prod', async (session) => {
        await session.run('create table t (id int)');
        await session.run('begin; insert into t values (99); select count(*) from t; rollback');
        assert.deepEqual(await column(session, 'select count(*) as n from t, (with t as (select 1) select 1) q where id = 99'), [0]);
        assert.deepEqual(await column(session, 'select count(*) as n from t where id = 99'), [0]);
      });
    });
  });

  it('reads the tables a query names whatever multi-byte text comes before them', async () => {
    await withWarehouse(async ({ warehouse }) => {
      await withSession(warehouse, 'prod', async (session) => {
        await session.run(`create table a (w varchar); create table b (w varchar); insert into a values ('from a'); insert into b values ('from b')`);
        for (const text of ['é', 'éé', 'ééééé', '日本語テキスト', '🦆🦆', 'e\u0301e\u0301', '👩‍👩‍👧']) {
          assert.deepEqual(await column(session, `select y.w from a x, b y where '${text}' <> ''`), ['from b'], text);
          assert.deepEqual(await column(session, `select /* ${text} */ y.w from a "${text}", b y`), ['from b'], text);
          const r = await session.run(`select '${text}' as u, y.* from a x, b y`);
          const last = r[r.length - 1];
          assert.ok(last?.kind === 'rows');
          assert.deepEqual(last.rows, [{ u: text, w: 'from b' }], text);
        }
      });
    });
  });

  it('refuses the same attacks through the CLI with exit 1, printing no path, key or value', async () => {
    const home = tempHome('mayfly-hostile-cli-');
    try {
      const sql = async (text: string) => runCli(['sql', '--home', home, text]);
      assert.equal((await runCli(['init', '--home', home])).code, 0);
      assert.equal((await sql(`create table t (id int, v varchar); insert into t values (1, 'visible'), (2, '${SECRET}'); delete from t where id = 2`)).code, 0);
      const key = [...objectFiles(home).keys()][0];
      assert.ok(key);
      const file = join(home, 'objects', key);
      const hash = key.split('/').pop()?.replace(/[.].*$/, '') ?? key;
      for (const position of ['select * from {r}', 'select * from (with {r} as (select 1) select 1) q, {r}', 'select * from t at (timestamp => (select max(c2) from {r}))']) {
        for (const relation of [`"${file}"`, `'${file}'`, 'pg_settings', `read_parquet('${file}')`]) {
          const text = position.replaceAll('{r}', relation);
          const r = await sql(text);
          assert.equal(r.code, 1, `${text}: exit ${r.code}: ${r.stderr}`);
          assert.ok(!r.stdout.includes(SECRET) && !r.stderr.includes(SECRET), `a deleted value was printed for ${text}`);
          if (!text.includes(hash)) assert.ok(!r.stderr.includes(hash.slice(0, 16)), `an object key was printed for ${text}: ${r.stderr}`);
        }
      }
      const ok = await sql('select v from t');
      assert.equal(ok.code, 0);
      assert.match(ok.stdout, /visible/);
      assert.doesNotMatch(ok.stdout, new RegExp(SECRET));
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
