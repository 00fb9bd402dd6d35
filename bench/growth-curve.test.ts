import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { growthScale } from './growth-bench.js';
import { catalogBytes, growthHome, openGrowth, spread } from './growth-curve.js';
import { growthMarkdown } from './growth-markdown.js';
import { curveMarkdown, figure } from './report.js';

test('catalog bytes count the pages a commit adds, read while the warehouse is open', async () => {
  const root = mkdtempSync(join(tmpdir(), 'growth-curve-'));
  try {
    const h = growthHome(root);
    const mayfly = openGrowth(h);
    try {
      const s = await mayfly.warehouse.session('prod');
      try {
        await s.run('CREATE TABLE t (id BIGINT)');
        const before = catalogBytes(h.home);
        for (let i = 0; i < 20; i++) await s.run(`INSERT INTO t VALUES (${i})`);
        const after = catalogBytes(h.home);
        assert.ok(before > 0 && before % 512 === 0, `page multiple: ${before}`);
        assert.ok(after > before, `20 commits grow the catalog: ${before} → ${after}`);
      } finally {
        s.close();
      }
    } finally {
      mayfly.close();
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('spread is largest over smallest of the positive values, NaN below two', () => {
  assert.equal(spread([4, 2, 8]), 4);
  assert.equal(spread([0, 3, 6]), 2);
  assert.ok(Number.isNaN(spread([5])));
});

test('a curve renders as a Markdown table with its goal, load average and note', () => {
  const md = curveMarkdown({ id: 'x', title: 'T', goal: 'flat', columns: ['clones', 'ms'], rows: [[1000, 12.345], [10_000, Number.NaN]], load: { before: 0.5, after: 1.25 }, note: 'size 100000 skipped' });
  assert.equal(
    md,
    ['**T** (goal: flat)', '', '| clones | ms |', '|---:|---:|', '| 1,000 | 12.3 |', '| 10,000 | — |', '', 'Load average 0.50 before, 1.25 after. size 100000 skipped.'].join('\n'),
  );
});

test('the growth section lists curves, growth figures with pass/miss, and failed curves', () => {
  const md = growthMarkdown({
    figures: [figure('growth: a', 3, '×', { op: '<=', value: 2 }), figure('query: b', 1, '×')],
    details: { growth: { curves: [], errors: { clones: 'boom\nstack' } } },
  });
  assert.match(md, /\| growth: a \| 3 × \| ≤ 2 × \| miss \|/);
  assert.doesNotMatch(md, /query: b/);
  assert.match(md, /Curve clones failed: boom$/);
});

test('growth sizes: quick is smaller, large asks every size, the clones cap comes from the environment', () => {
  assert.deepEqual(growthScale(false, {}).clones.sizes, [10, 100, 1_000]);
  assert.deepEqual(growthScale(false, { MAYFLY_BENCH_SCALE: 'large' }).clones.sizes, [10, 100, 1_000, 10_000]);
  assert.equal(growthScale(false, { MAYFLY_BENCH_GROWTH_CLONES: '10000' }).clones.budgetMs, Number.POSITIVE_INFINITY);
  assert.ok(Math.max(...growthScale(true, {}).files.sizes) < Math.max(...growthScale(false, {}).files.sizes));
});
