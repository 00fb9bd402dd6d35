import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { assertThrowsCode } from '../core/assert-error.js';
import { isReservedIdentifier, rewriteTimeTravel, TIME_TRAVEL_CATALOG } from './time-travel-rewrite.js';

const throwsCode = (sql: string, code: string, message?: RegExp): void => assertThrowsCode(() => rewriteTimeTravel(sql), code, message);

describe('rewriteTimeTravel', () => {
  it('returns a query without AT clauses unchanged', () => {
    const sql = "SELECT at_home, 'AT (TIMESTAMP => 1)' FROM t -- AT (TIMESTAMP => 2)\n /* t AT (TIMESTAMP => 3) */";
    assert.deepEqual(rewriteTimeTravel(sql), { sql, tables: [] });
  });

  it('replaces a Snowflake-style reference, aliasing it by the table name', () => {
    const result = rewriteTimeTravel(`SELECT orders.id FROM prod.raw.Orders AT (TIMESTAMP => now() - INTERVAL '1 hour') WHERE orders.id > 1`);
    assert.equal(result.sql, `SELECT orders.id FROM "__mf_at"."t1" AS Orders WHERE orders.id > 1`);
    assert.deepEqual(result.tables, [{ placeholder: 't1', name: { parts: ['prod', 'raw', 'orders'] }, at: { timestampSql: "now() - INTERVAL '1 hour'" } }]);
  });

  it('keeps the alias written after the AT clause, with or without AS', () => {
    assert.equal(rewriteTimeTravel('SELECT * FROM t AT(TIMESTAMP=>1) AS x').sql, 'SELECT * FROM "__mf_at"."t1" AS x');
    assert.equal(rewriteTimeTravel('SELECT * FROM t AT (TIMESTAMP => 1) "X y" WHERE 1').sql, 'SELECT * FROM "__mf_at"."t1" AS "X y" WHERE 1');
    assert.equal(rewriteTimeTravel('SELECT * FROM t AT (TIMESTAMP => 1) WHERE 1').sql, 'SELECT * FROM "__mf_at"."t1" AS t WHERE 1');
  });

  it('accepts the DuckDB order, with the alias before AT', () => {
    const result = rewriteTimeTravel('SELECT * FROM s.t AS x AT (TIMESTAMP => 1) JOIN u y AT (TIMESTAMP => 2) ON x.a = y.a');
    assert.equal(result.sql, 'SELECT * FROM "__mf_at"."t1" AS x JOIN "__mf_at"."t2" AS y ON x.a = y.a');
    assert.deepEqual(
      result.tables.map((t) => t.name.parts),
      [['s', 't'], ['u']],
    );
  });

  it('numbers references in order through joins, commas and subqueries', () => {
    const sql = `SELECT * FROM a AT (TIMESTAMP => (SELECT max(ts) FROM log)), "B" AT (TIMESTAMP => 2) b
      LEFT JOIN c AT (TIMESTAMP => 3) ON TRUE
      WHERE a.id IN (SELECT id FROM (d AT (TIMESTAMP => 4)))`;
    const result = rewriteTimeTravel(sql);
    assert.deepEqual(
      result.tables.map((t) => [t.placeholder, t.name.parts.join('.'), t.at.timestampSql]),
      [
        ['t1', 'a', '(SELECT max(ts) FROM log)'],
        ['t2', 'B', '2'],
        ['t3', 'c', '3'],
        ['t4', 'd', '4'],
      ],
    );
    assert.match(result.sql, /FROM "__mf_at"\."t1" AS a, "__mf_at"\."t2" AS b\s+LEFT JOIN "__mf_at"\."t3" AS c ON TRUE/);
    assert.match(result.sql, /FROM \("__mf_at"\."t4" AS d\)\)$/);
  });

  it('refuses the time-travel forms it does not support', () => {
    throwsCode('SELECT * FROM t AT (OFFSET => -60)', 'SQL_UNSUPPORTED', /AT \(OFFSET => …\)/);
    throwsCode('SELECT * FROM t AT (STATEMENT => \'01a\')', 'SQL_UNSUPPORTED', /AT \(STATEMENT => …\)/);
    throwsCode('SELECT * FROM t BEFORE (TIMESTAMP => 1)', 'SQL_UNSUPPORTED', /BEFORE/);
    throwsCode('SELECT * FROM t AT (TIMESTAMP => (SELECT 1 FROM u AT (TIMESTAMP => 2)))', 'SQL_UNSUPPORTED', /inside the expression/);
  });

  it('refuses an AT clause that does not follow a table', () => {
    throwsCode('SELECT x AT (TIMESTAMP => 1) FROM t', 'SQL_PARSE', /must follow a table name/);
    throwsCode('SELECT * FROM f(1) AT (TIMESTAMP => 1)', 'SQL_PARSE', /must follow a table name/);
    throwsCode('SELECT * FROM a.b.c.d AT (TIMESTAMP => 1)', 'SQL_PARSE', /at most 3 dotted parts/);
  });

  it('refuses identifiers reserved for Mayfly, quoted or not, but not strings', () => {
    throwsCode('SELECT * FROM __mf_at.t1', 'SQL_RESERVED_NAME', /^names starting with __mf are reserved for Mayfly/);
    throwsCode('SELECT 1 AS "__MF_x"', 'SQL_RESERVED_NAME', /"__MF_x" at line 1, column 13/);
    assert.equal(rewriteTimeTravel("SELECT '__mf_at'").tables.length, 0);
    assert.equal(isReservedIdentifier('__Mf_at'), true);
    assert.equal(isReservedIdentifier('_mf'), false);
  });

  it('produces SQL that DuckDB runs against the placeholder catalog', async () => {
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      await connection.run(`ATTACH ':memory:' AS ${TIME_TRAVEL_CATALOG}`);
      await connection.run(`CREATE TABLE ${TIME_TRAVEL_CATALOG}.main.t1 AS SELECT 1 AS id, 'old' AS v`);
      await connection.run(`CREATE TABLE ${TIME_TRAVEL_CATALOG}.main.t2 AS SELECT 1 AS id, 10 AS n`);
      const { sql } = rewriteTimeTravel('SELECT orders.v, i.n FROM prod.raw.orders AT (TIMESTAMP => 1) JOIN items i AT (TIMESTAMP => 2) ON i.id = orders.id');
      const reader = await connection.runAndReadAll(sql);
      assert.deepEqual(reader.getRowObjectsJson(), [{ v: 'old', n: 10 }]);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });
});
