import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { isMayflyError } from '../core/errors.js';
import { ALLOWED_FUNCTIONS, ALLOWED_TABLE_FUNCTIONS, ALLOWLIST_DUCKDB_VERSION, SPECIAL_FORMS } from './function-allowlist.js';
import { inspectParseTree } from './query-inspector.js';
import type { ScopeRules } from './relation-scope.js';

let instance: DuckDBInstance;
let conn: DuckDBConnection;

before(async () => {
  instance = await DuckDBInstance.create(':memory:');
  conn = await instance.connect();
});
after(() => {
  conn.closeSync();
  instance.closeSync();
});

async function tables(sql: string, rules: ScopeRules = {}): Promise<string[]> {
  const r = await conn.runAndReadAll(`SELECT json_serialize_sql($mf$${sql}$mf$) AS j`);
  const json = String(r.getRowObjectsJson()[0]?.j);
  return inspectParseTree(json, sql, rules)
    .tables.map((t) => [t.catalog, t.schema, t.name].filter(Boolean).join('.'))
    .sort();
}

async function refused(sql: string, rules: ScopeRules = {}): Promise<void> {
  await assert.rejects(tables(sql, rules), (e: unknown) => isMayflyError(e, 'SQL_FORBIDDEN') && /not allowed/.test(e.message), sql);
}

describe('scope walk of the parse tree', () => {
  it('hides a table behind a CTE only inside the query that defines it', async () => {
    const path = '/home/u/.mayfly/objects/ab/abc.parquet';
    // The first example of issue 8: the CTE named like the file is defined inside q only.
    assert.deepEqual(await tables(`select * from (with "x" as (select 1) select 1) q, "x"`), ['x']);
    await refused(`select * from (with "${path}" as (select 1) select 1) q, "${path}"`);
    // The third example: the outer t is the table, the inner one a CTE.
    assert.deepEqual(await tables(`select count(*) from t, (with t as (select 1) select 1) q where id = 99`), ['t']);
    assert.deepEqual(await tables(`with t as (select 1) select * from t`), []);
    assert.deepEqual(await tables(`with t as (select 1) select * from t, s.t`), ['s.t']);
    assert.deepEqual(await tables(`select (with t as (select 1) select * from t), (select * from t)`), ['t']);
    assert.deepEqual(await tables(`select * from t where exists (with t as (select 1) select 1) and x in (select * from t)`), ['t', 't']);
  });

  it('scopes CTEs in order, recursive CTEs in their own body, and across set operations', async () => {
    assert.deepEqual(await tables(`with a as (select 1 x), b as (select * from a) select * from b`), []);
    assert.deepEqual(await tables(`with a as (select * from b), b as (select 1 x) select * from a`), ['b']);
    assert.deepEqual(await tables(`with a as (select * from a) select * from a`), ['a']);
    assert.deepEqual(await tables(`with recursive r(n) as (select 1 union all select n + 1 from r where n < 3) select * from r`), []);
    assert.deepEqual(await tables(`(with t as (select 1) select * from t) union all select * from t`), ['t']);
    assert.deepEqual(await tables(`with t as (select 1) select * from t union all select * from t`), []);
  });

  it('finds relations in every relation-producing construct', async () => {
    assert.deepEqual(await tables(`select * from a join b on a.x = b.x left join c using (x) cross join d positional join e`), ['a', 'b', 'c', 'd', 'e']);
    assert.deepEqual(await tables(`select * from a, lateral (select * from b where b.x = a.x) q`), ['a', 'b']);
    assert.deepEqual(await tables(`select * from a pivot (sum(x) for y in ('p', 'q'))`), ['a']);
    assert.deepEqual(await tables(`select * from a unpivot (v for k in (x, y))`), ['a']);
    assert.deepEqual(await tables(`select * from (values (1), (2)) v(x) where x in (select x from a)`), ['a']);
    assert.deepEqual(await tables(`select * from range(3) r, unnest((select list(x) from a)) u`), ['a']);
    assert.deepEqual(await tables(`select sum(x) filter (where x in (select x from a)) over (order by (select 1 from b)) from c`), ['a', 'b', 'c']);
    assert.deepEqual(await tables(`from a select x order by (select max(x) from b) limit (select 1 from c)`), ['a', 'b', 'c']);
    assert.deepEqual(await tables(`select * from db.s.t asof join u on t.x >= u.x`), ['db.s.t', 'u']);
  });

  it('refuses file paths, engine table functions, refused functions and unknown constructs', async () => {
    await refused(`select * from '/etc/passwd'`);
    await refused(`select * from "C:\\\\data\\\\x.parquet"`);
    await refused(`select * from 'x.csv'`);
    await refused(`select * from read_parquet('x')`);
    await refused(`select * from duckdb_settings()`);
    await refused(`select * from (describe t)`);
    await refused(`select * from (summarize t)`);
    await refused(`select * from (show tables)`);
    await refused(`select pg_get_viewdef(1)`);
    await refused(`select pg_catalog.pg_get_viewdef(1)`);
    await refused(`select json_serialize_plan('select 1')`);
    await refused(`select current_setting('threads')`);
    await refused(`select getenv('HOME')`);
    await refused(`select system.main.abs(1)`);
    await refused(`select * from t where x = (select max(current_query()))`);
    await refused(`with x as (select * from read_csv('/etc/passwd')) select * from x`);
  });

  it('allows only a constant expression where one is required (AT)', async () => {
    assert.deepEqual(await tables(`select (current_timestamp - interval 1 hour)`, { constantOnly: true }), []);
    assert.deepEqual(await tables(`select ('2026-12-01'::timestamp)`, { constantOnly: true }), []);
    await refused(`select ((select max(v) from t))`, { constantOnly: true });
    await refused(`select (1) from t`, { constantOnly: true });
    await refused(`select (1) from read_text('/etc/passwd')`, { constantOnly: true });
  });
});

describe('function allow-list', () => {
  it('was generated from the DuckDB this package runs, and every function in it exists there', async () => {
    const version = String((await conn.runAndReadAll('SELECT version() AS v')).getRowObjectsJson()[0]?.v);
    assert.equal(ALLOWLIST_DUCKDB_VERSION, version, 'regenerate src/sql/function-allowlist.ts after a DuckDB upgrade');
    const r = await conn.runAndReadAll('SELECT DISTINCT function_name AS n FROM duckdb_functions()');
    const existing = new Set(r.getRowObjectsJson().map((row) => String(row.n)));
    const missing = [...ALLOWED_FUNCTIONS, ...ALLOWED_TABLE_FUNCTIONS].filter((f) => !existing.has(f) && !SPECIAL_FORMS.has(f));
    assert.deepEqual(missing, []);
    assert.ok(ALLOWED_FUNCTIONS.size > 500, 'scalar, aggregate and window functions are allowed');
    for (const f of ['sum', 'row_number', 'lag', 'regexp_matches', 'strftime', 'list_transform', 'nullif', 'date_trunc']) assert.ok(ALLOWED_FUNCTIONS.has(f), f);
  });

  it('holds no function that reads files, settings, the catalog, plans or the environment', () => {
    const dangerous = [
      'read_csv', 'read_parquet', 'read_text', 'read_blob', 'read_json', 'parquet_scan', 'parquet_metadata', 'glob', 'query', 'query_table',
      'getenv', 'current_setting', 'getvariable', 'pg_get_viewdef', 'pg_get_constraintdef', 'format_type', 'json_serialize_plan',
      'json_serialize_sql', 'json_deserialize_sql', 'json_execute_serialized_sql', 'duckdb_settings', 'duckdb_views', 'duckdb_tables',
      'pragma_table_info', 'sniff_csv', 'which_secret', 'checkpoint', 'current_query', 'current_database', 'current_schema', 'nextval',
      'currval', 'write_log', 'get_block_size', 'histogram_values', 'in_search_path', 'current_catalog',
    ];
    for (const f of dangerous) {
      assert.equal(ALLOWED_FUNCTIONS.has(f), false, f);
      assert.equal(ALLOWED_TABLE_FUNCTIONS.has(f), false, f);
    }
    assert.deepEqual([...ALLOWED_TABLE_FUNCTIONS].sort(), ['generate_series', 'json_each', 'json_tree', 'range', 'unnest']);
  });
});
