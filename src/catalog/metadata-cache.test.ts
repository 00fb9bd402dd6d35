import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MetadataCache } from './metadata-cache.js';

describe('metadata cache', () => {
  it('keeps rows within their share, so a long run of rows never pushes out a table’s chunks', () => {
    const cache = new MetadataCache(16_000);
    for (let i = 0; i < 10; i++) cache.set('manifest', `c${i}`, [i], 1_000);
    // A long run of commits: each makes a root and a schema row, read and then superseded.
    for (let i = 0; i < 10_000; i++) {
      cache.set('root', `r${i}`, { i }, 100);
      cache.set('schema', `s${i}`, { i }, 100);
    }
    for (let i = 0; i < 10; i++) assert.deepEqual(cache.get('manifest', `c${i}`), [i]);
    assert.ok(cache.weight <= 16_000, `weight ${cache.weight}`);
    assert.equal(cache.get('root', 'r0'), undefined);
    assert.deepEqual(cache.get('root', 'r9999'), { i: 9_999 });
  });

  it('peeks without reordering, and forgets pruned ids of either list', () => {
    const cache = new MetadataCache(3_000);
    cache.set('manifest', 'a', 1, 1_000);
    cache.set('manifest', 'b', 2, 1_000);
    assert.equal(cache.peek('manifest', 'a'), 1);
    // 'a' was only peeked, so it is still the oldest and goes first.
    cache.set('manifest', 'c', 3, 1_000);
    assert.equal(cache.get('manifest', 'a'), undefined);
    assert.equal(cache.get('manifest', 'b'), 2);
    cache.delete('b');
    assert.equal(cache.get('manifest', 'b'), undefined);
    assert.equal(cache.size, 1);
  });
});
