import { invalid } from '../core/errors.js';
import type { Catalog } from '../catalog/catalog.js';
import type { WorkingTree } from './working-tree.js';

/** Record kind of a purge boundary (key `<db>/<schema.table>/<at>`). */
export const PURGE_BOUNDARY_KIND = 'purge-boundary';

/**
 * Rows of one table purged for retention: time travel must not reach them.
 * Recorded by the control plane after the purge's commit; checked by the data
 * plane wherever an `AT` resolves, and used by GC to reclaim files that held
 * only purged rows.
 */
export interface PurgeBoundary {
  /** The database purged (production). */
  readonly db: string;
  /** `schema.table`. */
  readonly table: string;
  /** When the purge committed (ms): no state of the table before it can be read any more. */
  readonly at: number;
  /** The first day kept (`YYYY-MM-DD`), for messages. */
  readonly cutoff: string;
  /** Every data file that held purged rows (files that left the table, and files that kept some rows). */
  readonly files: readonly string[];
  /** The files that left the table whole: they held only purged rows, and only live databases keep them. */
  readonly dropped: readonly string[];
}

/** What an `AT` reads of the resolved state: one table, some schemas, or everything. */
export type TimeTravelScope = { readonly schema: string; readonly table: string } | { readonly schemas: readonly string[] } | undefined;

/** Records a purge boundary. */
export function recordPurgeBoundary(catalog: Catalog, b: PurgeBoundary): void {
  catalog.putRecord(PURGE_BOUNDARY_KIND, `${b.db}/${b.table}/${String(b.at).padStart(15, '0')}`, b);
}

/** Every purge boundary, oldest first per table. */
export function purgeBoundaries(catalog: Catalog): readonly PurgeBoundary[] {
  return catalog.listRecords<PurgeBoundary>(PURGE_BOUNDARY_KIND).map((r) => r.value);
}

/**
 * Forgets boundaries no time travel can reach any more (GC, under its lock):
 * older than the time-travel window, and none of their whole-purged files is
 * referenced by a state GC keeps (`reachable`). Returns how many it removed.
 */
export function prunePurgeBoundaries(catalog: Catalog, windowStart: number, reachable: (file: string) => boolean): number {
  let removed = 0;
  for (const r of catalog.listRecords<PurgeBoundary>(PURGE_BOUNDARY_KIND)) {
    if (r.value.at >= windowStart || r.value.dropped.some(reachable)) continue;
    if (catalog.deleteRecord(PURGE_BOUNDARY_KIND, r.key)) removed++;
  }
  return removed;
}

/** The files that held only purged rows (GC keeps them only for live databases, not for time travel). */
export function purgedOnlyFiles(catalog: Catalog): ReadonlySet<string> {
  return new Set(purgeBoundaries(catalog).flatMap((b) => b.dropped));
}

/**
 * Refuses (RETENTION_PURGED) a time-travel read of `db` as of `at`, whose
 * resolved state is `state`, when it would return rows retention purged:
 * - `db` is the purged database, `at` is before the purge, and the read
 *   covers the purged table (by its name then, or by any file that held
 *   purged rows: a table renamed or cloned within the database before the purge);
 * - or the state holds a file that held only purged rows and `db` no longer
 *   does (a dropped clone, an older state of a clone): GC does not keep such
 *   files for time travel.
 * A live clone taken before the purge still reads its rows now: that is its
 * retention deadline's business (`retention report`, `reap`).
 */
export function checkNotPurged(catalog: Catalog, db: string, at: number, state: () => WorkingTree, current: () => WorkingTree | undefined, scope: TimeTravelScope): void {
  const boundaries = purgeBoundaries(catalog);
  if (boundaries.length === 0) return;
  const read = scopeFiles(state(), scope);
  for (const b of boundaries) {
    if (b.db !== db || at >= b.at) continue;
    const files = new Set(b.files);
    const hit = read.find((t) => t.name === b.table || t.files.some((f) => files.has(f)));
    if (hit) throw refusal(b, `${db}.${hit.name}`);
  }
  const dropped = new Map(boundaries.flatMap((b) => b.dropped.map((f) => [f, b] as const)));
  const held = read.flatMap((t) => t.files.filter((f) => dropped.has(f)).map((f) => ({ table: t.name, file: f })));
  if (held.length === 0) return;
  const now = current();
  const live = new Set(now ? scopeFiles(now, undefined).flatMap((t) => t.files) : []);
  const gone = held.find((h) => !live.has(h.file));
  if (gone) throw refusal(dropped.get(gone.file) as PurgeBoundary, `${db}.${gone.table}`);
}

function refusal(b: PurgeBoundary, read: string): Error {
  const when = new Date(b.at).toISOString();
  return invalid(
    'RETENTION_PURGED',
    `${read} as of that time holds rows of ${b.db}.${b.table} dated before ${b.cutoff}, which retention purged on ${when}; ` +
      `time travel and clones of it can go back to ${when} at the earliest`,
  );
}

/** The tables a scope reads in a state, with their data files. */
function scopeFiles(state: WorkingTree, scope: TimeTravelScope): { name: string; files: string[] }[] {
  const out: { name: string; files: string[] }[] = [];
  for (const [schema, s] of state.schemas) {
    if (scope && 'schema' in scope && scope.schema !== schema) continue;
    if (scope && 'schemas' in scope && !scope.schemas.includes(schema)) continue;
    for (const [name, id] of s.tables) {
      if (scope && 'table' in scope && scope.table !== name) continue;
      out.push({ name: `${schema}.${name}`, files: state.tableVersion(id).files.map((f) => f.key) });
    }
  }
  return out;
}
