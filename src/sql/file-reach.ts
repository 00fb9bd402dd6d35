import { copyFileSync, linkSync, mkdirSync, renameSync, rmSync, utimesSync } from 'node:fs';
import { basename, join } from 'node:path';

/** Links kept parked (outside the readable directory) for a later statement, at most. */
const MAX_PARKED = 20_000;
/** How many stay parked after an eviction. */
const PARKED_AFTER_EVICTION = 18_000;

interface Link {
  /** The link's file name (the object's own), the same in the readable and the parking directory. */
  readonly name: string;
  reachable: boolean;
  /** Statement counter when last reached (LRU among parked links). */
  used: number;
}

/**
 * The engine's second wall: object-store files are readable only through a
 * private directory of hard links, and that directory holds exactly the
 * files the running statement bound. DuckDB's `allowed_directories` names
 * this directory, never the object store, so a statement that got past the
 * query check still cannot read a file no table version of its own names
 * (deleted rows' files, other databases' files, files of a view bound for
 * an earlier statement). DuckDB resolves symlinks before its check, so
 * these are hard links (a copy where the store is on another file system).
 *
 * A link a statement does not reach is moved, with one rename, to a
 * parking directory DuckDB may not read, and moved back when a later
 * statement binds its file again: a link's path never changes, so DuckDB's
 * Parquet footer cache keeps working, and a statement pays one rename per
 * file that changed between statements, nothing for the files it shares
 * with the one before.
 */
export class FileReach {
  /** Every link made, by store path. */
  private readonly links = new Map<string, Link>();
  /** Store paths whose link is in the readable directory now (so pruning never walks the parked ones). */
  private readonly readable = new Set<string>();
  /** Store paths the running statement reached. */
  private current = new Set<string>();
  private statement = 0;
  /** Whether links of an earlier statement may still be reachable. */
  private stale = false;
  private readonly literal: RegExp | undefined;

  /**
   * @param dir the readable directory (created on demand)
   * @param parking where unreached links wait (must not be readable by the engine; same file system as `dir`)
   * @param walled directories whose files are reachable only through links
   */
  constructor(
    readonly dir: string,
    private readonly parking: string,
    private readonly walled: readonly string[],
  ) {
    const dirs = walled.map((d) => d.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    this.literal = dirs.length ? new RegExp(`'((?:${dirs.join('|')})[^']*)'`, 'g') : undefined;
  }

  /** Starts a statement: nothing is reachable until it binds something. */
  begin(): void {
    this.current = new Set();
    this.statement++;
    this.stale = true;
    // Touching the directories keeps GC's staging sweep off them while the session is in use; if a sweep
    // removed one during a long pause, every link is made again.
    const now = new Date();
    try {
      utimesSync(this.dir, now, now);
      utimesSync(this.parking, now, now);
    } catch {
      // Start over: nothing of the old directories may stay readable.
      this.links.clear();
      this.readable.clear();
      rmSync(this.dir, { recursive: true, force: true });
      rmSync(this.parking, { recursive: true, force: true });
      mkdirSync(this.dir, { recursive: true });
      mkdirSync(this.parking, { recursive: true });
    }
  }

  /** The paths the engine reads `paths` by, reached for the running statement (walled files become links). */
  reachAll(paths: readonly string[]): string[] {
    return paths.map((p) => (this.isWalled(p) ? this.reach(p) : p));
  }

  /** Replaces each string literal naming a walled file with its link (for SQL Mayfly composed, never for user text). */
  reachLiterals(sql: string): string {
    return this.literal ? sql.replace(this.literal, (_, path: string) => `'${this.reach(path)}'`) : sql;
  }

  /** Parks the links the running statement did not reach: work for the links readable now, not for every link known. */
  prune(): void {
    if (!this.stale) return;
    this.stale = false;
    for (const path of this.readable) {
      if (this.current.has(path)) continue;
      const link = this.links.get(path);
      this.readable.delete(path);
      if (!link) continue;
      try {
        renameSync(join(this.dir, link.name), join(this.parking, link.name));
        link.reachable = false;
      } catch {
        rmSync(join(this.dir, link.name), { force: true });
        this.links.delete(path);
      }
    }
    const parked = this.links.size - this.readable.size;
    if (parked <= MAX_PARKED) return;
    // Down to a low-water mark, so the sort over every parked link runs once per thousands of new links, not per statement.
    const oldest = [...this.links].filter(([, l]) => !l.reachable).sort(([, a], [, b]) => a.used - b.used);
    for (const [path, link] of oldest.slice(0, parked - PARKED_AFTER_EVICTION)) {
      rmSync(join(this.parking, link.name), { force: true });
      this.links.delete(path);
    }
  }

  /** Removes both directories. */
  close(): void {
    rmSync(this.dir, { recursive: true, force: true });
    rmSync(this.parking, { recursive: true, force: true });
  }

  private isWalled(path: string): boolean {
    return this.walled.some((d) => path.startsWith(d));
  }

  private reach(path: string): string {
    this.current.add(path);
    const known = this.links.get(path);
    if (known) {
      known.used = this.statement;
      if (known.reachable) return join(this.dir, known.name);
      try {
        renameSync(join(this.parking, known.name), join(this.dir, known.name));
        known.reachable = true;
        this.readable.add(path);
        return join(this.dir, known.name);
      } catch {
        this.links.delete(path);
      }
    }
    // A link keeps the object's file name (a content hash, so unique): the write path reads a row's file key from it.
    const name = basename(path);
    rmSync(join(this.parking, name), { force: true });
    hardLink(path, join(this.dir, name));
    this.links.set(path, { name, reachable: true, used: this.statement });
    this.readable.add(path);
    return join(this.dir, name);
  }
}

function hardLink(path: string, link: string): void {
  try {
    linkSync(path, link);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return;
    if (code !== 'EXDEV' && code !== 'EPERM') throw e;
    copyFileSync(path, link);
  }
}

/** True when `text` names one of `dirs` (trailing separators ignored, any case). */
export function mentionsAny(text: string, dirs: readonly string[]): boolean {
  const lower = text.toLowerCase();
  return dirs.some((d) => lower.includes(d.replace(/[/\\]+$/, '').toLowerCase()));
}
