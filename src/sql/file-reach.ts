import { copyFileSync, linkSync, mkdirSync, rmSync, utimesSync } from 'node:fs';
import { basename, join } from 'node:path';

/**
 * The engine's second wall: object-store files are readable only through a
 * private directory of hard links, and that directory holds exactly the
 * files the running statement bound. DuckDB's `allowed_directories` names
 * this directory, never the object store, so a statement that got past the
 * query check still cannot read a file no table version of its own names
 * (deleted rows' files, other databases' files, files of a view bound for
 * an earlier statement). DuckDB resolves symlinks before its check, so
 * these are hard links (a copy where the store is on another file system).
 */
export class FileReach {
  /** Store path → link path, for every link present in the directory. */
  private readonly linked = new Map<string, string>();
  /** Store paths the running statement reached. */
  private current = new Set<string>();
  /** Whether links of an earlier statement may still be present. */
  private stale = false;
  private readonly literal: RegExp | undefined;

  /**
   * @param dir the private directory (created on demand; its files are links named by object key)
   * @param walled directories whose files are reachable only through the links
   */
  constructor(
    readonly dir: string,
    private readonly walled: readonly string[],
  ) {
    const dirs = walled.map((d) => d.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    this.literal = dirs.length ? new RegExp(`'((?:${dirs.join('|')})[^']*)'`, 'g') : undefined;
  }

  /** Starts a statement: nothing is reachable until it binds something. */
  begin(): void {
    this.current = new Set();
    this.stale = true;
    // Touching the directory keeps GC's staging sweep off it while the session is in use; if a sweep
    // removed it during a long pause, every link is made again.
    const now = new Date();
    try {
      utimesSync(this.dir, now, now);
    } catch {
      this.linked.clear();
    }
  }

  /** The path the engine reads `path` by: a link for a walled file (made if missing), the path itself otherwise. */
  reach(path: string): string {
    if (!this.walled.some((d) => path.startsWith(d))) return path;
    this.current.add(path);
    const known = this.linked.get(path);
    if (known !== undefined) return known;
    mkdirSync(this.dir, { recursive: true });
    // The link keeps the object's file name: the write path reads a row's file key from it.
    const link = join(this.dir, basename(path));
    rmSync(link, { force: true });
    try {
      linkSync(path, link);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EXDEV' && (e as NodeJS.ErrnoException).code !== 'EPERM') throw e;
      copyFileSync(path, link);
    }
    this.linked.set(path, link);
    return link;
  }

  /** True when `sql` names a walled directory anywhere (user text must not: see {@link reachLiterals}). */
  mentionsWalled(sql: string): boolean {
    const lower = sql.toLowerCase();
    return this.walled.some((d) => lower.includes(d.toLowerCase()) || lower.includes(d.replace(/[/\\]+$/, '').toLowerCase()));
  }

  /** Replaces each string literal naming a walled file with its link (for SQL Mayfly composed, never for user text). */
  reachLiterals(sql: string): string {
    return this.literal ? sql.replace(this.literal, (_, path: string) => `'${this.reach(path)}'`) : sql;
  }

  /** Removes the links the running statement did not reach (cheap when there are none). */
  prune(): void {
    if (!this.stale) return;
    this.stale = false;
    for (const [path, link] of this.linked) {
      if (this.current.has(path)) continue;
      rmSync(link, { force: true });
      this.linked.delete(path);
    }
  }

  /** Removes the directory. */
  close(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
