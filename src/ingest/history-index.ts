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
  return extendIndex(new Map(), records);
}

/** The index of a history after `records` (newer than every row of `index`) were added to it; `index` is left as it is. */
export function extendIndex(index: HistoryIndex, records: readonly LoadRecord[]): HistoryIndex {
  const out = new Map(index);
  for (const r of records) {
    const f = out.get(r.file) ?? { loaded: undefined, notes: [] };
    if (PROCESSED_STATUSES.includes(r.status)) out.set(r.file, { ...f, loaded: r });
    else if (r.status === 'CHANGED') out.set(r.file, { ...f, notes: [...f.notes, r] });
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
    if (read !== undefined) this.put(read, key, index);
    return { version: read, index };
  }

  /** Stores the index of `key`'s rows in history version `version` (the caller knows it to be exactly those rows). */
  put(version: string, key: HistoryKey, index: HistoryIndex): void {
    this.entries.delete(entryId(version, key));
    this.entries.set(entryId(version, key), index);
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.limit) break;
      this.entries.delete(oldest);
    }
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
