import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { contentId } from '../src/core/ids.js';
import { SqliteCatalog } from '../src/catalog/sqlite-catalog.js';
import type { DataFile, StoredTableVersion, TableVersion } from '../src/catalog/model.js';
import { commitTree } from '../src/warehouse/committer.js';
import { collectGarbage } from '../src/warehouse/garbage-collector.js';
import { chunkList, type KnownChunk } from '../src/warehouse/manifest-chunker.js';
import { manifestsOf } from '../src/warehouse/table-manifests.js';
import { WorkingTree } from '../src/warehouse/working-tree.js';
import {
  catalogRowBytes,
  commitTable,
  dataFile,
  deleteFile,
  headTable,
  headTree,
  manifestRows,
  openRig,
  RIG_DB,
  rigHome,
  type MetadataRig,
} from './helpers/metadata-commits.js';

const homes: string[] = [];
after(() => {
  for (const h of homes) rmSync(h, { recursive: true, force: true });
});

function freshRig(): MetadataRig {
  const home = rigHome();
  homes.push(home);
  return openRig(home);
}

/** A rig whose table `t` holds `n` files. */
function rigWithFiles(n: number): MetadataRig {
  const rig = freshRig();
  const files = Array.from({ length: n }, (_, i) => dataFile(rig, i));
  commitTable(rig, (v) => ({ ...v, files }));
  return rig;
}

/** Leaf manifests of a version (data files then delete files). */
function leaves(rig: MetadataRig, v: TableVersion): Set<string> {
  return new Set(manifestsOf(rig.catalog).encode(v, false).leaves.keys());
}

function newLeaves(rig: MetadataRig, parent: TableVersion, child: TableVersion): number {
  const old = leaves(rig, parent);
  return [...leaves(rig, child)].filter((id) => !old.has(id)).length;
}

/** The table `t` read back through a second catalog connection, which has none of this process's caches. */
function readBack(rig: MetadataRig): TableVersion | undefined {
  const other = SqliteCatalog.open(rig.catalogPath);
  try {
    const ref = other.getRef(RIG_DB);
    const obj = ref && WorkingTree.load(other, other.getCommit(ref.commitId).tree).object('main', 't');
    return obj?.kind === 'table' ? obj.version : undefined;
  } finally {
    other.close();
  }
}

/** Chunks of `items` as the manifest:v1 build made them (JSON text hashed into 64-digit ids). */
function v1Chunks<T>(items: readonly T[], keyOf: (item: T) => string): KnownChunk<T>[] {
  return chunkList<T>(items, { keyOf, known: () => undefined, reused: () => undefined, create: (chunk, closed) => ({ items: chunk, closed, id: contentId('manifest:v1', JSON.stringify(chunk)) }) });
}

function emptyColumns(): TableVersion['columns'] {
  return [{ id: 1, name: 'id', type: 'BIGINT' }, { id: 2, name: 'v', type: 'VARCHAR' }];
}

describe('table manifests', () => {
  it('writes a few KB of metadata for a one-row commit into a table of 10,000 files', () => {
    const rig = rigWithFiles(10_000);
    const added: number[] = [];
    for (let i = 0; i < 20; i++) {
      const before = catalogRowBytes(rig).total;
      commitTable(rig, (v) => ({ ...v, files: [...v.files, dataFile(rig, 10_000 + i)] }));
      added.push(catalogRowBytes(rig).total - before);
    }
    const mean = added.reduce((a, b) => a + b, 0) / added.length;
    // Listing every file inline wrote about 1.2 MB per commit here.
    assert.ok(Math.max(...added) <= 8 * 1024, `an append commit wrote ${Math.max(...added)} bytes: ${added.join(', ')}`);
    assert.ok(mean <= 5 * 1024, `append commits wrote ${mean} bytes on average: ${added.join(', ')}`);
    assert.equal(headTable(rig)?.files.length, 10_020);
  });

  it('rewrites few chunks for an append, a delete in one file, a removal and a compaction', () => {
    const rig = rigWithFiles(2_000);
    const base = headTable(rig) as TableVersion;
    const total = leaves(rig, base).size;
    assert.ok(total >= 50, `2,000 files make ${total} chunks`);

    const rowsBefore = manifestRows(rig).size;
    commitTable(rig, (v) => ({ ...v, files: [...v.files, dataFile(rig, 5_000)] }));
    const appended = headTable(rig) as TableVersion;
    assert.ok(newLeaves(rig, base, appended) <= 2, 'an append changes the last chunk or two');
    // Leaves and the chunks of chunk ids above them: a few per level.
    assert.ok(manifestRows(rig).size - rowsBefore <= 8, `an append wrote ${manifestRows(rig).size - rowsBefore} manifests`);

    const target = (appended.files[700] as DataFile).key;
    commitTable(rig, (v) => ({ ...v, deletes: [...v.deletes, deleteFile(rig, 1, [target])] }));
    const deleted = headTable(rig) as TableVersion;
    assert.equal(newLeaves(rig, appended, deleted), 1, 'a delete vector adds one delete chunk and no data chunk');

    commitTable(rig, (v) => ({ ...v, files: v.files.filter((_, i) => i !== 1_234) }));
    const removed = headTable(rig) as TableVersion;
    assert.ok(newLeaves(rig, deleted, removed) <= 2, 'removing one file changes the chunk around it');

    // Compaction: ten scattered files and the delete vector become one new file.
    const gone = new Set([3, 250, 400, 777, 901, 1_100, 1_300, 1_555, 1_800, 1_990].map((i) => (removed.files[i] as DataFile).key));
    commitTable(rig, (v) => ({ ...v, files: [...v.files.filter((f) => !gone.has(f.key)), dataFile(rig, 6_000)], deletes: [] }));
    const compacted = headTable(rig) as TableVersion;
    const changed = newLeaves(rig, removed, compacted);
    assert.ok(changed <= 22, `compacting 10 of 2,000 files changed ${changed} of ${total} chunks`);
    assert.equal(compacted.files.length, 1_991);
  });

  it('reads back what it wrote, through any sequence of appends, deletes and replacements', () => {
    type Op =
      | { kind: 'append'; n: number }
      | { kind: 'remove'; at: number; n: number }
      | { kind: 'delete'; at: number }
      | { kind: 'replace'; at: number; n: number }
      | { kind: 'dropDeletes' };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ kind: fc.constant('append' as const), n: fc.integer({ min: 1, max: 80 }) }),
      fc.record({ kind: fc.constant('remove' as const), at: fc.double({ min: 0, max: 1, noNaN: true }), n: fc.integer({ min: 1, max: 10 }) }),
      fc.record({ kind: fc.constant('delete' as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }),
      fc.record({ kind: fc.constant('replace' as const), at: fc.double({ min: 0, max: 1, noNaN: true }), n: fc.integer({ min: 1, max: 30 }) }),
      fc.record({ kind: fc.constant('dropDeletes' as const) }),
    );
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 12 }), (ops) => {
        const rig = freshRig();
        let next = 0;
        let model: TableVersion | undefined;
        for (const o of ops) {
          commitTable(rig, (v) => {
            const at = (x: number): number => Math.floor(x * v.files.length);
            switch (o.kind) {
              case 'append':
                return { ...v, files: [...v.files, ...Array.from({ length: o.n }, () => dataFile(rig, next++))] };
              case 'remove':
                return { ...v, files: v.files.filter((_, i) => i < at(o.at) || i >= at(o.at) + o.n) };
              case 'delete': {
                const f = v.files[at(o.at)];
                return f ? { ...v, deletes: [...v.deletes, deleteFile(rig, next++, [f.key])] } : v;
              }
              case 'replace':
                return { ...v, files: [...v.files.slice(0, at(o.at)), dataFile(rig, next++), ...v.files.slice(at(o.at) + o.n)] };
              case 'dropDeletes':
                return { ...v, deletes: [] };
            }
          });
          model = headTable(rig);
          assert.deepEqual(readBack(rig), model);
        }
        rig.catalog.close();
      }),
      { numRuns: 25 },
    );
  });

  it('reads and extends a table version stored inline before manifests existed', () => {
    const rig = freshRig();
    const legacy: TableVersion = { columns: [{ id: 1, name: 'id', type: 'BIGINT' }], nextColumnId: 2, files: [dataFile(rig, 1), dataFile(rig, 2)], deletes: [] };
    const legacyId = contentId('table:v1', JSON.stringify(legacy));
    const tree = headTree(rig);
    rig.catalog.atomically(() => rig.catalog.putMetadata('table', legacyId, legacy));
    tree.setTableId('main', 't', legacyId);
    commitTree(rig, RIG_DB, (rig.catalog.getRef(RIG_DB) as { commitId: string }).commitId, tree, 'as an old catalog wrote it');
    assert.deepEqual(readBack(rig), legacy);

    commitTable(rig, (v) => ({ ...v, files: [...v.files, dataFile(rig, 3)] }));
    assert.deepEqual(readBack(rig)?.files.map((f) => f.rows), [2, 3, 4]);
    const id = headTree(rig).schemas.get('main')?.tables.get('t') as string;
    assert.equal(rig.catalog.getMetadata<StoredTableVersion>('table', id).format, 'table:v2');
  });

  it('reads, extends and collects a table version stored as manifest:v1 chunks (JSON, 64-digit ids)', async () => {
    const rig = freshRig();
    // As the build before binary chunks wrote it: the same content-defined chunks, as JSON under 64-digit ids, a level of ids above them.
    const files = Array.from({ length: 120 }, (_, i) => dataFile(rig, i));
    const leaves = v1Chunks<DataFile>(files, (f) => f.key);
    const leafIds = leaves.map((c) => c.id);
    const tops = v1Chunks<string>(leafIds, (id) => id);
    assert.ok(leaves.length > 8 && tops.length <= 8, `${leaves.length} leaves, ${tops.length} chunks of ids`);
    const topIds = tops.map((c) => c.id);
    const body: StoredTableVersion = { format: 'table:v2', columns: emptyColumns(), nextColumnId: 3, files: { depth: 1, chunks: topIds }, deletes: { depth: 0, chunks: [] } };
    const tableId = contentId('table:v2', JSON.stringify(body));
    rig.catalog.atomically(() => {
      for (const c of [...leaves, ...tops]) rig.catalog.putMetadata('manifest', c.id, c.items);
      rig.catalog.putMetadata('table', tableId, body);
    });
    const tree = headTree(rig);
    tree.setTableId('main', 't', tableId);
    commitTree(rig, RIG_DB, (rig.catalog.getRef(RIG_DB) as { commitId: string }).commitId, tree, 'as the previous build wrote it');
    const v1Rows = manifestRows(rig);
    assert.equal(v1Rows.size, leaves.length + tops.length);
    assert.ok([...v1Rows].every((id) => id.length === 64));
    assert.deepEqual(readBack(rig)?.files, files);

    // An append keeps the old full chunks (same ids) and writes new ones in the binary form.
    commitTable(rig, (v) => ({ ...v, files: [...v.files, dataFile(rig, 500)] }));
    assert.deepEqual(readBack(rig)?.files, [...files, dataFile(rig, 500)]);
    const head = headTree(rig).schemas.get('main')?.tables.get('t') as string;
    const listed = new Set<string>();
    manifestsOf(rig.catalog).walk(head, (c) => (listed.add(c), true), undefined);
    assert.ok([...listed].some((id) => id.length === 64) && [...listed].some((id) => id.length === 32), `a version mixing both forms: ${[...listed].join(', ')}`);

    // GC keeps what the head lists, of both forms, and collects the rest.
    rig.clock.advance(10_000);
    await collectGarbage({ ...rig, settings: { timeTravelMs: 1_000, gcGraceMs: 0 } });
    assert.deepEqual(manifestRows(rig), listed);
    assert.deepEqual(readBack(rig)?.files, [...files, dataFile(rig, 500)]);
  });

  it('keeps exactly the chunks reachable versions list, and collects the rest', async () => {
    const rig = freshRig();
    for (let i = 0; i < 6; i++) commitTable(rig, (v) => ({ ...v, files: [...v.files, ...Array.from({ length: 40 }, (_, k) => dataFile(rig, i * 40 + k))] }));
    commitTable(rig, (v) => ({ ...v, files: v.files.slice(100) }));
    const kept = headTable(rig);
    assert.ok(manifestRows(rig).size > 0);
    rig.clock.advance(10_000);
    const settings = { timeTravelMs: 1_000, gcGraceMs: 0 };
    const report = await collectGarbage({ ...rig, settings });
    const head = headTree(rig).schemas.get('main')?.tables.get('t') as string;
    const listed = new Set<string>();
    manifestsOf(rig.catalog).walk(head, (c) => (listed.add(c), true), undefined);
    assert.deepEqual(manifestRows(rig), listed);
    assert.ok(report.metadataPruned > 0);
    assert.deepEqual(readBack(rig), kept);
    // The process forgot which chunks are stored: the next commit still writes every chunk it needs.
    commitTable(rig, (v) => ({ ...v, files: [...v.files, dataFile(rig, 999)] }));
    assert.equal(readBack(rig)?.files.length, (kept?.files.length ?? 0) + 1);
  });

  it('reads correctly with a metadata cache too small to hold anything', () => {
    const home = rigHome();
    homes.push(home);
    const rig = openRig(home, { metadataCacheBytes: 0 });
    for (let i = 0; i < 5; i++) commitTable(rig, (v) => ({ ...v, files: [...v.files, ...Array.from({ length: 30 }, (_, k) => dataFile(rig, i * 30 + k))] }));
    assert.equal(headTable(rig)?.files.length, 150);
    assert.deepEqual(readBack(rig), headTable(rig));
  });
});
