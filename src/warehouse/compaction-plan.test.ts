import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DataFile, DeleteFile, TableVersion } from '../catalog/model.js';
import { FOLD_DELETE_VECTORS_ABOVE, planCompaction, type CompactionThresholds } from './compaction-plan.js';

const file = (key: string, rows = 1000, bytes = 100_000): DataFile => ({ key, rows, bytes, columnIds: [1] });
const dv = (key: string, targets: string[]): DeleteFile => ({ key, rows: 1, bytes: 100, targets });
const table = (files: DataFile[], deletes: DeleteFile[] = []): TableVersion => ({ columns: [{ id: 1, name: 'id', type: 'INTEGER' }], nextColumnId: 2, files, deletes });
const T: CompactionThresholds = { deletedFraction: 0.1, smallFileBytes: 1000, full: false };
const all = (): boolean => true;

describe('planCompaction', () => {
  it('rewrites a file only above the deleted share, not at it', () => {
    const v = table([file('a'), file('b')], [dv('d1', ['a']), dv('d2', ['b'])]);
    const plan = planCompaction(v, new Map([['a', 101], ['b', 100]]), all, T);
    assert.deepEqual(plan?.rewrite.map((f) => f.key), ['a']);
    assert.deepEqual(plan?.kept.map((f) => f.key), ['b']);
    assert.deepEqual(plan?.droppedDeletes.map((d) => d.key), ['d1']);
    assert.deepEqual(plan?.keptDeletes.map((d) => d.key), ['d2']);
  });

  it('plans nothing for deletes below the threshold and no small files', () => {
    assert.equal(planCompaction(table([file('a'), file('b')], [dv('d', ['a', 'b'])]), new Map([['a', 5], ['b', 5]]), all, T), undefined);
  });

  it('trims a vector naming kept and rewritten files, and drops one naming only files gone', () => {
    const v = table([file('a'), file('b')], [dv('ab', ['a', 'b']), dv('gone', ['x'])]);
    const plan = planCompaction(v, new Map([['a', 500], ['b', 1]]), all, T);
    assert.deepEqual(plan?.trimmedDeletes.map((d) => d.key), ['ab']);
    assert.deepEqual(plan?.droppedDeletes.map((d) => d.key), ['gone']);
  });

  it('merges two small files or more, never one alone, and skips files it may not rewrite', () => {
    const small = (k: string): DataFile => file(k, 10, 500);
    assert.equal(planCompaction(table([small('s1'), file('big')]), new Map(), all, T), undefined);
    assert.deepEqual(planCompaction(table([small('s1'), small('s2'), file('big')]), new Map(), all, T)?.rewrite.map((f) => f.key), ['s1', 's2']);
    assert.equal(planCompaction(table([small('s1'), small('s2')]), new Map(), (k) => k !== 's2', T), undefined);
  });

  it('--full rewrites every file with a deleted row and every small file', () => {
    const v = table([file('a'), file('b'), file('c', 10, 500)], [dv('d', ['a'])]);
    const plan = planCompaction(v, new Map([['a', 1]]), all, { ...T, full: true });
    assert.deepEqual(plan?.rewrite.map((f) => f.key), ['a', 'c']);
  });

  it('folds the delete vectors it may rewrite into one only when a table has more than the limit', () => {
    const many = (n: number): DeleteFile[] => Array.from({ length: n }, (_, i) => dv(`d${i}`, ['a']));
    assert.equal(planCompaction(table([file('a')], many(FOLD_DELETE_VECTORS_ABOVE)), new Map([['a', 8]]), all, T), undefined);
    const v = table([file('a')], many(FOLD_DELETE_VECTORS_ABOVE + 1));
    const plan = planCompaction(v, new Map([['a', 9]]), (k) => k !== 'd0', T);
    assert.deepEqual(plan?.rewrite, []);
    assert.deepEqual(plan?.keptDeletes.map((d) => d.key), ['d0'], 'a vector another database holds stays');
    assert.equal(plan?.mergedDeletes.length, FOLD_DELETE_VECTORS_ABOVE);
    assert.equal(planCompaction(v, new Map([['a', 9]]), (k) => k === 'a' || k === 'd0', T), undefined, 'one vector of its own alone is not folded');
  });
});
