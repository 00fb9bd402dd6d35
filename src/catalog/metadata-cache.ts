import { LruCache } from './lru-cache.js';
import type { MetadataKind } from './model.js';

/**
 * Share of the bound kept for small rows (root, schema and table versions).
 * Every commit makes a new root and schema row that a statement reads a few
 * times and then never again once the next commit supersedes it; in one LRU
 * with the chunks they filled the whole bound before the oldest went, so a
 * long run of commits grew the heap by ~0.35 MB per 1,000 commits for
 * 100,000 commits. A sixteenth (2 MiB by default: some 5,000 rows, the heads
 * of thousands of databases) fills within a few thousand commits; a miss
 * costs one indexed read of a row of a few hundred bytes.
 */
const ROWS_SHARE = 1 / 16;

/**
 * The catalog's cache of parsed metadata, bounded in estimated heap bytes:
 * manifest chunks (what reading a large table needs again) and small rows in
 * two least-recently-used lists under one bound, so rows of superseded heads
 * cannot push out a large table's chunks, nor hold the heap for long.
 */
export class MetadataCache {
  private readonly chunks: LruCache<string, unknown>;
  private readonly rows: LruCache<string, unknown>;

  /** `maxWeight` is the bound of both lists together. */
  constructor(readonly maxWeight: number) {
    const rows = Math.floor(maxWeight * ROWS_SHARE);
    this.rows = new LruCache(rows);
    this.chunks = new LruCache(maxWeight - rows);
  }

  /** The cached body of `id`, marked as used now. */
  get(kind: MetadataKind, id: string): unknown {
    return this.list(kind).get(id);
  }

  /** The cached body of `id`, leaving its place in the order as it is. */
  peek(kind: MetadataKind, id: string): unknown {
    return this.list(kind).peek(id);
  }

  /** Caches a body with its estimated heap bytes. */
  set(kind: MetadataKind, id: string, body: unknown, weight: number): void {
    this.list(kind).set(id, body, weight);
  }

  /** Forgets `id` (pruned). */
  delete(id: string): void {
    this.rows.delete(id);
    this.chunks.delete(id);
  }

  /** Entries held. */
  get size(): number {
    return this.rows.size + this.chunks.size;
  }

  /** Estimated bytes held (never above {@link maxWeight}). */
  get weight(): number {
    return this.rows.weight + this.chunks.weight;
  }

  private list(kind: MetadataKind): LruCache<string, unknown> {
    return kind === 'manifest' ? this.chunks : this.rows;
  }
}
