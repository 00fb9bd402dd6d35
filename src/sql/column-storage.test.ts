import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isMayflyError } from '../core/errors.js';
import { columnStorage, decodeColumn } from './column-storage.js';

describe('column storage', () => {
  it('keeps plain types as they are, with no cast either way', () => {
    for (const type of ['INTEGER', 'DECIMAL(18,3)', 'TIMESTAMP WITH TIME ZONE', 'VARCHAR[]', 'STRUCT(a INTEGER, "b c" VARCHAR)', 'MAP(VARCHAR, DOUBLE[])']) {
      const s = columnStorage(type, 'c');
      assert.equal(s.storedType, type);
      assert.equal(s.encode('x'), 'x');
      assert.equal(s.decode('x'), 'x');
    }
  });

  it('stores text-encoded parts as VARCHAR at any depth, and casts fixed-size arrays and enums back', () => {
    assert.equal(columnStorage('HUGEINT', 'c').encode('x'), 'CAST(x AS VARCHAR)');
    assert.equal(columnStorage('STRUCT("we""ird" TIME WITH TIME ZONE, b BIT)[2][]', 'c').storedType, 'STRUCT("we""ird" VARCHAR, b VARCHAR)[2][]');
    assert.equal(columnStorage('MAP(INTERVAL, UHUGEINT[])', 'c').storedType, 'MAP(VARCHAR, VARCHAR[])');
    const e = columnStorage("ENUM('a,b', 'c)''d')", 'c');
    assert.equal(e.encode('x'), 'x');
    assert.equal(e.decode('x'), "CAST(x AS ENUM('a,b', 'c)''d'))");
    assert.equal(columnStorage('INTEGER[3]', 'c').decode('x'), 'CAST(x AS INTEGER[3])');
  });

  it('refuses UNION, VARIANT, GEOMETRY and unknown types at any depth, naming the column', () => {
    for (const type of ['UNION(a INTEGER, b VARCHAR)', 'STRUCT(u UNION(a INTEGER))[]', 'MAP(VARCHAR, VARIANT)', 'GEOMETRY', "GEOMETRY('OGC:CRS84')", 'NULL', 'STRUCT(a INTEGER']) {
      assert.throws(
        () => columnStorage(type, 'pick'),
        (e: unknown) => isMayflyError(e, 'TYPE_UNSUPPORTED') && e.message.startsWith('column pick: type '),
        type,
      );
      assert.equal(decodeColumn('x', type, 'pick'), 'x', 'a stored column of a refused type still reads as written');
    }
  });
});
