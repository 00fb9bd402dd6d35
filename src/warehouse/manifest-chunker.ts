/**
 * Content-defined chunking of a list into manifests: a chunk ends after an
 * item whose key hashes to a boundary (or at the maximum size), so inserting,
 * removing or appending items changes only the chunks around the change and
 * every other chunk keeps its content, hence its id. Keys are already content
 * hashes (file keys, chunk ids), so a cheap string hash decides.
 */

/** Fewest items of a chunk that is not the last (a boundary hit earlier is ignored). */
export const MIN_CHUNK_ITEMS = 2;
/** A boundary follows an item with probability 1/AVERAGE_BOUNDARY_GAP: chunks average about MIN + this. */
export const AVERAGE_BOUNDARY_GAP = 8;
/** Most items of a chunk: a run of keys without a boundary hit is cut here. */
export const MAX_CHUNK_ITEMS = 32;

/** Whether a chunk holding `count` items, the last keyed `key`, ends here. */
export function endsChunk(key: string, count: number): boolean {
  return count >= MAX_CHUNK_ITEMS || (count >= MIN_CHUNK_ITEMS && keyHash(key) % AVERAGE_BOUNDARY_GAP === 0);
}

/** FNV-1a over the key's characters: stable across processes and versions (it decides stored chunk ids). */
function keyHash(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A chunk already built for some items: reused when the same items (by identity) start a chunk again. */
export interface KnownChunk<T> {
  readonly items: readonly T[];
  readonly id: string;
  /** Whether the chunk ended at a boundary (else at the end of its list, so it only fits at the end of a list). */
  readonly closed: boolean;
}

/** How the chunker finds, names and remembers chunks. */
export interface ChunkSource<T> {
  /** The boundary key of an item. */
  keyOf(item: T): string;
  /** A chunk remembered as starting with `first`. */
  known(first: T): KnownChunk<T> | undefined;
  /** Names a new chunk (hashing it) and remembers it. */
  create(items: readonly T[], closed: boolean): KnownChunk<T>;
  /** Told when a known chunk is reused as it is. */
  reused(chunk: KnownChunk<T>): void;
}

/**
 * Splits `items` into chunks; known chunks are reused after an identity check
 * of their items, so unchanged parts cost neither serializing nor hashing.
 */
export function chunkList<T>(items: readonly T[], source: ChunkSource<T>): KnownChunk<T>[] {
  const out: KnownChunk<T>[] = [];
  let start = 0;
  while (start < items.length) {
    const known = source.known(items[start] as T);
    if (known && fits(items, start, known)) {
      source.reused(known);
      out.push(known);
      start += known.items.length;
      continue;
    }
    let end = start;
    let closed = false;
    while (end < items.length) {
      end++;
      if (endsChunk(source.keyOf(items[end - 1] as T), end - start)) {
        closed = true;
        break;
      }
    }
    out.push(source.create(items.slice(start, end), closed));
    start = end;
  }
  return out;
}

/** Whether `known` is exactly the chunk that chunking would cut at `start`. */
function fits<T>(items: readonly T[], start: number, known: KnownChunk<T>): boolean {
  const n = known.items.length;
  if (start + n > items.length || (!known.closed && start + n !== items.length)) return false;
  for (let i = 0; i < n; i++) if (items[start + i] !== known.items[i]) return false;
  return true;
}
