/**
 * A least-recently-used cache bounded by a total weight (estimated bytes, or
 * one per entry), so a long process keeps what it reads often and nothing
 * grows with the number of commits it has seen.
 */
export class LruCache<K, V> {
  /** A Map iterates in insertion order: re-inserting on each hit keeps the oldest first. */
  private readonly entries = new Map<K, { readonly value: V; readonly weight: number }>();
  private total = 0;

  /** `maxWeight` is the bound; an entry heavier than it is not kept at all. */
  constructor(readonly maxWeight: number) {}

  /** The cached value of `key`, marked as used now. */
  get(key: K): V | undefined {
    const e = this.entries.get(key);
    if (e === undefined) return undefined;
    this.entries.delete(key);
    this.entries.set(key, e);
    return e.value;
  }

  /** The cached value of `key`, leaving its place in the order as it is. */
  peek(key: K): V | undefined {
    return this.entries.get(key)?.value;
  }

  /** Caches `value` under `key` with its weight, evicting the least recently used past the bound. */
  set(key: K, value: V, weight = 1): void {
    this.delete(key);
    if (weight > this.maxWeight) return;
    this.entries.set(key, { value, weight });
    this.total += weight;
    for (const [k, e] of this.entries) {
      if (this.total <= this.maxWeight) break;
      this.entries.delete(k);
      this.total -= e.weight;
    }
  }

  /** Forgets `key`. */
  delete(key: K): void {
    const e = this.entries.get(key);
    if (e === undefined) return;
    this.entries.delete(key);
    this.total -= e.weight;
  }

  /** Forgets everything. */
  clear(): void {
    this.entries.clear();
    this.total = 0;
  }

  /** Number of entries held. */
  get size(): number {
    return this.entries.size;
  }

  /** Sum of the weights held (never above {@link maxWeight}). */
  get weight(): number {
    return this.total;
  }
}
