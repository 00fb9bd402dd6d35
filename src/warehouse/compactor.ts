import { invalid, isMayflyError } from '../core/errors.js';
import { quoteIdent, quoteLiteral } from '../core/names.js';
import type { DatabaseRef, DeleteFile, TableVersion } from '../catalog/model.js';
import { physicalName, tableRelationSql } from '../sql/table-relation.js';
import { commitTree } from './committer.js';
import { ensureFileReferences } from './file-references.js';
import { DEFAULT_DELETED_FRACTION, planCompaction, type CompactionPlan, type CompactionThresholds } from './compaction-plan.js';
import type { Session } from './session.js';
import { writeDataFiles, writeDeleteFile } from './table-writes.js';
import type { Warehouse } from './warehouse.js';

/** Options of a compaction run. */
export interface CompactOptions {
  /** Only this database (default: production). */
  readonly db?: string;
  /** Every database, each over the files only it holds. */
  readonly all?: boolean;
  /** Rewrite every file with a deleted row and every small file, whatever the thresholds. */
  readonly full?: boolean;
  /**
   * Also rewrite files the database shares with others, into files it alone
   * owns (they keep theirs). Default: true for a clone named with `db`, false
   * otherwise, so compacting a source never leaves its clones holding old files alone.
   */
  readonly shared?: boolean;
  /** Share of a file's rows deleted above which it is rewritten (default 0.1). */
  readonly deletedFraction?: number;
  /** Files below this size are merged (default: the warehouse's `smallFileBytes`). */
  readonly smallFileBytes?: number;
  /** Called after each table. */
  readonly onProgress?: (done: number, total: number, table: string) => void;
}

/** What compaction did in one database. */
export interface CompactCounts {
  readonly tablesCompacted: number;
  readonly tablesSkipped: number;
  /** Data files read and replaced. */
  readonly filesRewritten: number;
  /** Data files written (new, owned by this database). */
  readonly filesWritten: number;
  /** Delete vectors no longer needed (all their rows were in rewritten files). */
  readonly deleteVectorsDropped: number;
  /** Delete vectors rewritten with only the rows of files kept. */
  readonly deleteVectorsTrimmed: number;
  /** Delete vectors of kept files folded into one (a table had too many). */
  readonly deleteVectorsMerged: number;
  /** Bytes of the data files and delete vectors read. */
  readonly bytesRead: number;
  /** Bytes of the data files and delete vectors written. */
  readonly bytesWritten: number;
}

/** What compaction did, in total and per database (a clone's bytes are reported as its own). */
export interface CompactReport extends CompactCounts {
  /** Delete vectors dropped, trimmed or merged (kept for reports written before partial compaction). */
  readonly deleteVectorsFolded: number;
  readonly databases: readonly ({ readonly name: string; readonly shared: boolean } & CompactCounts)[];
  readonly elapsedMs: number;
}

type Counts = { -readonly [K in keyof CompactCounts]: CompactCounts[K] };

const zero = (): Counts => ({
  tablesCompacted: 0,
  tablesSkipped: 0,
  filesRewritten: 0,
  filesWritten: 0,
  deleteVectorsDropped: 0,
  deleteVectorsTrimmed: 0,
  deleteVectorsMerged: 0,
  bytesRead: 0,
  bytesWritten: 0,
});

/**
 * Rewrites, per table, only the data files whose deletes or size warrant it
 * (compaction-plan.ts): untouched files and delete vectors stay as they are,
 * so a 1 % change costs about 1 % of the table, not all of it. Rewritten
 * files are new objects; old commits keep the old ones for time travel, and
 * other databases sharing them keep theirs. A table changed concurrently is
 * skipped and left for the next run.
 */
export async function compactTables(wh: Warehouse, options: CompactOptions): Promise<CompactReport> {
  const started = performance.now();
  const thresholds = resolveThresholds(wh, options);
  const refs = options.all ? wh.catalog.listRefs() : [wh.requireRef(options.db ?? wh.settings.production)];
  // Who else holds a file comes from the file reference index: the cost follows the tables compacted, not the databases.
  ensureFileReferences(wh.catalog);
  const jobs = refs.map((ref) => {
    const tree = wh.tree(ref.commitId);
    const tables = [...tree.schemas].flatMap(([schema, s]) => [...s.tables].map(([name, id]) => ({ schema, name, id, version: tree.tableVersion(id) })));
    // A version two tables of this database list (an unchanged in-database CLONE) is shared even though one database holds it.
    const slots = new Map<string, number>();
    for (const t of tables) slots.set(t.id, (slots.get(t.id) ?? 0) + 1);
    return { ref, shared: rewritesShared(wh, ref, options), tables, slots };
  });
  const total = jobs.reduce((n, j) => n + j.tables.length, 0);
  const databases: CompactReport['databases'][number][] = [];
  let n = 0;
  for (const job of jobs) {
    const counts = zero();
    // One engine per database, started only if one of its tables has deletes to count or files to merge.
    let session: Session | undefined;
    try {
      for (const t of job.tables) {
        if (t.version.deletes.length > 0 || t.version.files.length > 1) {
          const mine = ownedBy(wh, job.shared || (job.slots.get(t.id) ?? 0) > 1 ? undefined : t.version, job.shared);
          session ??= await wh.session(job.ref.name);
          const deleted = await deletedRows(session, t.version, counts);
          const plan = planCompaction(t.version, deleted, mine, thresholds);
          if (plan) {
            const tree = wh.tree(job.ref.commitId);
            tree.setTable(t.schema, t.name, await rewriteTable(session, t.version, plan, counts));
            try {
              commitTree(wh, job.ref.name, job.ref.commitId, tree, `compact ${t.schema}.${t.name}`);
              counts.tablesCompacted++;
            } catch (e) {
              if (!isMayflyError(e, 'WRITE_CONFLICT')) throw e;
              counts.tablesSkipped++;
            }
          }
        }
        options.onProgress?.(++n, total, `${job.ref.name}.${t.schema}.${t.name}`);
      }
    } finally {
      session?.close();
    }
    databases.push({ name: job.ref.name, shared: job.shared, ...counts });
  }
  const sum = zero();
  for (const d of databases) for (const k of Object.keys(sum) as (keyof Counts)[]) sum[k] += d[k];
  return { ...sum, deleteVectorsFolded: sum.deleteVectorsDropped + sum.deleteVectorsTrimmed + sum.deleteVectorsMerged, databases, elapsedMs: performance.now() - started };
}

function resolveThresholds(wh: Warehouse, options: CompactOptions): CompactionThresholds {
  const deletedFraction = options.deletedFraction ?? DEFAULT_DELETED_FRACTION;
  if (!(deletedFraction >= 0 && deletedFraction <= 1)) {
    throw invalid('COMPACT_THRESHOLD', `the deleted fraction must be between 0 and 1 (got ${deletedFraction})`);
  }
  const smallFileBytes = options.smallFileBytes ?? wh.settings.smallFileBytes;
  if (!(Number.isFinite(smallFileBytes) && smallFileBytes >= 0)) {
    throw invalid('COMPACT_THRESHOLD', `the small-file size must be a size of zero or more bytes (got ${smallFileBytes})`);
  }
  if (options.all && options.db !== undefined) throw invalid('COMPACT_TARGET', 'name one database or ask for all, not both');
  return { deletedFraction, smallFileBytes, full: options.full ?? false };
}

/** Whether a compaction of this database rewrites files other databases share (see {@link CompactOptions.shared}). */
function rewritesShared(wh: Warehouse, ref: DatabaseRef, options: CompactOptions): boolean {
  return options.shared ?? (options.db !== undefined && ref.source !== undefined && ref.name !== wh.settings.production);
}

/**
 * Which files of `version` a compaction may rewrite: all when it rewrites
 * shared files, none when the version is listed twice in its database, else
 * those one database holds in one table version (the index's counts).
 */
function ownedBy(wh: Warehouse, version: TableVersion | undefined, shared: boolean): (key: string) => boolean {
  if (shared) return () => true;
  if (version === undefined) return () => false;
  const refs = wh.catalog.getFileRefs([...version.files, ...version.deletes].map((f) => f.key));
  return (key) => {
    const r = refs.get(key);
    return r === undefined || (r.holders <= 1 && r.tableVersions <= 1);
  };
}

/** Deleted rows per data file, read once from the table's delete vectors. */
async function deletedRows(session: Session, v: TableVersion, counts: Counts): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (v.deletes.length === 0) return out;
  const r = await session.engine.query(`SELECT file_key, count(*) AS n FROM read_parquet([${deletePaths(session, v.deletes)}]) GROUP BY file_key`);
  for (const row of r.rows) out.set(String(row.file_key), Number(row.n));
  counts.bytesRead += v.deletes.reduce((b, d) => b + d.bytes, 0);
  return out;
}

function deletePaths(session: Session, deletes: readonly DeleteFile[]): string {
  return deletes.map((d) => quoteLiteral(session.warehouse.store.localPath(d.key))).join(', ');
}

async function rewriteTable(session: Session, v: TableVersion, plan: CompactionPlan, counts: Counts): Promise<TableVersion> {
  const bound = session.boundTable(v);
  const rewrite = new Set(plan.rewrite.map((f) => f.key));
  // Only the delete vectors naming a rewritten file take part in reading it.
  const subset = { ...bound, files: bound.files.filter((f) => rewrite.has(f.key)) };
  const columns = v.columns.map((c) => `${quoteIdent(c.name)} AS ${physicalName(c.id)}`).join(', ');
  const written = plan.rewrite.length > 0 ? await writeDataFiles(session, `SELECT ${columns} FROM (${tableRelationSql(subset)})`, v.columns) : [];
  // Trimmed vectors lose the rows of rewritten files; merged ones (all targets kept) pass whole into the same one.
  const folded = [...plan.trimmedDeletes, ...plan.mergedDeletes];
  let trimmed: DeleteFile | undefined;
  if (folded.length > 0) {
    const kept = plan.kept.map((f) => quoteLiteral(f.key)).join(', ');
    trimmed = await writeDeleteFile(session, `SELECT file_key, pos FROM read_parquet([${deletePaths(session, folded)}]) WHERE file_key IN (${kept})`);
  }
  counts.filesRewritten += plan.rewrite.length;
  counts.filesWritten += written.length;
  counts.deleteVectorsDropped += plan.droppedDeletes.length;
  counts.deleteVectorsTrimmed += plan.trimmedDeletes.length;
  counts.deleteVectorsMerged += plan.mergedDeletes.length;
  counts.bytesRead += plan.rewrite.reduce((b, f) => b + f.bytes, 0);
  counts.bytesWritten += written.reduce((b, f) => b + f.bytes, 0) + (trimmed?.bytes ?? 0);
  return { ...v, files: [...plan.kept, ...written], deletes: [...plan.keptDeletes, ...(trimmed ? [trimmed] : [])] };
}
