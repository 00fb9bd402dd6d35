import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatCell, formatCount, formatFields, formatTable, MAX_CELL_WIDTH, plural } from './output.js';
import { scriptResultJson } from './statement-output.js';

test('a text table aligns columns, numbers to the right', () => {
  const text = formatTable([{ header: 'name' }, { header: 'n', align: 'right' }], [['alpha', '1'], ['b', '200']]);
  assert.equal(text, ['name     n', '-----  ---', 'alpha    1', 'b      200'].join('\n'));
});

test('cells show NULL, JSON for nested values, escaped newlines, and cut long text', () => {
  assert.equal(formatCell(null), 'NULL');
  assert.equal(formatCell({ a: [1, 2] }), '{"a":[1,2]}');
  assert.equal(formatCell('two\nlines'), 'two\\nlines');
  const long = formatCell('x'.repeat(100));
  assert.equal(long.length, MAX_CELL_WIDTH);
  assert.ok(long.endsWith('…'));
});

test('fields align their values; counts read naturally', () => {
  assert.equal(formatFields([['a', '1'], ['longer', '2']]), 'a:      1\nlonger: 2');
  assert.equal(plural(1, 'row'), '1 row');
  assert.equal(plural(200000, 'row'), '200,000 rows');
});

test('counts are written as en-US toLocaleString writes them, without loading ICU for whole numbers', () => {
  for (const n of [0, 7, 999, 1000, 65_536, 200_000, 1_234_567, -1, -1000, -9_876_543, Number.MAX_SAFE_INTEGER, -0, 1.5, 1234.5678, 2 ** 60, Number.NaN, Infinity]) {
    assert.equal(formatCount(n), n.toLocaleString('en-US'), String(n));
  }
});

test("a script's JSON is the rows of its one query, else one entry per statement", () => {
  const done = { kind: 'done', statement: 'insert …', message: '1 row(s) inserted', rowsAffected: 1, elapsedMs: 1 } as const;
  const rows = { kind: 'rows', statement: 'select 1 as a', columns: [{ name: 'a', type: 'INTEGER' }], rows: [{ a: 1 }], elapsedMs: 1 } as const;
  assert.deepEqual(scriptResultJson([done, rows]), [{ a: 1 }]);
  assert.deepEqual(scriptResultJson([rows, rows]), [
    { statement: 'select 1 as a', kind: 'rows', rows: [{ a: 1 }], elapsedMs: 1 },
    { statement: 'select 1 as a', kind: 'rows', rows: [{ a: 1 }], elapsedMs: 1 },
  ]);
  assert.deepEqual(scriptResultJson([done]), [{ statement: 'insert …', kind: 'done', message: '1 row(s) inserted', rowsAffected: 1, elapsedMs: 1 }]);
});
