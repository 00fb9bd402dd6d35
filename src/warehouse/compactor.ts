import { isMayflyError } from '../core/errors.js';
import { quoteIdent, quoteLiteral } from '../core/names.js';
import type { TableVersion } from '../catalog/model.js';
import { physicalName, tableRelationSql } from '../sql/table-relation.js';
import { commitTree } from './committer.js';
import type { Session } from './session.js';
import { writeDataFiles, writeDeleteFile } from './table-writes.js';
import type { Warehouse } from './warehouse.js';

/** Options of a compaction run. */
export interface CompactOptions {
  /** Only this database (default: all). */
  readonly db?: string;
  /** Called after each table. */
  readonly onProgress?: (done: number, total: number, table: string) => void;
}

/** What compaction did. */
export interface CompactReport {
  readonly tablesCompacted: number;
  readonly tablesSkipped: number;
  readonly filesRewritten: number;
  readonly filesWritten: number;
  readonly deleteVectorsFolded: number;
  readonly elapsedMs: number;
}

/**
 * Rewrites the small files and the files with delete vectors of each table
 * into fresh files without deleted rows. Only files no other database shares
 * are rewritten, so compaction never turns shared bytes into copies; a table
 * changed concurrently is skipped and left for the next run.
 */
export async function compactTables(wh: Warehouse, options: CompactOptions): Promise<CompactReport> {
  const started = performance.now();
  const refs = options.db !== undefined ? [wh.requireRef(options.db)] : wh.catalog.listRefs();
  // Who holds each file: (database, schema, table) triples; only files with one holder are rewritten.
  const holders = new Map<string, Set<string>>();
  for (const r of wh.catalog.listRefs()) {
    const tree = wh.tree(r.commitId);
    for (const [schema, s] of tree.schemas) {
      for (const [name, id] of s.tables) {
        const v = tree.tableVersion(id);
        for (const f of [...v.files, ...v.deletes]) {
          const h = holders.get(f.key) ?? new Set<string>();
          h.add(`${r.name}/${schema}/${name}`);
          holders.set(f.key, h);
        }
      }
    }
  }
  const report = { tablesCompacted: 0, tablesSkipped: 0, filesRewritten: 0, filesWritten: 0, deleteVectorsFolded: 0 };
  const exclusive = (key: string): boolean => (holders.get(key)?.size ?? 0) <= 1;
  const jobs = refs.map((ref) => {
    const tree = wh.tree(ref.commitId);
    const tables = [...tree.schemas].flatMap(([schema, s]) => [...s.tables].map(([name, id]) => ({ schema, name, version: tree.tableVersion(id) })));
    return { db: ref.name, base: ref.commitId, tables };
  });
  const total = jobs.reduce((n, j) => n + j.tables.length, 0);
  let n = 0;
  for (const job of jobs) {
    // One engine per database, started only if one of its tables needs rewriting.
    let session: Session | undefined;
    try {
      for (const t of job.tables) {
        const plan = planCompaction(t.version, exclusive, wh.settings.smallFileBytes);
        if (plan) {
          session ??= await wh.session(job.db);
          const tree = wh.tree(job.base);
          tree.setTable(t.schema, t.name, await rewriteTable(session, t.version, plan, report));
          try {
            commitTree(wh, job.db, job.base, tree, `compact ${t.schema}.${t.name}`);
            report.tablesCompacted++;
          } catch (e) {
            if (!isMayflyError(e, 'WRITE_CONFLICT')) throw e;
            report.tablesSkipped++;
          }
        }
        options.onProgress?.(++n, total, `${job.db}.${t.schema}.${t.name}`);
      }
    } finally {
      session?.close();
    }
  }
  return { ...report, elapsedMs: performance.now() - started };
}

/** Which files of a table to rewrite: exclusive ones that are small or have deleted rows; none when that gains nothing. */
interface CompactionPlan {
  readonly rewrite: ReadonlySet<string>;
  /** Data files with deleted rows: those kept keep their delete vectors. */
  readonly deleted: ReadonlySet<string>;
}

function planCompaction(v: TableVersion, exclusive: (key: string) => boolean, smallFileBytes: number): CompactionPlan | undefined {
  const deleted = new Set(v.deletes.flatMap((d) => d.targets));
  const rewrite = v.files.filter((f) => exclusive(f.key) && (f.bytes < smallFileBytes || deleted.has(f.key)));
  if (rewrite.length === 0 || (rewrite.length === 1 && !deleted.has(rewrite[0]?.key ?? ''))) return undefined;
  return { rewrite: new Set(rewrite.map((f) => f.key)), deleted };
}

async function rewriteTable(
  session: Session,
  v: TableVersion,
  plan: CompactionPlan,
  report: { filesRewritten: number; filesWritten: number; deleteVectorsFolded: number },
): Promise<TableVersion> {
  const bound = session.boundTable(v);
  const subset = { ...bound, files: bound.files.filter((f) => plan.rewrite.has(f.key)) };
  const columns = v.columns.map((c) => `${quoteIdent(c.name)} AS ${physicalName(c.id)}`).join(', ');
  const written = await writeDataFiles(session, `SELECT ${columns} FROM (${tableRelationSql(subset)})`, v.columns);
  const kept = v.files.filter((f) => !plan.rewrite.has(f.key));
  const keptWithDeletes = kept.filter((f) => plan.deleted.has(f.key)).map((f) => quoteLiteral(f.key));
  const dvPaths = bound.deletes.map((d) => quoteLiteral(d.path)).join(', ');
  const dv = keptWithDeletes.length
    ? await writeDeleteFile(session, `SELECT file_key, pos FROM read_parquet([${dvPaths}]) WHERE file_key IN (${keptWithDeletes.join(', ')})`)
    : undefined;
  report.filesRewritten += plan.rewrite.size;
  report.filesWritten += written.length;
  report.deleteVectorsFolded += v.deletes.length - (dv ? 1 : 0);
  return { ...v, files: [...kept, ...written], deletes: dv ? [dv] : [] };
}
