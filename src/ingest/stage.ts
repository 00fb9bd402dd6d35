/** A file in a stage: its path relative to the stage root (`/`-separated), size and modification time. */
export interface StageFile {
  readonly path: string;
  readonly size: number;
  /** Milliseconds since the epoch, whole. */
  readonly modifiedAt: number;
}

/**
 * A named landing location where files arrive over time. The local directory
 * is the embedded default; an S3-compatible bucket implements the same
 * contract (listing with size and time, reading, checksums, and a local copy
 * for the engine to read).
 */
export interface Stage {
  /** The stage's name, as pipes write it (`@raw`). */
  readonly name: string;
  /** Where it is, for messages (a directory, or a bucket URL). */
  readonly location: string;
  /** Directories the engine must be allowed to read to open the files {@link localPath} returns. */
  readonly readableDirs: readonly string[];
  /** Every file whose path starts with `prefix` (any depth), sorted by path. */
  list(prefix: string): Promise<readonly StageFile[]>;
  /** The paths {@link list} gives, without size or time: cheaper where those cost a call per file (a local directory). */
  listPaths(prefix: string): Promise<readonly string[]>;
  /** One file's size and time, or undefined when it is gone. */
  stat(path: string): Promise<StageFile | undefined>;
  /** The file's bytes as a stream. */
  open(path: string): NodeJS.ReadableStream;
  /** SHA-256 of the file's bytes, hex. */
  checksum(path: string): Promise<string>;
  /** A local file with the file's bytes, in one of {@link readableDirs} (a remote stage downloads it). */
  localPath(path: string): Promise<string>;
}
