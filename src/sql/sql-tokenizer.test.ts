import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isMayflyError } from '../core/errors.js';
import { lineColumn, splitStatements, tokenize } from './sql-tokenizer.js';

const kinds = (sql: string): string[] => tokenize(sql).map((t) => `${t.type}:${t.value}`);

function throwsParse(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (e: unknown) => isMayflyError(e, 'SQL_PARSE') && e.kind === 'invalid' && message.test(e.message));
}

describe('tokenize', () => {
  it('classifies identifiers, lower-casing unquoted ones and unescaping quoted ones', () => {
    assert.deepEqual(kinds('SELECT MyCol, "My ""Col"" x" FROM t'), [
      'ident:select',
      'ident:mycol',
      'punct:,',
      'quoted_ident:My "Col" x',
      'ident:from',
      'ident:t',
    ]);
  });

  it('keeps the exact source text and offsets of every token', () => {
    const sql = "  Select 'it''s' ,\n x::INT  ";
    for (const t of tokenize(sql)) assert.equal(sql.slice(t.start, t.end), t.text);
    assert.deepEqual(
      tokenize(sql).map((t) => t.text),
      ['Select', "'it''s'", ',', 'x', '::', 'INT'],
    );
  });

  it('unescapes standard, E and dollar-quoted strings', () => {
    assert.deepEqual(kinds(`'a''b' 'c\\d' E'e\\'f\\n' e'g''h'`), ["string:a'b", 'string:c\\d', "string:e'f\n", "string:g'h"]);
    assert.deepEqual(kinds('$$a;b$$ $fn$ x $$ y $fn$'), ['string:a;b', 'string: x $$ y ']);
  });

  it('reads numbers in all their forms', () => {
    assert.deepEqual(kinds('1 1.5 .5 1e10 1.5E-3 1_000 7.'), ['number:1', 'number:1.5', 'number:.5', 'number:1e10', 'number:1.5E-3', 'number:1_000', 'number:7.']);
  });

  it('reads multi-character operators as one token', () => {
    assert.deepEqual(
      tokenize('a => b :: c <= d >= e <> f != g || h -> i ->> j').filter((t) => t.type === 'operator').map((t) => t.text),
      ['=>', '::', '<=', '>=', '<>', '!=', '||', '->', '->>'],
    );
    assert.deepEqual(kinds('a-b'), ['ident:a', 'operator:-', 'ident:b']);
  });

  it('reads punctuation and parameters', () => {
    assert.deepEqual(kinds('f(a)[1]{x};.'), [
      'ident:f', 'punct:(', 'ident:a', 'punct:)', 'punct:[', 'number:1', 'punct:]', 'punct:{', 'ident:x', 'punct:}', 'punct:;', 'punct:.',
    ]);
    assert.deepEqual(kinds('$1 ? $name'), ['param:$1', 'param:?', 'param:$name']);
  });

  it('skips line comments and nested block comments, as DuckDB does', () => {
    assert.deepEqual(kinds('a -- b ; c\n d /* e /* f */ g ; */ h'), ['ident:a', 'ident:d', 'ident:h']);
    assert.deepEqual(kinds('a*/* c */b'), ['ident:a', 'operator:*', 'ident:b']);
  });

  it('reports unterminated strings, identifiers and comments with their line and column', () => {
    throwsParse(() => tokenize("SELECT 1;\nSELECT 'abc"), /unterminated string starting at line 2, column 8$/);
    throwsParse(() => tokenize('SELECT "abc'), /unterminated quoted identifier starting at line 1, column 8/);
    throwsParse(() => tokenize('SELECT 1 /* /* */'), /unterminated comment starting at line 1, column 10/);
    throwsParse(() => tokenize('SELECT $t$ abc $$'), /unterminated dollar-quoted string starting at line 1, column 8/);
    throwsParse(() => tokenize("SELECT E'abc\\'"), /unterminated string/);
  });

  it('refuses characters DuckDB does not accept and empty quoted identifiers', () => {
    throwsParse(() => tokenize('SELECT `a`'), /unexpected character "`" at line 1, column 8/);
    throwsParse(() => tokenize('SELECT 1 AS ""'), /empty quoted identifier/);
  });

  it('either fails with SQL_PARSE or returns ordered exact slices, for any input', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', 'B', '1', '.', "'", '"', '$', '-', '/', '*', ';', '(', ')', ' ', '\n', 'E', ':', '=', '>') }), (sql) => {
        try {
          let previous = 0;
          for (const t of tokenize(sql)) {
            assert.equal(sql.slice(t.start, t.end), t.text);
            assert.ok(t.start >= previous && t.end > t.start);
            previous = t.end;
          }
        } catch (e) {
          assert.ok(isMayflyError(e, 'SQL_PARSE'), String(e));
        }
      }),
    );
  });
});

describe('lineColumn', () => {
  it('counts lines and columns from 1', () => {
    assert.deepEqual(lineColumn('ab\ncd', 0), { line: 1, column: 1 });
    assert.deepEqual(lineColumn('ab\ncd', 4), { line: 2, column: 2 });
    // An emoji (two UTF-16 units) and an accented letter are one column each.
    assert.deepEqual(lineColumn('🦆é x', '🦆é '.length), { line: 1, column: 4 });
  });
});

describe('splitStatements', () => {
  it('splits on semicolons outside strings, comments, quoted names and dollar quotes', () => {
    const sql = `SELECT 'a;b', "c;d" -- e;f
; SELECT $$g;h$$ /* i; */ ;SELECT 3`;
    assert.deepEqual(
      splitStatements(sql).map((s) => s.text),
      [`SELECT 'a;b', "c;d"`, 'SELECT $$g;h$$', 'SELECT 3'],
    );
  });

  it('gives each statement its offset in the script', () => {
    const sql = 'SELECT 1;\n  SELECT 2';
    const [, second] = splitStatements(sql);
    assert.equal(second?.offset, 12);
    assert.equal(sql.slice(second?.offset), 'SELECT 2');
  });

  it('drops empty statements and comment-only leftovers', () => {
    assert.deepEqual(splitStatements(';; SELECT 1 ;; -- done\n/* bye */').map((s) => s.text), ['SELECT 1']);
    assert.deepEqual(splitStatements('  -- nothing\n'), []);
  });

  it('ends a line comment at \\r too, and stops an operator where a comment starts, as DuckDB does', () => {
    assert.deepEqual(splitStatements('SELECT 1 --c\r; SELECT 2').map((s) => s.text), ['SELECT 1', 'SELECT 2']);
    assert.deepEqual(splitStatements('SELECT 2 //* ; */ 1; SELECT 3').map((s) => s.text), ['SELECT 2 //* ; */ 1', 'SELECT 3']);
    assert.deepEqual(kinds('a */*; */ b'), ['ident:a', 'operator:*', 'ident:b']);
  });

  it('reads Unicode spaces as spaces, except inside a dollar-quote tag', () => {
    assert.deepEqual(kinds('a\u00a0b\u3000c'), ['ident:a', 'ident:b', 'ident:c']);
    assert.deepEqual(kinds('$a\u00a0$;$a\u00a0$'), ['string:;']);
  });

  it('splits on a semicolon inside parentheses, as DuckDB does, leaving both halves unbalanced', () => {
    assert.deepEqual(splitStatements('SELECT (1; SELECT 2)').map((s) => s.text), ['SELECT (1', 'SELECT 2)']);
  });
});
