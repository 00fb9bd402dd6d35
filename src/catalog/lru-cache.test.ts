import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LruCache } from './lru-cache.js';

describe('LRU cache', () => {
  it('evicts the least recently used past its weight bound', () => {
    const c = new LruCache<string, number>(10);
    c.set('a', 1, 4);
    c.set('b', 2, 4);
    assert.equal(c.get('a'), 1);
    c.set('c', 3, 4);
    assert.equal(c.get('b'), undefined, 'b was used least recently');
    assert.equal(c.get('a'), 1);
    assert.equal(c.get('c'), 3);
    assert.equal(c.weight, 8);
  });

  it('keeps nothing heavier than its bound, and replaces a key in place', () => {
    const c = new LruCache<string, number>(5);
    c.set('big', 1, 6);
    assert.equal(c.size, 0);
    c.set('k', 1, 2);
    c.set('k', 2, 3);
    assert.equal(c.get('k'), 2);
    assert.equal(c.weight, 3);
    c.delete('k');
    assert.equal(c.weight, 0);
  });
});
