import { SYSTEM_SCHEMA, type Session } from '../warehouse/session.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { historyVersion, PROCESSED_STATUSES, readLoadHistory, type HistoryKey, type LoadRecord } from './load-history.js';

/** What a table's load history says about one file: its last load that processed it, and the notes that it changed since. */
export interface FileHistory {
  readonly loaded: LoadRecord | undefined;
  readonly notes: readonly LoadRecord[];
}

/** A table's load history by file (`@stage/path`): planning a refresh is one lookup per listed file. */
export type HistoryIndex = ReadonlyMap<string, FileHistory>;

/** Indexes a history (oldest first): each file's last processing load and its CHANGED notes. */
export function indexHistory(records: readonly LoadRecord[]): HistoryIndex {
  const out = new Map<string, { loaded: LoadRecord | undefined; notes: LoadRecord[] }>();
  for (const r of records) {
    let f = out.get(r.file);
    if (!f) out.set(r.file, (f = { loaded: undefined, notes: [] }));
    if (PROCESSED_STATUSES.includes(r.status)) f.loaded = r;
    else if (r.status === 'CHANGED') f.notes.push(r);
  }
  return out;
}

/**
 * Indexes of load histories by the history table's content id and the table
 * they describe. A content id names the rows exactly, so an entry is never
 * stale: a refresh over a history nobody changed reads no history at all, in
 * any database or clone that shares that version. Holds at most `limit`
 * indexes, dropping the least recently used.
 */
export class HistoryIndexCache {
  private readonly entries = new Map<string, HistoryIndex>();

  constructor(private readonly limit = 8) {}

  /**
   * The index of `key`'s rows in history version `version`, unless cached read
   * through `session` — at the version the session sees, which may be newer
   * than `version` (a load committed meanwhile): the index is kept and
   * returned under the version it was read at, never under another.
   */
  async get(version: string, key: HistoryKey, session: () => Promise<Session>): Promise<{ readonly version: string | undefined; readonly index: HistoryIndex }> {
    const hit = this.entries.get(entryId(version, key));
    if (hit) {
      this.entries.delete(entryId(version, key));
      this.entries.set(entryId(version, key), hit);
      return { version, index: hit };
    }
    const s = await session();
    // One snapshot for the rows and their id.
    await s.run('BEGIN');
    let read: string | undefined;
    let index: HistoryIndex;
    try {
      read = historyVersion(s);
      index = indexHistory(await readLoadHistory(s, key));
    } finally {
      if (s.inTransaction) await s.run('ROLLBACK');
    }
    if (read === undefined) return { version: read, index };
    this.entries.set(entryId(read, key), index);
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.limit) break;
      this.entries.delete(oldest);
    }
    return { version: read, index };
  }

  /** How many indexes it holds. */
  get size(): number {
    return this.entries.size;
  }
}

/** The content id of database `db`'s load history table as committed now (undefined before the first load). */
export function committedHistoryVersion(warehouse: Warehouse, db: string): string | undefined {
  return warehouse.tree(warehouse.requireRef(db).commitId).schemas.get(SYSTEM_SCHEMA)?.tables.get('load_history');
}

function entryId(version: string, key: HistoryKey): string {
  return `${version}\u0000${key.table}\u0000${key.pipe}`;
}
