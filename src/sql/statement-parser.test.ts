import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertThrowsCode } from '../core/assert-error.js';
import { isMayflyError } from '../core/errors.js';
import { parseScript, parseStatement } from './statement-parser.js';
import { parseOne } from './parse-test-helpers.js';

const parse = parseOne;

const throwsCode = (sql: string, code: string, message?: RegExp): void => assertThrowsCode(() => parseScript(sql), code, message);

describe('parseScript: queries', () => {
  it('recognises every query start, case-insensitively', () => {
    for (const sql of ['SELECT 1', 'select 1', 'WITH x AS (SELECT 1) SELECT * FROM x', 'VALUES (1)', 'FROM t', 'TABLE t', 'PIVOT t ON a USING sum(b)', 'UNPIVOT t ON a INTO NAME k VALUE v', '(SELECT 1) UNION (SELECT 2)']) {
      assert.deepEqual(parse(sql), { kind: 'query', sql, explain: false });
    }
  });

  it('unwraps EXPLAIN and EXPLAIN ANALYZE to the inner query', () => {
    assert.deepEqual(parse('EXPLAIN ANALYZE  SELECT 1'), { kind: 'query', sql: 'SELECT 1', explain: true });
    assert.deepEqual(parse('explain from t'), { kind: 'query', sql: 'from t', explain: true });
    throwsCode('EXPLAIN DELETE FROM t', 'SQL_PARSE', /a query after EXPLAIN/);
  });

  it('accepts recursive and materialized common table expressions', () => {
    const sql = 'WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3), m AS MATERIALIZED (SELECT 2) SELECT * FROM r, m';
    assert.equal(parse(sql).kind, 'query');
  });

  it('refuses WITH leading to a write, which DuckDB would run behind Mayfly', () => {
    throwsCode('WITH x AS (SELECT 1) DELETE FROM t', 'SQL_UNSUPPORTED', /^WITH … DELETE is not supported by Mayfly; supported statements are: /);
    throwsCode('with x as (select 1) insert into t select * from x', 'SQL_UNSUPPORTED', /WITH … INSERT/);
    throwsCode('EXPLAIN ANALYZE WITH x AS (SELECT 1) UPDATE t SET a = 1', 'SQL_UNSUPPORTED', /WITH … UPDATE/);
    throwsCode('WITH x AS (SELECT 1)', 'SQL_PARSE', /a query after the WITH clause/);
  });

  it('keeps statement text and script offsets, without comments around them', () => {
    const statements = parseScript("-- first\nSELECT ';' AS a; /* x */ SELECT 2 -- tail\n;");
    assert.deepEqual(
      statements.map((s) => [s.text, s.offset]),
      [
        ["SELECT ';' AS a", 9],
        ['SELECT 2', 34],
      ],
    );
  });
});

describe('parseScript: databases, schemas and USE', () => {
  it('parses CREATE DATABASE with OR REPLACE, IF NOT EXISTS and CLONE … AT', () => {
    assert.deepEqual(parse('create database if not exists Dev'), { kind: 'create_database', name: 'dev', ifNotExists: true, orReplace: false });
    assert.deepEqual(parse(`CREATE OR REPLACE DATABASE "Dev" CLONE prod AT (TIMESTAMP => now() - INTERVAL '1 day')`), {
      kind: 'create_database',
      name: 'Dev',
      ifNotExists: false,
      orReplace: true,
      clone: { source: { parts: ['prod'] }, at: { timestampSql: "now() - INTERVAL '1 day'" } },
    });
    throwsCode('CREATE OR REPLACE DATABASE IF NOT EXISTS d', 'SQL_PARSE', /cannot be combined/);
    throwsCode('CREATE DATABASE a.b', 'SQL_PARSE', /a database name is a single identifier, found 2 parts: a\.b/);
  });

  it('refuses time travel other than AT (TIMESTAMP => …)', () => {
    throwsCode('CREATE DATABASE d CLONE p AT (OFFSET => -60)', 'SQL_UNSUPPORTED', /AT \(OFFSET => …\)/);
    throwsCode('CREATE DATABASE d CLONE p BEFORE (STATEMENT => x)', 'SQL_UNSUPPORTED', /BEFORE/);
    throwsCode('CREATE DATABASE d CLONE p AT (TIMESTAMP => )', 'SQL_PARSE', /a timestamp expression/);
  });

  it('parses DROP DATABASE and ALTER DATABASE … SWAP WITH', () => {
    assert.deepEqual(parse('DROP DATABASE IF EXISTS dev'), { kind: 'drop_database', name: 'dev', ifExists: true });
    assert.deepEqual(parse('ALTER DATABASE a SWAP WITH "B"'), { kind: 'swap_database', name: 'a', other: 'B' });
    throwsCode('ALTER DATABASE a RENAME TO b', 'SQL_PARSE', /expected SWAP WITH/);
  });

  it('parses USE with a database or database.schema', () => {
    assert.deepEqual(parse('USE dev'), { kind: 'use', name: { parts: ['dev'] } });
    assert.deepEqual(parse('use Dev."Raw"'), { kind: 'use', name: { parts: ['dev', 'Raw'] } });
    throwsCode('USE a.b.c', 'SQL_PARSE', /at most 2 dotted parts/);
  });

  it('parses CREATE SCHEMA and DROP SCHEMA', () => {
    assert.deepEqual(parse('CREATE SCHEMA IF NOT EXISTS dev.raw CLONE prod.raw'), {
      kind: 'create_schema',
      name: { parts: ['dev', 'raw'] },
      ifNotExists: true,
      orReplace: false,
      clone: { source: { parts: ['prod', 'raw'] } },
    });
    assert.deepEqual(parse('DROP SCHEMA IF EXISTS raw CASCADE'), { kind: 'drop_schema', name: { parts: ['raw'] }, ifExists: true, cascade: true });
    assert.deepEqual(parse('DROP SCHEMA raw RESTRICT'), { kind: 'drop_schema', name: { parts: ['raw'] }, ifExists: false, cascade: false });
  });
});

describe('parseScript: tables and views', () => {
  it('keeps the column list of CREATE TABLE exactly as written', () => {
    assert.deepEqual(parse('CREATE TABLE IF NOT EXISTS Dev.Raw."Orders" (id INT, note VARCHAR(10) DEFAULT \'a)\')'), {
      kind: 'create_table',
      name: { parts: ['dev', 'raw', 'Orders'] },
      ifNotExists: true,
      orReplace: false,
      columnsSql: "(id INT, note VARCHAR(10) DEFAULT 'a)')",
    });
  });

  it('parses CREATE TABLE AS with or without parentheses, and TRANSIENT tables', () => {
    assert.deepEqual(parse('create or replace transient table t as (select 1 as a)'), {
      kind: 'create_table',
      name: { parts: ['t'] },
      ifNotExists: false,
      orReplace: true,
      asQuery: 'select 1 as a',
    });
    assert.equal((parse('CREATE TABLE t AS (SELECT 1) UNION (SELECT 2)') as { asQuery?: string }).asQuery, '(SELECT 1) UNION (SELECT 2)');
  });

  it('parses CREATE TABLE … CLONE with a three-part source', () => {
    assert.deepEqual(parse('CREATE TABLE t CLONE prod.raw.orders AT (TIMESTAMP => TIMESTAMP \'2024-01-01\')'), {
      kind: 'create_table',
      name: { parts: ['t'] },
      ifNotExists: false,
      orReplace: false,
      clone: { source: { parts: ['prod', 'raw', 'orders'] }, at: { timestampSql: "TIMESTAMP '2024-01-01'" } },
    });
    throwsCode('CREATE TABLE t', 'SQL_PARSE', /expected \(columns\), AS <query> or CLONE <source>/);
  });

  it('parses DROP TABLE and DROP VIEW, and nothing after the name', () => {
    assert.deepEqual(parse('DROP TABLE IF EXISTS raw.t'), { kind: 'drop_table', name: { parts: ['raw', 't'] }, ifExists: true });
    assert.deepEqual(parse('drop view v'), { kind: 'drop_view', name: { parts: ['v'] }, ifExists: false });
    throwsCode('DROP TABLE a, b', 'SQL_PARSE', /expected end of statement after the table name, found ","/);
  });

  it('parses ALTER TABLE column changes and renames', () => {
    const action = (sql: string): unknown => (parse(sql) as { action?: unknown }).action;
    assert.deepEqual(action('ALTER TABLE IF EXISTS t ADD COLUMN IF NOT EXISTS Total DECIMAL(10, 2) DEFAULT 0'), {
      kind: 'add_column',
      column: 'Total',
      typeSql: 'DECIMAL(10, 2) DEFAULT 0',
      ifNotExists: true,
    });
    assert.deepEqual(action('alter table t add "x y" int'), { kind: 'add_column', column: 'x y', typeSql: 'int', ifNotExists: false });
    assert.deepEqual(action('ALTER TABLE t DROP COLUMN IF EXISTS a'), { kind: 'drop_column', column: 'a', ifExists: true });
    assert.deepEqual(action('ALTER TABLE t DROP b'), { kind: 'drop_column', column: 'b', ifExists: false });
    assert.deepEqual(action('ALTER TABLE t RENAME COLUMN a TO B'), { kind: 'rename_column', from: 'a', to: 'B' });
    assert.deepEqual(action('ALTER TABLE t RENAME a TO b'), { kind: 'rename_column', from: 'a', to: 'b' });
    assert.deepEqual(action('ALTER TABLE t RENAME TO raw.New'), { kind: 'rename_table', to: 'new' });
    assert.deepEqual(parse('ALTER TABLE IF EXISTS s.t DROP a'), {
      kind: 'alter_table',
      name: { parts: ['s', 't'] },
      ifExists: true,
      action: { kind: 'drop_column', column: 'a', ifExists: false },
    });
    throwsCode('ALTER TABLE t ADD COLUMN c', 'SQL_PARSE', /expected a column type/);
    throwsCode('ALTER TABLE t ALTER COLUMN c TYPE int', 'SQL_PARSE', /expected ADD \[COLUMN\], DROP \[COLUMN\] or RENAME/);
  });

  it('parses CREATE VIEW and refuses a column list', () => {
    assert.deepEqual(parse('CREATE OR REPLACE VIEW v AS SELECT * FROM t WHERE a IN (SELECT 1)'), {
      kind: 'create_view',
      name: { parts: ['v'] },
      orReplace: true,
      ifNotExists: false,
      query: 'SELECT * FROM t WHERE a IN (SELECT 1)',
    });
    throwsCode('CREATE VIEW v (a) AS SELECT 1', 'SQL_UNSUPPORTED', /column list/);
    throwsCode('CREATE VIEW v AS DELETE FROM t', 'SQL_PARSE', /expected a query/);
  });
});

describe('parseScript: transactions, SHOW and DESCRIBE', () => {
  it('parses transaction control in all its spellings', () => {
    const kinds = ['BEGIN', 'begin transaction', 'BEGIN WORK', 'START TRANSACTION', 'COMMIT', 'commit work', 'END', 'ROLLBACK TRANSACTION', 'ABORT'].map(
      (sql) => parse(sql).kind,
    );
    assert.deepEqual(kinds, ['begin', 'begin', 'begin', 'begin', 'commit', 'commit', 'commit', 'rollback', 'rollback']);
    throwsCode('START', 'SQL_PARSE', /expected TRANSACTION after START/);
  });

  it('parses SHOW and DESCRIBE', () => {
    assert.deepEqual(parse('SHOW DATABASES'), { kind: 'show', what: 'databases' });
    assert.deepEqual(parse('show schemas in Dev'), { kind: 'show', what: 'schemas', in: { parts: ['dev'] } });
    assert.deepEqual(parse('SHOW TABLES IN dev.raw'), { kind: 'show', what: 'tables', in: { parts: ['dev', 'raw'] } });
    assert.deepEqual(parse('SHOW TABLES'), { kind: 'show', what: 'tables' });
    for (const sql of ['DESCRIBE s.t', 'DESC s.t', 'describe table s.t']) assert.deepEqual(parse(sql), { kind: 'describe', name: { parts: ['s', 't'] } });
    throwsCode('SHOW USERS', 'SQL_PARSE', /DATABASES, SCHEMAS, TABLES or PIPES/);
  });
});

describe('parseScript: refusals and errors', () => {
  it('forbids every statement that reaches files, extensions or settings', () => {
    const verbs = ["COPY t TO 'x.csv'", "ATTACH 'x.db'", 'DETACH x', 'INSTALL httpfs', 'LOAD httpfs', 'SET threads = 1', 'RESET threads', 'PRAGMA version', "EXPORT DATABASE 'x'", "IMPORT DATABASE 'x'", 'CALL f()', 'CHECKPOINT', 'FORCE CHECKPOINT', 'UPDATE EXTENSIONS', 'update extensions (httpfs)'];
    for (const sql of verbs) {
      const verb = sql.startsWith('UPDATE') || sql.startsWith('update') ? 'UPDATE EXTENSIONS' : (sql.split(' ')[0] as string);
      assert.throws(
        () => parseScript(sql),
        (e: unknown) =>
          isMayflyError(e, 'SQL_FORBIDDEN') &&
          e.kind === 'forbidden' &&
          e.message === `${verb} is not allowed: Mayfly sandboxes SQL so it cannot read or write files on this machine or change engine settings`,
        sql,
      );
    }
  });

  it('still parses an UPDATE of a table that happens to be called extensions', () => {
    assert.equal(parse('UPDATE extensions SET a = 1').kind, 'update');
  });

  it('refuses objects Mayfly does not manage as unsupported', () => {
    for (const [sql, what] of [
      ["CREATE SECRET s (TYPE s3, KEY_ID 'k')", 'CREATE SECRET'],
      ['CREATE OR REPLACE PERSISTENT SECRET s (TYPE s3)', 'CREATE OR REPLACE PERSISTENT SECRET'],
      ['CREATE MACRO m(a) AS a + 1', 'CREATE MACRO'],
      ['CREATE FUNCTION f(a) AS a', 'CREATE FUNCTION'],
      ['CREATE SEQUENCE s', 'CREATE SEQUENCE'],
      ["CREATE TYPE mood AS ENUM ('a')", 'CREATE TYPE'],
      ['CREATE INDEX i ON t (a)', 'CREATE INDEX'],
      ['CREATE UNIQUE INDEX i ON t (a)', 'CREATE UNIQUE'],
      ['CREATE TEMP TABLE t (a INT)', 'CREATE TEMP TABLE'],
      ['CREATE TEMPORARY VIEW v AS SELECT 1', 'CREATE TEMPORARY VIEW'],
      ['DROP MACRO m', 'DROP MACRO'],
    ] as const) {
      throwsCode(sql, 'SQL_UNSUPPORTED', new RegExp(`^${what} is not supported by Mayfly; supported statements are: .*INSERT, UPDATE, DELETE`));
    }
  });

  it('names the statement, its position in the script and what was expected', () => {
    throwsCode('SELECT 1;\n\n  MERGE INTO t USING u', 'SQL_PARSE', /^cannot parse "MERGE INTO t …" at line 3, column 3: expected a statement \(SELECT, .*\), found "MERGE"$/);
    throwsCode('SELECT 1;\nDROP TABLE t extra', 'SQL_PARSE', /at line 2, column 14: expected end of statement after the table name, found "extra"/);
    throwsCode('DROP TABLE', 'SQL_PARSE', /at line 1, column 11: expected a table name, found the end of the statement/);
  });

  it('refuses names of more than three parts', () => {
    throwsCode('DROP TABLE a.b.c.d', 'SQL_PARSE', /a table name has at most 3 dotted parts, found 4 parts: a\.b\.c\.d/);
    throwsCode('INSERT INTO a.b.c.d VALUES (1)', 'SQL_PARSE', /at most 3 dotted parts/);
  });

  it('treats hostile quoted names as names', () => {
    assert.deepEqual(parse('DROP TABLE "; DROP TABLE x"'), { kind: 'drop_table', name: { parts: ['; DROP TABLE x'] }, ifExists: false });
    assert.deepEqual(parse(`DELETE FROM t WHERE name = '; DROP TABLE x; --'`), { kind: 'delete', table: { parts: ['t'] }, whereSql: "name = '; DROP TABLE x; --'" });
  });

  it('refuses unbalanced brackets, so no slice can close a bracket the caller opened', () => {
    throwsCode('SELECT (1', 'SQL_PARSE', /"\(" is never closed by "\)"/);
    throwsCode('DELETE FROM t WHERE a = 1) OR (1 = 1', 'SQL_PARSE', /"\)" has nothing to close/);
    throwsCode('SELECT CASE WHEN a THEN 1', 'SQL_PARSE', /"CASE" is never closed by "END"/);
    throwsCode('SELECT [1)', 'SQL_PARSE', /"\)" comes before the "\]"/);
  });

  it('runs nothing from a script with one bad statement: it fails as a whole', () => {
    throwsCode('CREATE TABLE a (x INT); INSERT INTO a VALUES (1); COPY a TO \'/tmp/x\'', 'SQL_FORBIDDEN');
    throwsCode('SELECT 1; SELECT (2; SELECT 3)', 'SQL_PARSE');
  });

  it('parses an empty script to no statements', () => {
    assert.deepEqual(parseScript(' ; -- nothing\n'), []);
  });
});

describe('parseStatement', () => {
  it('parses one statement, allowing a trailing semicolon, and offsets it', () => {
    const statement = parseStatement('  DROP VIEW v ;', 100);
    assert.deepEqual(statement, { kind: 'drop_view', name: { parts: ['v'] }, ifExists: false, text: 'DROP VIEW v', offset: 102 });
  });

  it('refuses several statements or none', () => {
    assert.throws(() => parseStatement('SELECT 1; SELECT 2'), (e: unknown) => isMayflyError(e, 'SQL_PARSE') && /found 2/.test(e.message));
    assert.throws(() => parseStatement('-- nothing'), (e: unknown) => isMayflyError(e, 'SQL_PARSE'));
  });
});
