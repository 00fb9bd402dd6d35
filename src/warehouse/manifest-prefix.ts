import type { KnownChunk } from './manifest-chunker.js';

/**
 * What a table version shares with its parent at the start of each chunk
 * level. Chunking is a function of the entries, cut left to right, so the
 * parent's chunks that start a list identically are the chunks the list would
 * be cut into there: an append into 100,000 files keeps the parent's leaves
 * after one pointer comparison per entry and re-cuts only its last chunks.
 */

/** A run of a parent level's first chunks that a new level keeps: how many, and how many items of the level they cover. */
export interface SharedPrefix {
  readonly chunks: number;
  readonly items: number;
}

/**
 * The parent's leaf chunks that start `items` entry for entry (by identity);
 * `keep` is told each. `parentItems` is the list the parent's leaves were cut
 * from: the common prefix is found in one pass over the two flat arrays (a
 * chunk-by-chunk comparison touched 10,000 small arrays at 100,000 files),
 * then every leaf that ends inside it is kept.
 */
export function sharedLeaves<T>(items: readonly T[], parentItems: readonly T[], parent: readonly KnownChunk<unknown>[], keep: (c: KnownChunk<unknown>) => void): SharedPrefix {
  const limit = Math.min(items.length, parentItems.length);
  let same = 0;
  while (same < limit && items[same] === parentItems[same]) same++;
  let chunks = 0;
  let start = 0;
  while (chunks < parent.length) {
    const c = parent[chunks] as KnownChunk<unknown>;
    const end = start + c.items.length;
    // An open chunk (the list's last) is only the same chunk where it ends the new list too.
    if (end > same || (!c.closed && end !== items.length)) break;
    keep(c);
    start = end;
    chunks++;
  }
  return { chunks, items: start };
}

/**
 * The parent's chunks of chunk ids that lie over the first `below` chunks of
 * the level beneath, which are the parent's own (so their ids are the
 * parent's); the last one only when it ends the new level too. `keep` is told each.
 */
export function sharedAbove(parent: readonly KnownChunk<unknown>[], below: number, levelLength: number, keep: (c: KnownChunk<unknown>) => void): SharedPrefix {
  let chunks = 0;
  let covered = 0;
  while (chunks < parent.length) {
    const c = parent[chunks] as KnownChunk<unknown>;
    const end = covered + c.items.length;
    if (end > below || (!c.closed && end !== levelLength)) break;
    keep(c);
    covered = end;
    chunks++;
  }
  return { chunks, items: covered };
}

/** A level made of the parent's first `kept` chunks followed by newly cut ones (one array of its final size: a level of 100,000 files holds some 10,000 chunks). */
export function extendLevel(parent: readonly KnownChunk<unknown>[], kept: number, cut: readonly KnownChunk<unknown>[]): KnownChunk<unknown>[] {
  const level = new Array<KnownChunk<unknown>>(kept + cut.length);
  for (let i = 0; i < kept; i++) level[i] = parent[i] as KnownChunk<unknown>;
  for (let i = 0; i < cut.length; i++) level[kept + i] = cut[i] as KnownChunk<unknown>;
  return level;
}
