import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { SqliteCatalog } from '../src/catalog/sqlite-catalog.js';
import type { DataFile, DeleteFile, TableVersion } from '../src/catalog/model.js';
import { TableManifests } from '../src/warehouse/table-manifests.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function catalog(): SqliteCatalog {
  const dir = mkdtempSync(join(tmpdir(), 'mayfly-parent-encoding-'));
  dirs.push(dir);
  return SqliteCatalog.open(join(dir, 'catalog.sqlite'));
}

const key = (n: number, ext: string): string => `${createHash('sha256').update(`entry ${n}`).digest('hex')}.${ext}`;
const dataFile = (n: number): DataFile => ({ key: key(n, 'parquet'), rows: 1 + (n % 5), bytes: 900 + n, columnIds: [1] });
const deleteFile = (n: number, target: string): DeleteFile => ({ key: key(n, 'dv'), rows: 1, bytes: 300 + n, targets: [target] });
const table = (files: readonly DataFile[], deletes: readonly DeleteFile[] = []): TableVersion => ({
  columns: [{ id: 1, name: 'id', type: 'BIGINT' }],
  nextColumnId: 2,
  files,
  deletes,
});

type Op =
  | { kind: 'append'; n: number }
  | { kind: 'remove'; at: number; n: number }
  | { kind: 'insert'; at: number; n: number }
  | { kind: 'delete'; at: number }
  | { kind: 'same' }
  | { kind: 'reread' };

const at = fc.double({ min: 0, max: 1, noNaN: true });
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('append' as const), n: fc.integer({ min: 1, max: 40 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('remove' as const), at, n: fc.integer({ min: 1, max: 12 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('insert' as const), at, n: fc.integer({ min: 1, max: 5 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), at }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('same' as const) }) },
  // Equal entries that are other objects (a version read back from the catalog): nothing can be kept by identity.
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reread' as const) }) },
);

describe('encoding a table version against its parent', () => {
  it('gives the same id and body as encoding it alone, and finds every file the parent did not hold', () => {
    const mine = new TableManifests(catalog());
    const reference = catalog();
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_500 }), fc.array(op, { minLength: 1, maxLength: 15 }), (size, ops) => {
        let next = size;
        let parent = table(Array.from({ length: size }, (_, i) => dataFile(i)));
        mine.encode(parent, false);
        for (const o of ops) {
          const pos = (x: number): number => Math.floor(x * parent.files.length);
          const files = parent.files;
          const child =
            o.kind === 'append'
              ? table(files.concat(Array.from({ length: o.n }, () => dataFile(next++))), parent.deletes)
              : o.kind === 'remove'
                ? table(files.filter((_, i) => i < pos(o.at) || i >= pos(o.at) + o.n), parent.deletes)
                : o.kind === 'insert'
                  ? table([...files.slice(0, pos(o.at)), ...Array.from({ length: o.n }, () => dataFile(next++)), ...files.slice(pos(o.at))], parent.deletes)
                  : o.kind === 'delete' && files.length > 0
                    ? table(files, [...parent.deletes, deleteFile(next++, (files[pos(o.at) % files.length] as DataFile).key)])
                    : o.kind === 'reread'
                      ? table(files.map((f) => ({ ...f })), parent.deletes.map((d) => ({ ...d })))
                      : table(files, parent.deletes);
          const encoded = mine.encode(child, false, parent);
          // A manifests instance that never saw any of these entries chunks from scratch.
          const alone = new TableManifests(reference).encode(child, false);
          assert.equal(encoded.id, alone.id);
          assert.deepEqual(encoded.body, alone.body);
          // What the commit checks exists: every entry the parent did not list.
          const held = new Set([...parent.files, ...parent.deletes].map((e) => e.key));
          const replaced = new Set(encoded.replaced.map((e) => e.key));
          for (const k of replaced) assert.ok(held.has(k), 'a replaced entry is one of the parent');
          const added = new Set(encoded.freshEntries.filter((e) => !replaced.has(e.key)).map((e) => e.key));
          for (const e of [...child.files, ...child.deletes]) if (!held.has(e.key)) assert.ok(added.has(e.key), `${e.key} is new but not listed as added`);
          parent = child;
        }
      }),
      { numRuns: 40 },
    );
  });

  it('re-cuts only the end of a long list for an append, and replaces only the chunk around a removal', () => {
    const m = new TableManifests(catalog());
    const parent = table(Array.from({ length: 20_000 }, (_, i) => dataFile(i)));
    const first = m.encode(parent, false);
    // As after the parent's commit: its chunks are stored, so reusing them writes nothing.
    m.committed([first]);
    const child = table(parent.files.concat([dataFile(20_000)]));
    const encoded = m.encode(child, false, parent);
    // The chunks written: the new last leaf and the last chunk of each level above it, nothing else.
    assert.ok(encoded.chunks.size <= 2 * (encoded.body.files.depth + 1), `${encoded.chunks.size} chunks to write for a one-file append`);
    assert.ok(encoded.replaced.length <= 64, `${encoded.replaced.length} entries of the parent re-cut`);
    assert.ok(encoded.freshEntries.length <= 64 && encoded.freshEntries.includes(child.files[20_000] as DataFile));
    const shared = [...first.leaves.keys()].filter((id) => encoded.leaves.has(id)).length;
    assert.ok(shared >= first.leaves.size - 2, `${shared} of ${first.leaves.size} leaves shared`);
    // A file removed near the start: the chunks after it are found again, so only the chunk around it is replaced.
    const removed = m.encode(table(child.files.filter((_, i) => i !== 100)), false, child);
    assert.ok(removed.replaced.length <= 64, `${removed.replaced.length} entries replaced by removing one`);
  });
});
