import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { SqliteCatalog } from '../catalog/sqlite-catalog.js';
import type { TableVersion } from '../catalog/model.js';
import { changedKeys, overlappingKey, WorkingTree } from './working-tree.js';

const version = (rows: number): TableVersion => ({
  columns: [{ id: 1, name: 'id', type: 'INTEGER' }],
  nextColumnId: 2,
  files: rows ? [{ key: `${'a'.repeat(63)}${rows}.parquet`, rows, bytes: 100, columnIds: [1] }] : [],
  deletes: [],
});

describe('working tree', () => {
  const catalog = SqliteCatalog.open(join(mkdtempSync(join(tmpdir(), 'mayfly-tree-')), 'c.sqlite'));

  it('shares unchanged schemas between commits (content addressing)', () => {
    const t = WorkingTree.empty(catalog);
    t.setTable('rdv', 'hub', version(1));
    t.setTable('pl', 'report', version(2));
    const a = catalog.atomically(() => t.persist());
    const u = WorkingTree.load(catalog, a);
    u.setTable('pl', 'report', version(3));
    const b = catalog.atomically(() => u.persist());
    assert.notEqual(a, b);
    assert.deepEqual([...changedKeys(catalog, a, b)], ['pl/report']);
  });

  it('replays a change onto a state that changed other objects', () => {
    const base = WorkingTree.empty(catalog);
    base.setTable('rdv', 'a', version(1));
    base.setTable('rdv', 'b', version(1));
    const root = catalog.atomically(() => base.persist());
    const mine = WorkingTree.load(catalog, root);
    mine.setTable('rdv', 'a', version(5));
    const theirs = WorkingTree.load(catalog, root);
    theirs.setTable('rdv', 'b', version(7));
    const merged = mine.replayOnto(theirs);
    assert.equal(merged.object('rdv', 'a')?.kind, 'table');
    const a = merged.object('rdv', 'a');
    const b = merged.object('rdv', 'b');
    assert.equal(a?.kind === 'table' && a.version.files[0]?.rows, 5);
    assert.equal(b?.kind === 'table' && b.version.files[0]?.rows, 7);
  });

  it('finds overlaps, a schema change overlapping every object in it', () => {
    assert.equal(overlappingKey(new Set(['rdv/a']), new Set(['rdv/b'])), undefined);
    assert.equal(overlappingKey(new Set(['rdv/a']), new Set(['rdv/a'])), 'rdv/a');
    assert.equal(overlappingKey(new Set(['rdv']), new Set(['rdv/b'])), 'rdv');
    assert.equal(overlappingKey(new Set(['pl/x']), new Set(['rdv'])), undefined);
  });
});
