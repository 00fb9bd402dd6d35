import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertThrowsCode } from '../core/assert-error.js';
import { parseScript } from './statement-parser.js';
import { parseOne } from './parse-test-helpers.js';

const parse = parseOne;

const throwsCode = (sql: string, code: string, message?: RegExp): void => assertThrowsCode(() => parseScript(sql), code, message);

describe('parseScript: writes', () => {
  it('parses INSERT with columns, VALUES and queries', () => {
    assert.deepEqual(parse('INSERT INTO s.t (a, "B c") VALUES (1, \'x;y\'), (2, NULL)'), {
      kind: 'insert',
      table: { parts: ['s', 't'] },
      columns: ['a', 'B c'],
      source: "VALUES (1, 'x;y'), (2, NULL)",
    });
    assert.deepEqual(parse('insert into t (select 1)'), { kind: 'insert', table: { parts: ['t'] }, source: '(select 1)' });
    assert.deepEqual(parse('INSERT INTO t WITH x AS (SELECT 1) SELECT * FROM x'), {
      kind: 'insert',
      table: { parts: ['t'] },
      source: 'WITH x AS (SELECT 1) SELECT * FROM x',
    });
  });

  it('refuses the INSERT forms Mayfly does not handle', () => {
    throwsCode('INSERT INTO t DEFAULT VALUES', 'SQL_UNSUPPORTED', /DEFAULT VALUES/);
    throwsCode('INSERT OVERWRITE INTO t SELECT 1', 'SQL_UNSUPPORTED', /INSERT OVERWRITE/);
    throwsCode('INSERT OR REPLACE INTO t VALUES (1)', 'SQL_UNSUPPORTED', /INSERT OR REPLACE/);
    throwsCode('INSERT INTO t VALUES (1) ON CONFLICT DO NOTHING', 'SQL_UNSUPPORTED', /ON CONFLICT/);
    throwsCode('INSERT INTO t VALUES (1) RETURNING *', 'SQL_UNSUPPORTED', /RETURNING/);
    throwsCode('INSERT INTO t (a b) VALUES (1)', 'SQL_PARSE', /"," or "\)" in the column list/);
  });

  it('splits UPDATE assignments on top-level commas only', () => {
    const sql = `UPDATE raw.t AS x SET x.a = f(1, 2), "B" = CASE WHEN c THEN 1 ELSE 2 END, d = [1, 2], e = c IS DISTINCT FROM d
      FROM u, v WHERE x.id = u.id AND x.k IN (SELECT k FROM w WHERE w.z = ',')`;
    assert.deepEqual(parse(sql), {
      kind: 'update',
      table: { parts: ['raw', 't'] },
      alias: 'x',
      assignments: [
        { column: 'a', valueSql: 'f(1, 2)' },
        { column: 'B', valueSql: 'CASE WHEN c THEN 1 ELSE 2 END' },
        { column: 'd', valueSql: '[1, 2]' },
        { column: 'e', valueSql: 'c IS DISTINCT FROM d' },
      ],
      fromSql: 'u, v',
      whereSql: "x.id = u.id AND x.k IN (SELECT k FROM w WHERE w.z = ',')",
    });
    assert.deepEqual(parse('update t set a = 1'), { kind: 'update', table: { parts: ['t'] }, assignments: [{ column: 'a', valueSql: '1' }] });
  });

  it('reports malformed UPDATE assignments', () => {
    throwsCode('UPDATE t SET a 1', 'SQL_PARSE', /expected "=" after the column name/);
    throwsCode('UPDATE t SET a =', 'SQL_PARSE', /expected an expression after "="/);
    throwsCode('UPDATE t SET a = 1, WHERE b', 'SQL_PARSE', /expected column = value/);
    throwsCode('UPDATE t SET a = 1 WHERE', 'SQL_PARSE', /expected something after WHERE/);
    throwsCode('UPDATE t a b SET x = 1', 'SQL_PARSE', /expected SET/);
  });

  it('parses DELETE with alias, USING and WHERE', () => {
    assert.deepEqual(parse('DELETE FROM t'), { kind: 'delete', table: { parts: ['t'] } });
    assert.deepEqual(parse('delete from s.t as x using u where x.id = u.id and (x.a > 1)'), {
      kind: 'delete',
      table: { parts: ['s', 't'] },
      alias: 'x',
      usingSql: 'u',
      whereSql: 'x.id = u.id and (x.a > 1)',
    });
    assert.deepEqual(parse('DELETE FROM t WHERE id IN (SELECT id FROM u WHERE u.flag)'), {
      kind: 'delete',
      table: { parts: ['t'] },
      whereSql: 'id IN (SELECT id FROM u WHERE u.flag)',
    });
    throwsCode('DELETE t WHERE 1', 'SQL_PARSE', /expected FROM after DELETE/);
    throwsCode('DELETE FROM t WHERE a = 1 RETURNING *', 'SQL_UNSUPPORTED', /RETURNING/);
  });
});
