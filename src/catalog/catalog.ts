import type { Commit, DatabaseRef, MetadataKind, RefLogEntry } from './model.js';

/**
 * Versioned metadata storage: refs, commits, content-addressed trees and
 * table versions, and the ref log. It knows nothing of SQL, clones' lifecycle
 * or interfaces. SQLite is the embedded implementation. Beside the versioned
 * metadata it keeps the control plane's unversioned records (clone lifecycle,
 * pipe state, run history) and an append-only event log (metering), so a
 * control-plane change and a ref change can share one transaction.
 */
export interface Catalog {
  /** Runs `fn` in one write transaction that excludes every other writer (all processes); rolls back if it throws. */
  atomically<T>(fn: () => T): T;
  /** Runs `fn` against one consistent snapshot. */
  snapshot<T>(fn: () => T): T;
  /** The ref of a database, if it exists. */
  getRef(name: string): DatabaseRef | undefined;
  /** Every database ref, by name. */
  listRefs(): readonly DatabaseRef[];
  /** Creates a ref; the caller checked it does not exist. Logged as `reason`. */
  createRef(ref: DatabaseRef, reason: string): void;
  /** Points an existing ref at another commit. Logged as `reason`. */
  moveRef(name: string, commitId: string, at: number, reason: string): void;
  /** Removes a ref. Logged as `reason`. */
  deleteRef(name: string, at: number, reason: string): void;
  /** A commit by id; throws when missing. */
  getCommit(id: string): Commit;
  /** Stores a commit (idempotent). */
  putCommit(commit: Commit): void;
  /**
   * A content-addressed metadata row, parsed; throws when missing. `keep`
   * false reads it without adding it to the cache (a scan or bookkeeping read
   * not worth keeping: GC's walk, a commit's reference counting), so such
   * reads do not push out what queries read again.
   */
  getMetadata<T>(kind: MetadataKind, id: string, keep?: boolean): T;
  /** Stores a content-addressed metadata row (idempotent). */
  putMetadata(kind: MetadataKind, id: string, body: unknown): void;
  /** The commit a ref pointed at, at time `at` (null if dropped then, undefined if it did not exist). */
  refAt(name: string, at: number): string | null | undefined;
  /** Ref log entries at or after `since`. */
  refLogSince(since: number): readonly RefLogEntry[];
  /** Every commit id, metadata id and its kind (for GC). */
  allIds(): { readonly commits: readonly string[]; readonly metadata: readonly { id: string; kind: MetadataKind }[] };
  /** Deletes unreachable commits and metadata rows and ref log entries before `logBefore` (GC only). */
  prune(commits: readonly string[], metadata: readonly string[], logBefore: number): void;
  /** A control-plane record by kind and key, parsed. */
  getRecord<T>(kind: string, key: string): T | undefined;
  /** Creates or replaces a control-plane record. */
  putRecord(kind: string, key: string, body: unknown): void;
  /** Removes a record; returns whether it existed. */
  deleteRecord(kind: string, key: string): boolean;
  /** The records of a kind whose key starts with `keyPrefix`, by key. */
  listRecords<T>(kind: string, keyPrefix?: string): readonly StoredRecord<T>[];
  /** Appends an event to the append-only event log. */
  appendEvent(kind: string, subject: string, at: number, body: unknown): void;
  /** Events of a kind, oldest first, filtered by subject and time [since, until). */
  listEvents<T>(kind: string, filter?: EventFilter): readonly StoredEvent<T>[];
  /** Closes the catalog. */
  close(): void;

  // ---- File reference index: storage metrics maintained at each ref change (src/warehouse/file-references.ts) ----
  /** Whether the file reference index has been built (a catalog made before it existed builds it once, on first use). */
  fileRefsBuilt(): boolean;
  /** Queues a ref change (commit `from` → `to`, null for none) for the index to apply later, in order. */
  pendFileRefs(from: string | null, to: string | null): void;
  /** The queued ref changes, oldest first. */
  pendingFileRefs(): readonly { readonly from: string | null; readonly to: string | null }[];
  /** Whether any ref change is queued (one indexed read). */
  hasPendingFileRefs(): boolean;
  /** Empties the queue (after its changes were applied, in the same transaction). */
  clearPendingFileRefs(): void;
  /** Replaces the whole file reference index with `rows`, empties the queue and marks it built (inside the caller's transaction). */
  rebuildFileRefs(rows: readonly FileRef[]): void;
  /** The index rows of these keys; a key no live database holds is absent. */
  getFileRefs(keys: readonly string[]): ReadonlyMap<string, FileRef>;
  /** Adds each delta's `holders` and `tableVersions` to its key's row (created if needed); rows left with no holder are removed. */
  adjustFileRefs(deltas: readonly FileRef[]): void;
  /** Sums over the index: files and bytes live databases hold, and the bytes a split per holder leaves over. */
  fileRefTotals(): FileRefTotals;
}

/** One data or delete file held by live databases: its size and how many hold it. */
export interface FileRef {
  readonly key: string;
  readonly bytes: number;
  /** Live databases whose current tree holds the file (each counted once). */
  readonly holders: number;
  /** Over live databases, the distinct table versions of each that hold the file (> holders when a database holds it in two). */
  readonly tableVersions: number;
}

/** Totals of the file reference index. */
export interface FileRefTotals {
  readonly files: number;
  /** Distinct bytes live databases hold. */
  readonly bytes: number;
  /** Σ bytes mod holders: what integer shares of shared files leave uncharged. */
  readonly remainderBytes: number;
}

/** A control-plane record: a mutable JSON document under (kind, key). */
export interface StoredRecord<T> {
  readonly key: string;
  readonly value: T;
}

/** An entry of the append-only event log. */
export interface StoredEvent<T> {
  readonly subject: string;
  readonly at: number;
  readonly value: T;
}

/** Which events to list: one subject, and a time range [since, until). */
export interface EventFilter {
  readonly subject?: string;
  readonly since?: number;
  readonly until?: number;
}

// Key ranges over control-plane records (clone lifecycle indexes: due times, near names).
export interface Catalog {
  /** The records of a kind whose key is in [from, to), by key, at most `limit` of them. */
  listRecordRange<T>(kind: string, range: RecordRange): readonly StoredRecord<T>[];
}

/** A range of record keys, [from, to), and how many records to return at most. */
export interface RecordRange {
  readonly from: string;
  readonly to: string;
  readonly limit?: number;
}
