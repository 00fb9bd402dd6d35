/** One stored object: a content-addressed, immutable blob. */
export interface StoredObject {
  readonly key: string;
  readonly bytes: number;
  /** Last time the object was written or re-used, in ms since the epoch (GC's grace period uses it). */
  readonly touchedAt: number;
}

/**
 * Immutable content-addressed blobs. The local directory is the embedded
 * default; an S3-compatible bucket can implement the same contract.
 */
export interface ObjectStore {
  /** A directory where writers stage files before {@link ObjectStore.put}; on the same file system as the store. */
  readonly stagingDir: string;
  /** Directories the SQL engine may read (and the staging directory it may write). */
  readonly engineDirs: readonly string[];
  /** Moves a fully written staging file into the store under its content hash, synced; returns its key and size. */
  put(stagingPath: string, extension: string): Promise<StoredObject>;
  /** A local path DuckDB can read the object from. */
  localPath(key: string): string;
  /** Whether the object exists. */
  exists(key: string): boolean;
  /** Every stored object. */
  list(): AsyncIterable<StoredObject>;
  /** Removes an object; missing objects are ignored. */
  delete(key: string): Promise<void>;
  /** Removes staging files older than `olderThan` (ms since epoch) left by crashed writers; returns how many. */
  sweepStaging(olderThan: number): Promise<number>;
}
