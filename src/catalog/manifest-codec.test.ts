import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decodeChunk, decodedChunkBytes, encodeChunk } from './manifest-codec.js';

const hex = (bytes: number): fc.Arbitrary<string> => fc.uint8Array({ minLength: bytes, maxLength: bytes }).map((b) => Buffer.from(b).toString('hex'));
const key = fc.oneof(hex(32).map((h) => `${h}.parquet`), hex(32).map((h) => `${h}.dv`), fc.string(), hex(32));
const count = fc.oneof(fc.nat(), fc.constant(Number.MAX_SAFE_INTEGER), fc.integer({ min: 2 ** 31, max: 2 ** 52 }));
const dataFile = fc.record({ key, rows: count, bytes: count, columnIds: fc.array(fc.nat(), { maxLength: 40 }) });
const deleteFile = fc.record({ key, rows: count, bytes: count, targets: fc.array(key, { maxLength: 5 }) });
// Shapes the compact form does not cover must survive as they are.
const other = fc.oneof(
  fc.record({ key, rows: fc.double({ noNaN: true, noDefaultInfinity: true }), bytes: count, columnIds: fc.array(fc.nat()) }),
  fc.record({ key, rows: count, bytes: count, columnIds: fc.array(fc.nat()), extra: fc.string() }),
  fc.record({ rows: count, key, bytes: count, columnIds: fc.array(fc.nat()) }),
  fc.record({ key, rows: fc.integer({ min: -5, max: -1 }), bytes: count, targets: fc.array(key) }),
);
const id = fc.oneof(hex(16), hex(32), fc.string({ minLength: 1 }));

describe('manifest codec', () => {
  it('decodes every chunk of entries to what was encoded, with the same JSON text', () => {
    fc.assert(
      // Through JSON, as entries are made: plain objects.
      fc.property(fc.array(fc.oneof(dataFile, deleteFile, other), { minLength: 1, maxLength: 40 }).map((a) => JSON.parse(JSON.stringify(a)) as unknown[]), (items) => {
        const back = decodeChunk(encodeChunk(items));
        assert.deepEqual(back, items);
        assert.equal(JSON.stringify(back), JSON.stringify(items));
      }),
    );
  });

  it('decodes every chunk of ids to what was encoded', () => {
    fc.assert(fc.property(fc.array(id, { minLength: 1, maxLength: 40 }), (ids) => assert.deepEqual(decodeChunk(encodeChunk(ids)), ids)));
  });

  it('stores a content-hash key in 33 bytes and a 128-bit id in 17', () => {
    const k = `${'ab'.repeat(32)}.parquet`;
    const one = encodeChunk([{ key: k, rows: 1, bytes: 1000, columnIds: [1, 2] }]).length;
    assert.equal(one, 2 + 1 + 33 + 1 + 2 + 1 + 2);
    assert.equal(encodeChunk(['cd'.repeat(16), 'ef'.repeat(16)]).length, 2 + 2 * 17);
  });

  it('refuses a corrupt body with a clear error', () => {
    const body = encodeChunk([{ key: 'k', rows: 1, bytes: 2, columnIds: [1] }]);
    assert.throws(() => decodeChunk(body.subarray(0, body.length - 1)), /CATALOG_BAD_MANIFEST|cannot be read/);
    assert.throws(() => decodeChunk(Uint8Array.of(9, 0)), /unknown chunk kind/);
  });

  it('estimates the heap of decoded entries within a factor of two of V8', () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    const items = Array.from({ length: 20_000 }, (_, i) => ({ key: `${i.toString(16).padStart(64, '0')}.parquet`, rows: i, bytes: 1000 + i, columnIds: [1, 2] }));
    const body = encodeChunk(items);
    const estimate = decodedChunkBytes(items);
    if (!gc) {
      assert.ok(estimate > 20_000 * 100, `estimate ${estimate}`);
      return;
    }
    gc();
    const before = process.memoryUsage().heapUsed;
    const back = decodeChunk(body);
    gc();
    const used = process.memoryUsage().heapUsed - before;
    assert.equal(back.length, 20_000);
    assert.ok(estimate <= 2 * used && used <= 2 * estimate, `estimated ${estimate} bytes, V8 used ${used}`);
  });
});
