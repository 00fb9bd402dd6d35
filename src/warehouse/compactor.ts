import { isMayflyError } from '../core/errors.js';
import { quoteIdent, quoteLiteral } from '../core/names.js';
import type { TableVersion } from '../catalog/model.js';
import { physicalName, tableRelationSql } from '../sql/table-relation.js';
import { commitTree } from './committer.js';
import type { Session } from './session.js';
import { writeDataFiles, writeDeleteFile } from './table-writes.js';
import type { Warehouse } from './warehouse.js';
import { WorkingTree } from './working-tree.js';

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
  const jobs: { db: string; base: string; schema: string; name: string; version: TableVersion }[] = [];
  for (const ref of refs) {
    const tree = wh.tree(ref.commitId);
    for (const [schema, s] of tree.schemas) {
      for (const [name, id] of s.tables) jobs.push({ db: ref.name, base: ref.commitId, schema, name, version: tree.tableVersion(id) });
    }
  }
  let n = 0;
  for (const job of jobs) {
    const session = await wh.session(job.db);
    try {
      const next = await compactTable(session, job.version, (key) => (holders.get(key)?.size ?? 0) <= 1, report);
      if (next) {
        const tree = WorkingTree.load(wh.catalog, wh.catalog.getCommit(job.base).tree);
        tree.setTable(job.schema, job.name, next);
        try {
          commitTree(wh, job.db, job.base, tree, `compact ${job.schema}.${job.name}`);
          report.tablesCompacted++;
        } catch (e) {
          if (!isMayflyError(e, 'WRITE_CONFLICT')) throw e;
          report.tablesSkipped++;
        }
      }
    } finally {
      session.close();
    }
    options.onProgress?.(++n, jobs.length, `${job.db}.${job.schema}.${job.name}`);
  }
  return { ...report, elapsedMs: performance.now() - started };
}

async function compactTable(
  session: Session,
  v: TableVersion,
  exclusive: (key: string) => boolean,
  report: { filesRewritten: number; filesWritten: number; deleteVectorsFolded: number },
): Promise<TableVersion | undefined> {
  const small = session.warehouse.settings.smallFileBytes;
  const dvPaths = v.deletes.map((d) => quoteLiteral(session.warehouse.store.localPath(d.key))).join(', ');
  const deleted = new Set(v.deletes.flatMap((d) => d.targets));
  const rewrite = v.files.filter((f) => exclusive(f.key) && (f.bytes < small || deleted.has(f.key)));
  if (rewrite.length === 0 || (rewrite.length === 1 && !deleted.has(rewrite[0]?.key ?? ''))) return undefined;
  const rewriteKeys = new Set(rewrite.map((f) => f.key));
  const subset = { ...session.boundTable(v), files: session.boundTable(v).files.filter((f) => rewriteKeys.has(f.key)) };
  const columns = v.columns.map((c) => `${quoteIdent(c.name)} AS ${physicalName(c.id)}`).join(', ');
  const written = await writeDataFiles(session, `SELECT ${columns} FROM (${tableRelationSql(subset)})`, v.columns);
  const kept = v.files.filter((f) => !rewriteKeys.has(f.key));
  const keptWithDeletes = kept.filter((f) => deleted.has(f.key)).map((f) => quoteLiteral(f.key));
  const dv = keptWithDeletes.length
    ? await writeDeleteFile(session, `SELECT file_key, pos FROM read_parquet([${dvPaths}]) WHERE file_key IN (${keptWithDeletes.join(', ')})`)
    : undefined;
  report.filesRewritten += rewrite.length;
  report.filesWritten += written.length;
  report.deleteVectorsFolded += v.deletes.length - (dv ? 1 : 0);
  return { ...v, files: [...kept, ...written], deletes: dv ? [dv] : [] };
}
