import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { internal, invalid, notFound } from '../core/errors.js';
import type { Catalog, EventFilter, FileRef, FileRefTotals, RecordRange, StoredEvent, StoredRecord } from './catalog.js';
import { decodeChunk, decodedChunkBytes, encodeChunk } from './manifest-codec.js';
import { MetadataCache } from './metadata-cache.js';
import type { Commit, DatabaseRef, MetadataKind, RefLogEntry } from './model.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS catalog_info (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS metadata (id TEXT PRIMARY KEY, kind TEXT NOT NULL, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS chunks (id BLOB PRIMARY KEY, body BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS commits (id TEXT PRIMARY KEY, parent TEXT, tree TEXT NOT NULL, created_at INTEGER NOT NULL, message TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS refs (name TEXT PRIMARY KEY, commit_id TEXT NOT NULL, created_at INTEGER NOT NULL,
  source_db TEXT, source_commit TEXT, source_at INTEGER);
CREATE TABLE IF NOT EXISTS reflog (seq INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, commit_id TEXT, at INTEGER NOT NULL, reason TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS reflog_name_at ON reflog (name, at);
CREATE TABLE IF NOT EXISTS records (kind TEXT NOT NULL, key TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (kind, key));
CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, subject TEXT NOT NULL, at INTEGER NOT NULL, body TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS events_kind_at ON events (kind, at);
CREATE INDEX IF NOT EXISTS events_kind_subject_at ON events (kind, subject, at);
CREATE TABLE IF NOT EXISTS file_refs (key TEXT PRIMARY KEY, bytes INTEGER NOT NULL, holders INTEGER NOT NULL, table_versions INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS file_refs_pending (seq INTEGER PRIMARY KEY AUTOINCREMENT, from_commit TEXT, to_commit TEXT);
`;
/**
 * v2 stores manifest chunks in binary (the `chunks` table), which builds that
 * only know v1 cannot read: a v1 catalog is marked v2 when this build opens it,
 * so an older build then refuses it with CATALOG_FORMAT instead of failing on a
 * missing chunk.
 */
const FORMAT = 'mayfly-catalog:v2';
const READABLE_FORMATS: readonly string[] = ['mayfly-catalog:v1', FORMAT];

/** SQLite's reasons a catalog cannot be opened, in words a user can act on. */
const OPEN_FAILURES: Readonly<Record<string, string>> = {
  SQLITE_NOTADB: 'it is not a Mayfly catalog (not an SQLite database)',
  SQLITE_CORRUPT: 'it is corrupt; restore it from a backup',
  SQLITE_CANTOPEN: 'it cannot be opened (it is a directory, or its folder cannot be written)',
  SQLITE_READONLY: 'it is read-only; Mayfly needs to write it (and its -wal and -shm files beside it)',
  SQLITE_PERM: 'this user may not open it; fix its permissions',
  SQLITE_AUTH: 'this user may not open it; fix its permissions',
  SQLITE_FULL: 'the disk is full',
  SQLITE_BUSY: 'another process holds it locked',
};

/** A user error for a catalog file that cannot be used; other errors pass through. */
function catalogOpenError(e: unknown, path: string): unknown {
  const code = (e as { code?: unknown }).code;
  if (typeof code !== 'string') return e;
  const reason = OPEN_FAILURES[code] ?? (code.startsWith('SQLITE_IOERR') ? `it cannot be read or written (${code})` : undefined);
  const fsReason = code === 'EACCES' || code === 'EPERM' || code === 'EROFS' ? 'it is read-only for this user; Mayfly needs to write it (fix its permissions)' : code === 'ENOTDIR' ? 'a folder on its path is a file' : undefined;
  const why = reason ?? fsReason;
  return why === undefined ? e : invalid('CATALOG_UNUSABLE', `the warehouse catalog ${path} cannot be used: ${why}`);
}

/**
 * better-sqlite3's compiled addon, named directly: without it, the package
 * finds the addon through the `bindings` package, which tries several paths
 * (each a failed require) and walks a stack trace to find its caller — a few
 * milliseconds of every command's start-up. Where the usual build is absent,
 * the package's own search applies.
 */
function nativeBindingOption(): { nativeBinding?: string } {
  const binary = fileURLToPath(new URL('../build/Release/better_sqlite3.node', import.meta.resolve('better-sqlite3')));
  return existsSync(binary) ? { nativeBinding: binary } : {};
}

/** Options of {@link SqliteCatalog.open}. */
export interface SqliteCatalogOptions {
  /** Bound of the parsed-metadata cache, in estimated bytes (default {@link DEFAULT_METADATA_CACHE_BYTES}). */
  readonly metadataCacheBytes?: number;
}

/**
 * Default bound of the parsed-metadata cache: 32 MiB of estimated heap, which
 * holds every chunk of a 100,000-file table (about 22 MB decoded) so a new
 * version of it is assembled without reading its unchanged chunks again.
 * Reads that will not come back (GC, a commit's reference counting) are not
 * kept, and rows of superseded heads live in their own sixteenth of it
 * (metadata-cache.ts), so a long run of commits does not grow the heap.
 */
export const DEFAULT_METADATA_CACHE_BYTES = 32 * 1024 * 1024;
/** Parsed JSON takes about this many bytes of heap per character of its text (1.5 measured for a table row on Node 20; objects, numbers, strings). */
const PARSED_BYTES_PER_CHAR = 2;

interface RefRow {
  name: string;
  commit_id: string;
  created_at: number;
  source_db: string | null;
  source_commit: string | null;
  source_at: number | null;
}

/** The catalog in one SQLite file (WAL, fully synced commits, shared by processes). */
export class SqliteCatalog implements Catalog {
  private readonly db: Database.Database;
  /** Metadata rows are immutable, so parsed bodies (decoded chunks) are cached, bounded in estimated heap bytes, so a long process stays bounded. */
  private readonly cache: MetadataCache;
  /** Prepared statements, compiled once: every SQL statement reads refs and every write commits (bounded: keyed by the catalog's own fixed SQL texts). */
  private readonly statements = new Map<string, Database.Statement>();

  private constructor(db: Database.Database, options: SqliteCatalogOptions) {
    this.db = db;
    const bound = options.metadataCacheBytes ?? DEFAULT_METADATA_CACHE_BYTES;
    if (!Number.isFinite(bound) || bound < 0) throw invalid('CATALOG_CACHE_BOUND', `the metadata cache bound must be a number of bytes >= 0, not ${bound}`);
    this.cache = new MetadataCache(bound);
  }

  /** The bound of the parsed-metadata cache, in estimated bytes. */
  get metadataCacheBytes(): number {
    return this.cache.maxWeight;
  }

  /**
   * Opens (creating if needed) the catalog at `path`. A file that is not a
   * catalog, or that this process cannot read and write, is the user's to
   * fix (CATALOG_UNUSABLE), not a bug.
   */
  static open(path: string, options: SqliteCatalogOptions = {}): SqliteCatalog {
    try {
      return SqliteCatalog.openDatabase(path, options);
    } catch (e) {
      throw catalogOpenError(e, path);
    }
  }

  private static openDatabase(path: string, options: SqliteCatalogOptions): SqliteCatalog {
    // SQLite opens a read-only file without a word and fails at the first commit: say it now.
    if (existsSync(path) && statSync(path).isFile()) accessSync(path, constants.R_OK | constants.W_OK);
    const db = new Database(path, nativeBindingOption());
    db.pragma('busy_timeout = 60000');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec(SCHEMA);
    const row = db.prepare('SELECT value FROM catalog_info WHERE key = ?').get('format') as { value: string } | undefined;
    if (row !== undefined && !READABLE_FORMATS.includes(row.value)) {
      db.close();
      throw invalid(
        'CATALOG_FORMAT',
        `the warehouse catalog ${path} has format ${JSON.stringify(row.value)}, which this version of Mayfly cannot read (it reads ${READABLE_FORMATS.join(' and ')}): it was written by another, likely newer, Mayfly; use that version or upgrade this one`,
      );
    }
    if (row?.value !== FORMAT) db.prepare('INSERT OR REPLACE INTO catalog_info (key, value) VALUES (?, ?)').run('format', FORMAT);
    return new SqliteCatalog(db, options);
  }

  atomically<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  snapshot<T>(fn: () => T): T {
    return this.db.transaction(fn).deferred();
  }

  getRef(name: string): DatabaseRef | undefined {
    const row = this.sql('SELECT * FROM refs WHERE name = ?').get(name) as RefRow | undefined;
    return row && toRef(row);
  }

  listRefs(): readonly DatabaseRef[] {
    return (this.sql('SELECT * FROM refs ORDER BY name').all() as RefRow[]).map(toRef);
  }

  createRef(ref: DatabaseRef, reason: string): void {
    this.db
      .prepare('INSERT INTO refs (name, commit_id, created_at, source_db, source_commit, source_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(ref.name, ref.commitId, ref.createdAt, ref.source?.database ?? null, ref.source?.commitId ?? null, ref.source?.at ?? null);
    this.log(ref.name, ref.commitId, ref.createdAt, reason);
  }

  moveRef(name: string, commitId: string, at: number, reason: string): void {
    const r = this.sql('UPDATE refs SET commit_id = ? WHERE name = ?').run(commitId, name);
    if (r.changes !== 1) throw notFound('DB_NOT_FOUND', `database ${name} does not exist`);
    this.log(name, commitId, at, reason);
  }

  deleteRef(name: string, at: number, reason: string): void {
    this.sql('DELETE FROM refs WHERE name = ?').run(name);
    this.log(name, null, at, reason);
  }

  getCommit(id: string): Commit {
    const row = this.sql('SELECT * FROM commits WHERE id = ?').get(id) as
      | { id: string; parent: string | null; tree: string; created_at: number; message: string }
      | undefined;
    if (!row) throw internal('CATALOG_MISSING_COMMIT', `commit ${id} is missing from the catalog`);
    return { id: row.id, parent: row.parent, tree: row.tree, createdAt: row.created_at, message: row.message };
  }

  putCommit(c: Commit): void {
    this.db
      .prepare('INSERT OR IGNORE INTO commits (id, parent, tree, created_at, message) VALUES (?, ?, ?, ?, ?)')
      .run(c.id, c.parent, c.tree, c.createdAt, c.message);
  }

  getMetadata<T>(kind: MetadataKind, id: string, keep = true): T {
    const cached = keep ? this.cache.get(kind, id) : this.cache.peek(kind, id);
    if (cached !== undefined) return cached as T;
    if (kind === 'manifest' && isChunkId(id)) return this.getChunk(id, keep) as T;
    const row = this.sql('SELECT kind, body FROM metadata WHERE id = ?').get(id) as { kind: string; body: string } | undefined;
    if (!row || row.kind !== kind) throw internal('CATALOG_MISSING_METADATA', `${kind} ${id} is missing from the catalog`);
    const body = JSON.parse(row.body) as T;
    if (keep) this.cache.set(kind, id, body, row.body.length * PARSED_BYTES_PER_CHAR);
    return body;
  }

  putMetadata(kind: MetadataKind, id: string, body: unknown): void {
    if (kind === 'manifest' && isChunkId(id)) {
      this.sql('INSERT OR IGNORE INTO chunks (id, body) VALUES (?, ?)').run(Buffer.from(id, 'hex'), encodeChunk(body as readonly unknown[]));
      return;
    }
    this.sql('INSERT OR IGNORE INTO metadata (id, kind, body) VALUES (?, ?, ?)').run(id, kind, JSON.stringify(body));
  }

  refAt(name: string, at: number): string | null | undefined {
    const row = this.sql('SELECT commit_id FROM reflog WHERE name = ? AND at <= ? ORDER BY seq DESC LIMIT 1').get(name, at) as
      | { commit_id: string | null }
      | undefined;
    return row === undefined ? undefined : row.commit_id;
  }

  refLogSince(since: number): readonly RefLogEntry[] {
    const rows = this.sql('SELECT name, commit_id, at, reason FROM reflog WHERE at >= ? ORDER BY seq').all(since) as {
      name: string;
      commit_id: string | null;
      at: number;
      reason: string;
    }[];
    return rows.map((r) => ({ name: r.name, commitId: r.commit_id, at: r.at, reason: r.reason }));
  }

  allIds(): { readonly commits: readonly string[]; readonly metadata: readonly { id: string; kind: MetadataKind }[] } {
    const commits = (this.sql('SELECT id FROM commits').all() as { id: string }[]).map((r) => r.id);
    const metadata = this.sql('SELECT id, kind FROM metadata').all() as { id: string; kind: MetadataKind }[];
    for (const r of this.sql('SELECT id FROM chunks').all() as { id: Buffer }[]) metadata.push({ id: r.id.toString('hex'), kind: 'manifest' });
    return { commits, metadata };
  }

  prune(commits: readonly string[], metadata: readonly string[], logBefore: number): void {
    const delCommit = this.sql('DELETE FROM commits WHERE id = ?');
    const delMeta = this.sql('DELETE FROM metadata WHERE id = ?');
    const delChunk = this.sql('DELETE FROM chunks WHERE id = ?');
    for (const id of commits) delCommit.run(id);
    for (const id of metadata) {
      if (isChunkId(id)) delChunk.run(Buffer.from(id, 'hex'));
      else delMeta.run(id);
      this.cache.delete(id);
    }
    // Keep the newest entry of every name, so time travel to "just before the window" still answers.
    this.db
      .prepare('DELETE FROM reflog WHERE at < ? AND seq NOT IN (SELECT MAX(seq) FROM reflog WHERE at < ? GROUP BY name)')
      .run(logBefore, logBefore);
  }

  getRecord<T>(kind: string, key: string): T | undefined {
    const row = this.sql('SELECT body FROM records WHERE kind = ? AND key = ?').get(kind, key) as { body: string } | undefined;
    return row && (JSON.parse(row.body) as T);
  }

  putRecord(kind: string, key: string, body: unknown): void {
    this.sql('INSERT INTO records (kind, key, body) VALUES (?, ?, ?) ON CONFLICT (kind, key) DO UPDATE SET body = excluded.body').run(
      kind,
      key,
      JSON.stringify(body),
    );
  }

  deleteRecord(kind: string, key: string): boolean {
    return this.sql('DELETE FROM records WHERE kind = ? AND key = ?').run(kind, key).changes > 0;
  }

  listRecords<T>(kind: string, keyPrefix = ''): readonly StoredRecord<T>[] {
    // Keys sort as text, so a prefix is the range [prefix, prefix + U+FFFF).
    const rows = this.sql('SELECT key, body FROM records WHERE kind = ? AND key >= ? AND key < ? ORDER BY key').all(kind, keyPrefix, `${keyPrefix}\uffff`) as {
      key: string;
      body: string;
    }[];
    return rows.map((r) => ({ key: r.key, value: JSON.parse(r.body) as T }));
  }

  appendEvent(kind: string, subject: string, at: number, body: unknown): void {
    this.sql('INSERT INTO events (kind, subject, at, body) VALUES (?, ?, ?, ?)').run(kind, subject, at, JSON.stringify(body));
  }

  listEvents<T>(kind: string, filter: EventFilter = {}): readonly StoredEvent<T>[] {
    const where = ['kind = ?'];
    const params: (string | number)[] = [kind];
    if (filter.subject !== undefined) {
      where.push('subject = ?');
      params.push(filter.subject);
    }
    if (filter.since !== undefined) {
      where.push('at >= ?');
      params.push(filter.since);
    }
    if (filter.until !== undefined) {
      where.push('at < ?');
      params.push(filter.until);
    }
    // Without statistics SQLite prefers (kind, at) for its ORDER BY, scanning every subject's events in the range.
    const index = filter.subject !== undefined ? ' INDEXED BY events_kind_subject_at' : '';
    const rows = this.sql(`SELECT subject, at, body FROM events${index} WHERE ${where.join(' AND ')} ORDER BY at, seq`).all(...params) as {
      subject: string;
      at: number;
      body: string;
    }[];
    return rows.map((r) => ({ subject: r.subject, at: r.at, value: JSON.parse(r.body) as T }));
  }

  close(): void {
    this.db.close();
  }

  private sql(text: string): Database.Statement {
    let st = this.statements.get(text);
    if (!st) {
      st = this.db.prepare(text);
      this.statements.set(text, st);
    }
    return st;
  }

  /** A manifest chunk of the binary form (manifest:v2), decoded and cached by its estimated heap bytes. */
  private getChunk(id: string, keep: boolean): unknown[] {
    const row = this.sql('SELECT body FROM chunks WHERE id = ?').get(Buffer.from(id, 'hex')) as { body: Buffer } | undefined;
    if (!row) throw internal('CATALOG_MISSING_METADATA', `manifest ${id} is missing from the catalog`);
    const items = decodeChunk(row.body);
    if (keep) this.cache.set('manifest', id, items, decodedChunkBytes(items));
    return items;
  }

  private log(name: string, commitId: string | null, at: number, reason: string): void {
    this.sql('INSERT INTO reflog (name, commit_id, at, reason) VALUES (?, ?, ?, ?)').run(name, commitId, at, reason);
  }

  // Key ranges over control-plane records: a range scan of the (kind, key) primary key, so its cost follows the rows returned.
  listRecordRange<T>(kind: string, range: RecordRange): readonly StoredRecord<T>[] {
    const rows = this.sql('SELECT key, body FROM records WHERE kind = ? AND key >= ? AND key < ? ORDER BY key LIMIT ?').all(kind, range.from, range.to, range.limit ?? -1) as {
      key: string;
      body: string;
    }[];
    return rows.map((r) => ({ key: r.key, value: JSON.parse(r.body) as T }));
  }

  // ---- File reference index (see Catalog); the marker lives in catalog_info so an older catalog builds it once ----

  fileRefsBuilt(): boolean {
    return this.sql('SELECT 1 FROM catalog_info WHERE key = ?').get(FILE_REFS_MARKER) !== undefined;
  }

  pendFileRefs(from: string | null, to: string | null): void {
    this.sql('INSERT INTO file_refs_pending (from_commit, to_commit) VALUES (?, ?)').run(from, to);
  }

  pendingFileRefs(): readonly { readonly from: string | null; readonly to: string | null }[] {
    const rows = this.sql('SELECT from_commit, to_commit FROM file_refs_pending ORDER BY seq').all() as { from_commit: string | null; to_commit: string | null }[];
    return rows.map((r) => ({ from: r.from_commit, to: r.to_commit }));
  }

  hasPendingFileRefs(): boolean {
    return this.sql('SELECT 1 FROM file_refs_pending LIMIT 1').get() !== undefined;
  }

  clearPendingFileRefs(): void {
    this.sql('DELETE FROM file_refs_pending').run();
  }

  rebuildFileRefs(rows: readonly FileRef[]): void {
    this.sql('DELETE FROM file_refs_pending').run();
    this.sql('DELETE FROM file_refs').run();
    const insert = this.sql('INSERT INTO file_refs (key, bytes, holders, table_versions) VALUES (?, ?, ?, ?)');
    const totals = { files: 0, bytes: 0, remainderBytes: 0 };
    for (const r of rows) {
      insert.run(r.key, r.bytes, r.holders, r.tableVersions);
      addHolding(totals, r.bytes, 0, r.holders);
    }
    this.putFileRefTotals(totals);
    this.sql('INSERT OR REPLACE INTO catalog_info (key, value) VALUES (?, ?)').run(FILE_REFS_MARKER, 'v1');
  }

  getFileRefs(keys: readonly string[]): ReadonlyMap<string, FileRef> {
    const get = this.sql('SELECT bytes, holders, table_versions FROM file_refs WHERE key = ?');
    const out = new Map<string, FileRef>();
    for (const key of keys) {
      const row = get.get(key) as { bytes: number; holders: number; table_versions: number } | undefined;
      if (row) out.set(key, { key, bytes: row.bytes, holders: row.holders, tableVersions: row.table_versions });
    }
    return out;
  }

  adjustFileRefs(deltas: readonly FileRef[]): void {
    const upsert = this.sql(
      'INSERT INTO file_refs (key, bytes, holders, table_versions) VALUES (?, ?, ?, ?) ' +
        'ON CONFLICT (key) DO UPDATE SET holders = holders + excluded.holders, table_versions = table_versions + excluded.table_versions ' +
        'RETURNING bytes, holders',
    );
    const drop = this.sql('DELETE FROM file_refs WHERE key = ? AND holders <= 0');
    // The totals move with each row (a row with no holder left is gone, so one found held at least once).
    const totals = { ...this.fileRefTotals() };
    for (const d of deltas) {
      const row = upsert.get(d.key, d.bytes, d.holders, d.tableVersions) as { bytes: number; holders: number };
      addHolding(totals, row.bytes, row.holders - d.holders, row.holders);
      if (d.holders < 0) drop.run(d.key);
    }
    this.putFileRefTotals(totals);
  }

  fileRefTotals(): FileRefTotals {
    // Kept beside the rows by every writer, so a metrics read costs one row, not a pass over every file.
    const kept = this.sql('SELECT value FROM catalog_info WHERE key = ?').get(FILE_REFS_TOTALS) as { value: string } | undefined;
    if (kept) return JSON.parse(kept.value) as FileRefTotals;
    const row = this.sql('SELECT COUNT(*) AS files, COALESCE(SUM(bytes), 0) AS bytes, COALESCE(SUM(bytes % holders), 0) AS remainder FROM file_refs').get() as {
      files: number;
      bytes: number;
      remainder: number;
    };
    return { files: row.files, bytes: row.bytes, remainderBytes: row.remainder };
  }

  private putFileRefTotals(totals: FileRefTotals): void {
    this.sql('INSERT OR REPLACE INTO catalog_info (key, value) VALUES (?, ?)').run(FILE_REFS_TOTALS, JSON.stringify(totals));
  }
}

/** Manifest chunk ids of the binary form are 128-bit (32 hex digits); every older metadata id is 64. */
function isChunkId(id: string): boolean {
  return id.length === 32 && /^[0-9a-f]{32}$/.test(id);
}

function toRef(r: RefRow): DatabaseRef {
  const base = { name: r.name, commitId: r.commit_id, createdAt: r.created_at };
  return r.source_db !== null && r.source_commit !== null && r.source_at !== null
    ? { ...base, source: { database: r.source_db, commitId: r.source_commit, at: r.source_at } }
    : base;
}

/** catalog_info key saying the file reference index is built (and in step with the refs). */
const FILE_REFS_MARKER = 'file-refs';
/** The file reference index's totals (files, bytes, Σ bytes mod holders), updated with its rows. */
const FILE_REFS_TOTALS = 'file-refs-totals';

/** Moves `totals` for a file of `bytes` whose holders went from `before` to `after` (0: not held). */
function addHolding(totals: { files: number; bytes: number; remainderBytes: number }, bytes: number, before: number, after: number): void {
  const held = (n: number): number => (n > 0 ? 1 : 0);
  totals.files += held(after) - held(before);
  totals.bytes += bytes * (held(after) - held(before));
  totals.remainderBytes += (after > 0 ? bytes % after : 0) - (before > 0 ? bytes % before : 0);
}
