import { createHash } from 'node:crypto';
import { copyFileSync, linkSync, mkdirSync, renameSync, rmSync, utimesSync } from 'node:fs';
import { basename, join } from 'node:path';

/** Link groups kept parked (outside the readable directory) for a later statement, at most. */
const MAX_PARKED = 64;

interface Group {
  readonly id: string;
  /** Link path by store path, inside the group's directory while it is reachable. */
  readonly links: ReadonlyMap<string, string>;
  reachable: boolean;
  /** Statement counter when last reached (LRU among parked groups). */
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
 * Links come in groups, one per set of files a view reads (one table
 * version). A group a statement does not reach is moved, with one rename,
 * to a parking directory DuckDB may not read, and moved back when a later
 * statement binds it again: the per-statement cost follows the number of
 * relations that changed, not the number of files.
 */
export class FileReach {
  private readonly groups = new Map<string, Group>();
  /** Groups the running statement reached. */
  private current = new Set<string>();
  private statement = 0;
  /** Whether groups of an earlier statement may still be reachable. */
  private stale = false;
  private readonly literal: RegExp | undefined;

  /**
   * @param dir the readable directory (created on demand)
   * @param parking where unreached groups wait (must not be readable by the engine; same file system as `dir`)
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
    // Touching the directory keeps GC's staging sweep off it while the session is in use; if a sweep
    // removed it during a long pause, every group is made again.
    const now = new Date();
    try {
      utimesSync(this.dir, now, now);
      utimesSync(this.parking, now, now);
    } catch {
      // Start over: nothing of the old directories may stay readable.
      this.groups.clear();
      rmSync(this.dir, { recursive: true, force: true });
      rmSync(this.parking, { recursive: true, force: true });
      mkdirSync(this.dir, { recursive: true });
      mkdirSync(this.parking, { recursive: true });
    }
  }

  /** The paths the engine reads `paths` by, reached for the running statement (walled files become links). */
  reachAll(paths: readonly string[]): string[] {
    const walled = paths.filter((p) => this.isWalled(p));
    if (walled.length === 0) return [...paths];
    const id = createHash('sha256').update(walled.join('\n')).digest('hex').slice(0, 24);
    const group = this.reachGroup(id, walled);
    return paths.map((p) => group.links.get(p) ?? p);
  }

  /** True when `sql` names a walled directory anywhere (user text must not: see {@link reachLiterals}). */
  mentionsWalled(sql: string): boolean {
    const lower = sql.toLowerCase();
    return this.walled.some((d) => lower.includes(d.replace(/[/\\]+$/, '').toLowerCase()));
  }

  /** Replaces each string literal naming a walled file with its link (for SQL Mayfly composed, never for user text). */
  reachLiterals(sql: string): string {
    if (!this.literal) return sql;
    const paths = [...sql.matchAll(this.literal)].map((m) => m[1] ?? '');
    if (paths.length === 0) return sql;
    const links = this.reachAll(paths);
    const byPath = new Map(paths.map((p, i) => [p, links[i] ?? p]));
    return sql.replace(this.literal, (_, path: string) => `'${byPath.get(path) ?? path}'`);
  }

  /** Parks the groups the running statement did not reach (cheap when there are none). */
  prune(): void {
    if (!this.stale) return;
    this.stale = false;
    for (const g of this.groups.values()) {
      if (!g.reachable || this.current.has(g.id)) continue;
      try {
        mkdirSync(this.parking, { recursive: true });
        renameSync(join(this.dir, g.id), join(this.parking, g.id));
        g.reachable = false;
      } catch {
        rmSync(join(this.dir, g.id), { recursive: true, force: true });
        this.groups.delete(g.id);
      }
    }
    const parked = [...this.groups.values()].filter((g) => !g.reachable).sort((a, b) => a.used - b.used);
    for (const g of parked.slice(0, Math.max(0, parked.length - MAX_PARKED))) {
      rmSync(join(this.parking, g.id), { recursive: true, force: true });
      this.groups.delete(g.id);
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

  private reachGroup(id: string, paths: readonly string[]): Group {
    this.current.add(id);
    const known = this.groups.get(id);
    if (known) {
      known.used = this.statement;
      if (known.reachable) return known;
      try {
        renameSync(join(this.parking, id), join(this.dir, id));
        known.reachable = true;
        return known;
      } catch {
        this.groups.delete(id);
      }
    }
    const groupDir = join(this.dir, id);
    rmSync(groupDir, { recursive: true, force: true });
    mkdirSync(groupDir, { recursive: true });
    const links = new Map<string, string>();
    for (const path of paths) {
      // A link keeps the object's file name: the write path reads a row's file key from it.
      const link = join(groupDir, basename(path));
      if (!links.has(path)) hardLink(path, link);
      links.set(path, link);
    }
    const group: Group = { id, links, reachable: true, used: this.statement };
    this.groups.set(id, group);
    return group;
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
