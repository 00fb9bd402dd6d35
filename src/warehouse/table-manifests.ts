import { internal } from '../core/errors.js';
import { contentId } from '../core/ids.js';
import type { Catalog } from '../catalog/catalog.js';
import type { DataFile, DeleteFile, ManifestList, StoredTableVersion, TableVersion } from '../catalog/model.js';
import { LruCache } from '../catalog/lru-cache.js';
import { chunkList, endsChunk, MAX_CHUNK_ITEMS, type ChunkSource, type KnownChunk } from './manifest-chunker.js';
import { extendLevel, sharedAbove, sharedLeaves } from './manifest-prefix.js';

/** Identity formats: a change of chunking or layout changes every id. */
const TABLE_FORMAT = 'table:v2';
/**
 * Chunks made now: 128-bit ids (the first 32 hex digits of the hash), which
 * the catalog stores in binary (src/catalog/manifest-codec.ts). A chunk id is
 * written once per level of every commit and again inside the chunk of ids
 * above it, and 128 bits keep collisions out of reach (2^-64 at 2^32 chunks).
 * Chunks of `manifest:v1` (64 digits, JSON) stay readable and are reused as
 * they are.
 */
const MANIFEST_FORMAT = 'manifest:v2';
const MANIFEST_ID_DIGITS = 32;
/** A version lists at most this many top chunks; longer lists get another level of manifests of chunk ids. */
const TOP_CHUNKS = 8;
/** Assembled versions kept, in entries (their entries are shared with cached chunks; the arrays are the cost). */
const ASSEMBLED_ENTRIES = 200_000;
/** What a version weighs in that cache beyond its entries: at most 200 versions however small. */
const ASSEMBLED_VERSION_WEIGHT = 1000;
/** Known chunks of chunk ids (upper levels) remembered by their first id. */
const KNOWN_ID_CHUNKS = 4096;

type Entry = DataFile | DeleteFile;
/** A chunk as the working tree tracks it: whether the catalog holds it yet. */
type Known<T> = KnownChunk<T> & { stored: Stored };
/** When a chunk was last seen in the catalog (read, or written by a durable commit), and in which GC generation. */
interface Stored {
  readonly generation: number;
  readonly at: number;
}
/** The chunks of one list of an encoded version, level by level, leaves first. */
type Levels = readonly (readonly KnownChunk<unknown>[])[];
/** Never seen stored. */
const UNSTORED: Stored = { generation: 0, at: -Infinity };
/**
 * How long a chunk seen in the catalog is trusted to still be there. A chunk
 * is pruned only when no version of the time-travel window lists it, and it
 * was listed when seen; past this, another process's GC may have pruned it,
 * so the next commit reusing it writes it again (INSERT OR IGNORE).
 */
const STORED_TRUST_MS = 60_000;

/** A table version ready to store: its id, its body and the chunks it needs that may not be stored yet. */
export interface EncodedVersion {
  readonly id: string;
  readonly body: StoredTableVersion;
  /** Chunks this encoding made or reused without knowing they are stored (INSERT OR IGNORE is idempotent). */
  readonly chunks: ReadonlyMap<string, readonly unknown[]>;
  /** Entries of newly made leaf chunks: a superset of the files this version adds to any version sharing its leaves. */
  readonly freshEntries: readonly Entry[];
  /** Entries of the parent's leaf chunks this version no longer lists (so a subset of the parent's entries). */
  readonly replaced: readonly Entry[];
  /** Leaf chunks by id, with their entries (built when first read). */
  readonly leaves: ReadonlyMap<string, readonly Entry[]>;
}

/** How two sets of table versions differ: see {@link TableManifests.difference}. */
export interface ManifestDifference {
  /** Entries under chunks not shared by both sides, with how many versions of each side list them. */
  readonly entries: ReadonlyMap<string, { readonly entry: DataFile | DeleteFile; readonly gained: number; readonly lost: number }>;
  /** Chunks both sides list (entries unread). */
  readonly cancelled: readonly string[];
}

/**
 * Table versions stored as manifests: a version is its columns plus the ids
 * of content-addressed chunks of file entries, shared with its parent. One
 * instance per catalog remembers the chunks it read or wrote by the identity
 * of their entries, so a commit that appends to a large table re-hashes only
 * the chunks it changed.
 */
export class TableManifests {
  /** Leaf chunks by their first entry object: weak, so it holds nothing the rest of the process dropped. */
  private readonly leafChunks = new WeakMap<Entry, Known<Entry>>();
  private readonly idChunks = new LruCache<string, Known<string>>(KNOWN_ID_CHUNKS);
  private readonly assembled = new LruCache<string, TableVersion>(ASSEMBLED_ENTRIES);
  /** Chunk levels of versions encoded before, by version object (weak): a child of one re-cuts only what follows the prefix it shares. */
  private readonly levelsOf = new WeakMap<TableVersion, { readonly files: Levels; readonly deletes: Levels }>();
  /** Bumped when a GC may have deleted chunks: chunks known as stored before must be written again. */
  private generation = 1;

  constructor(private readonly catalog: Catalog) {}

  /** The table version `id`, assembled from its chunks (or read inline from a catalog written before manifests). */
  read(id: string): TableVersion {
    const cached = this.assembled.get(id);
    if (cached) return cached;
    const body = this.catalog.getMetadata<StoredTableVersion | TableVersion>('table', id);
    if (!isManifested(body)) return body;
    const version: TableVersion = {
      columns: body.columns,
      nextColumnId: body.nextColumnId,
      files: this.expand<DataFile>(body.files),
      deletes: this.expand<DeleteFile>(body.deletes),
    };
    this.assembled.set(id, version, ASSEMBLED_VERSION_WEIGHT + version.files.length + version.deletes.length);
    return version;
  }

  /** Visits every chunk id a stored version lists, at every level (for GC; a chunk `visitChunk` refuses is not descended), and its entries when `visitEntry` is given. */
  walk(id: string, visitChunk: (chunkId: string) => boolean, visitEntry: ((e: Entry) => void) | undefined): void {
    // GC and the reference index read here, once each: kept out of the metadata cache, they would only push out what queries read again.
    const body = this.catalog.getMetadata<StoredTableVersion | TableVersion>('table', id, false);
    if (!isManifested(body)) {
      if (visitEntry) for (const e of [...body.files, ...body.deletes]) visitEntry(e);
      return;
    }
    const descend = (ids: readonly string[], depth: number): void => {
      for (const chunkId of ids) {
        if (!visitChunk(chunkId)) continue;
        const items = this.catalog.getMetadata<readonly unknown[]>('manifest', chunkId, false);
        if (depth > 0) descend(items as readonly string[], depth - 1);
        else if (visitEntry) for (const e of items as readonly Entry[]) visitEntry(e);
      }
    };
    descend(body.files.chunks, body.files.depth);
    descend(body.deletes.chunks, body.deletes.depth);
  }

  /**
   * The entries by which versions `gained` differ from versions `lost`,
   * counted per side, reading only chunks the two sides do not share: a chunk
   * listed by both (at any level, the deepest first) cancels unread. Returns
   * the entries left on each side and the chunks that cancelled (their
   * entries are on both sides; {@link entriesOf} reads them when needed).
   * Versions stored inline (before manifests) take part entry by entry.
   */
  difference(gained: readonly string[], lost: readonly string[]): ManifestDifference {
    const entries = new Map<string, { entry: Entry; gained: number; lost: number }>();
    const tally = (e: Entry, side: 'gained' | 'lost', n: number): void => {
      const c = entries.get(e.key) ?? { entry: e, gained: 0, lost: 0 };
      c[side] += n;
      entries.set(e.key, c);
    };
    // Pending chunks by depth: id → count on each side.
    const levels = new Map<number, Map<string, { gained: number; lost: number }>>();
    const add = (id: string, depth: number, side: 'gained' | 'lost', n: number): void => {
      const level = levels.get(depth) ?? new Map<string, { gained: number; lost: number }>();
      levels.set(depth, level);
      const c = level.get(id) ?? { gained: 0, lost: 0 };
      c[side] += n;
      level.set(id, c);
    };
    for (const [ids, side] of [[gained, 'gained'], [lost, 'lost']] as const) {
      for (const id of ids) {
        const body = this.catalog.getMetadata<StoredTableVersion | TableVersion>('table', id, false);
        if (!isManifested(body)) {
          for (const e of [...body.files, ...body.deletes]) tally(e, side, 1);
          continue;
        }
        for (const list of [body.files, body.deletes]) for (const chunk of list.chunks) add(chunk, list.depth, side, 1);
      }
    }
    const cancelled: string[] = [];
    for (let depth = Math.max(-1, ...levels.keys()); depth >= 0; depth--) {
      for (const [id, c] of levels.get(depth) ?? []) {
        const shared = Math.min(c.gained, c.lost);
        if (shared > 0) cancelled.push(id);
        const rest = { gained: c.gained - shared, lost: c.lost - shared };
        if (rest.gained === 0 && rest.lost === 0) continue;
        const items = this.catalog.getMetadata<readonly unknown[]>('manifest', id, false);
        for (const side of ['gained', 'lost'] as const) {
          if (rest[side] === 0) continue;
          if (depth > 0) for (const child of items as readonly string[]) add(child, depth - 1, side, rest[side]);
          else for (const e of items as readonly Entry[]) tally(e, side, rest[side]);
        }
      }
    }
    return { entries, cancelled };
  }

  /** The keys of the entries under chunks `ids` (of any level). */
  entryKeysOf(ids: readonly string[], into: Set<string>): void {
    const visit = (id: string): void => {
      const items = this.catalog.getMetadata<readonly unknown[]>('manifest', id, false);
      for (const item of items) {
        if (typeof item === 'string') visit(item);
        else into.add((item as Entry).key);
      }
    };
    for (const id of ids) visit(id);
  }

  /**
   * Chunks `version` into manifests, reusing every chunk it shares (by entry
   * identity) with versions read or written before. `remember` keeps it
   * assembled for the next read (not wanted when re-encoding a version read
   * just before, which would evict the new one). With `parent` (the version
   * it replaces), the chunks that start both lists alike are taken from the
   * parent's encoding after an identity check, and only the rest is cut and
   * looked up: an append into 100,000 files costs a pointer comparison per
   * entry, not a lookup per chunk. The result is the same either way
   * (chunking is a function of the entries).
   */
  encode(version: TableVersion, remember = true, parent?: TableVersion): EncodedVersion {
    const chunks = new Map<string, readonly unknown[]>();
    const freshEntries: Entry[] = [];
    const replaced: Entry[] = [];
    const prior = parent === undefined ? undefined : this.levelsOfVersion(parent);
    const now = performance.now();
    const files = this.encodeList<DataFile>(version.files, parent?.files ?? [], prior?.files, { chunks, fresh: freshEntries, replaced, now });
    const deletes = this.encodeList<DeleteFile>(version.deletes, parent?.deletes ?? [], prior?.deletes, { chunks, fresh: freshEntries, replaced, now });
    const body: StoredTableVersion = { format: TABLE_FORMAT, columns: version.columns, nextColumnId: version.nextColumnId, files: files.list, deletes: deletes.list };
    const id = contentId(TABLE_FORMAT, JSON.stringify(body));
    if (remember) this.assembled.set(id, version, ASSEMBLED_VERSION_WEIGHT + version.files.length + version.deletes.length);
    this.levelsOf.set(version, { files: files.levels, deletes: deletes.levels });
    let leaves: Map<string, readonly Entry[]> | undefined;
    return {
      id,
      body,
      chunks,
      freshEntries,
      replaced,
      get leaves(): ReadonlyMap<string, readonly Entry[]> {
        leaves ??= new Map([...(files.levels[0] ?? []), ...(deletes.levels[0] ?? [])].map((c) => [c.id, c.items as readonly Entry[]]));
        return leaves;
      },
    };
  }

  /** The chunk levels of a version; one not encoded in this process yet (its first change here) is chunked now, whole. */
  private levelsOfVersion(version: TableVersion): { readonly files: Levels; readonly deletes: Levels } {
    if (!this.levelsOf.has(version)) this.encode(version, false);
    // Encoding remembers them; no levels would only mean nothing is taken from the parent.
    return this.levelsOf.get(version) ?? { files: [], deletes: [] };
  }

  /** Writes an encoded version and the chunks it needs (inside the caller's transaction). */
  put(encoded: EncodedVersion): void {
    for (const [id, items] of encoded.chunks) this.catalog.putMetadata('manifest', id, items);
    this.catalog.putMetadata('table', encoded.id, encoded.body);
  }

  /** Marks the chunks of versions whose commit is durable as stored, so later commits do not write them again. */
  committed(encoded: Iterable<EncodedVersion>): void {
    for (const e of encoded) {
      for (const [id, items] of e.chunks) {
        const first = items[0];
        const known = typeof first === 'string' ? this.idChunks.get(first) : this.leafChunks.get(first as Entry);
        if (known?.id === id) known.stored = this.seenNow();
      }
    }
  }

  /** Forgets which chunks are stored (after a GC pruned some). */
  forgetStored(): void {
    this.generation++;
    this.assembled.clear();
  }

  /**
   * Chunks one list, level by level. With `prior` (the parent's levels), the
   * chunks each level shares with the parent's at its start are kept
   * (manifest-prefix.ts) and the rest is cut again, looking up known chunks
   * as usual.
   */
  private encodeList<T extends Entry>(items: readonly T[], parentItems: readonly Entry[], prior: Levels | undefined, out: EncodeOutput): { list: ManifestList; levels: Levels } {
    const keep = (c: KnownChunk<unknown>): void => this.note(c as Known<unknown>, out.chunks, out.now);
    const priorLeaves = prior?.[0] ?? [];
    const shared = sharedLeaves<Entry>(items, parentItems, priorLeaves, keep);
    const cut = chunkList<Entry>(items.slice(shared.items), this.leafSource(out.chunks, out.fresh));
    if (shared.chunks < priorLeaves.length) {
      // Past a change in the middle, the chunker finds most of the parent's chunks again: only the others are replaced.
      const listed = new Set(cut.map((c) => c.id));
      for (const c of priorLeaves.slice(shared.chunks)) if (!listed.has(c.id)) for (const e of c.items as readonly Entry[]) out.replaced.push(e);
    }
    let level = extendLevel(priorLeaves, shared.chunks, cut);
    let kept = shared.chunks;
    const levels: KnownChunk<unknown>[][] = [level];
    while (level.length > TOP_CHUNKS) {
      const priorLevel = prior?.[levels.length] ?? [];
      const above = sharedAbove(priorLevel, kept, level.length, keep);
      const cut = chunkList<string>(level.slice(above.items).map((c) => c.id), this.idSource(out.chunks));
      level = extendLevel(priorLevel, above.chunks, cut);
      levels.push(level);
      kept = above.chunks;
    }
    return { list: { depth: levels.length - 1, chunks: level.map((c) => c.id) }, levels };
  }

  private leafSource(chunks: Map<string, readonly unknown[]>, fresh: Entry[]): ChunkSource<Entry> {
    return {
      keyOf: (e) => e.key,
      known: (first) => this.leafChunks.get(first),
      reused: (known) => this.note(known as Known<Entry>, chunks, performance.now()),
      create: (items, closed) => {
        const known = this.remember(items, closed, this.leafChunks.set.bind(this.leafChunks), UNSTORED);
        chunks.set(known.id, items);
        fresh.push(...items);
        return known;
      },
    };
  }

  private idSource(chunks: Map<string, readonly unknown[]>): ChunkSource<string> {
    return {
      keyOf: (id) => id,
      known: (first) => this.idChunks.get(first),
      reused: (known) => this.note(known as Known<string>, chunks, performance.now()),
      create: (items, closed) => {
        const known = this.remember(items, closed, (k, v) => this.idChunks.set(k, v), UNSTORED);
        chunks.set(known.id, items);
        return known;
      },
    };
  }

  /** Queues a reused chunk for writing when it may not be stored yet. */
  private note<T>(known: Known<T>, chunks: Map<string, readonly unknown[]>, now: number): void {
    const { generation, at } = known.stored;
    if (generation !== this.generation || now - at >= STORED_TRUST_MS) chunks.set(known.id, known.items);
  }

  private seenNow(): Stored {
    return { generation: this.generation, at: performance.now() };
  }

  private remember<T>(items: readonly T[], closed: boolean, keep: (first: T, known: Known<T>) => void, stored: Stored): Known<T> {
    const known: Known<T> = { items, id: contentId(MANIFEST_FORMAT, JSON.stringify(items)).slice(0, MANIFEST_ID_DIGITS), closed, stored };
    keep(items[0] as T, known);
    return known;
  }

  private expand<T extends Entry>(list: ManifestList): T[] {
    const out: T[] = [];
    const descend = (ids: readonly string[], depth: number): void => {
      for (const id of ids) {
        if (depth > 0) {
          const items = this.catalog.getMetadata<readonly string[]>('manifest', id);
          this.learn(items, id, (i) => i, (k, v) => this.idChunks.set(k, v));
          descend(items, depth - 1);
        } else {
          const items = this.catalog.getMetadata<readonly T[]>('manifest', id);
          this.learn<Entry>(items, id, (e) => e.key, this.leafChunks.set.bind(this.leafChunks));
          for (const e of items) out.push(e);
        }
      }
    };
    descend(list.chunks, list.depth);
    return out;
  }

  /** Remembers a chunk read from the catalog (so stored) by its first item. */
  private learn<T>(items: readonly T[], id: string, keyOf: (item: T) => string, keep: (first: T, known: Known<T>) => void): void {
    const first = items[0];
    if (first === undefined) throw internal('CATALOG_BAD_MANIFEST', `manifest ${id} is empty`);
    const last = items[items.length - 1] as T;
    if (items.length > MAX_CHUNK_ITEMS) throw internal('CATALOG_BAD_MANIFEST', `manifest ${id} holds ${items.length} entries (at most ${MAX_CHUNK_ITEMS})`);
    keep(first, { items, id, closed: endsChunk(keyOf(last), items.length), stored: this.seenNow() });
  }
}

/** Where {@link TableManifests.encode} collects what one encoding made. */
interface EncodeOutput {
  /** Chunks to write (new, or reused without knowing they are stored). */
  readonly chunks: Map<string, readonly unknown[]>;
  /** Entries of newly made leaf chunks. */
  readonly fresh: Entry[];
  /** Entries of the parent's leaf chunks not kept. */
  readonly replaced: Entry[];
  /** The clock for staleness checks, read once per encoding. */
  readonly now: number;
}

/** Whether a stored table body lists manifests (else it lists its files inline, as before manifests). */
function isManifested(body: StoredTableVersion | TableVersion): body is StoredTableVersion {
  return (body as { format?: unknown }).format === TABLE_FORMAT;
}

const instances = new WeakMap<Catalog, TableManifests>();

/** The manifests of a catalog: one per catalog object, so what it remembers serves every session of the process. */
export function manifestsOf(catalog: Catalog): TableManifests {
  let m = instances.get(catalog);
  if (!m) {
    m = new TableManifests(catalog);
    instances.set(catalog, m);
  }
  return m;
}
