import type { StorageSplit } from '../warehouse/storage-metrics.js';
import { GLOBAL_OPTIONS_HELP, expectPositionals, parseCommandArgs } from './args.js';
import type { Command } from './command.js';
import { withMayfly } from './open-warehouse.js';
import { formatBytes, formatCount, formatFields, formatTable, inElapsed, plural, type Column } from './output.js';
import { progressBar } from './progress.js';

const DB_OPTION = { db: { type: 'string' } } as const;
const GC_OPTIONS = { 'dry-run': { type: 'boolean', default: false } } as const;

const SPLIT_COLUMNS: readonly Column[] = [
  { header: 'logical', align: 'right' },
  { header: 'shared', align: 'right' },
  { header: 'exclusive', align: 'right' },
  { header: 'retained', align: 'right' },
  { header: 'charged', align: 'right' },
  { header: 'files', align: 'right' },
];

function splitCells(s: StorageSplit): string[] {
  return [formatBytes(s.logicalBytes), formatBytes(s.sharedBytes), formatBytes(s.exclusiveBytes), formatBytes(s.retainedForCloneBytes), formatBytes(s.chargedBytes), formatCount(s.files)];
}

/** `mayfly metrics`: logical, shared, exclusive and retained-for-clone bytes per database (and per table with --db). */
export const metricsCommand: Command = {
  words: ['metrics'],
  options: DB_OPTION,
  summary: 'bytes per database and table: logical, shared, exclusive, retained for clones',
  help: `Usage: mayfly metrics [--db NAME]

Splits each database's bytes into
  logical    every file it references
  shared     files other databases reference too
  exclusive  files only it references: what it costs on its own
  retained   exclusive files its source has dropped, kept alive only by this clone
  charged    its even share of every file it holds (bytes / databases holding
             it): the databases' charges add up to the bytes stored
With --db, also per table. JSON gives raw byte counts.

Options:
  --db NAME   one database, with its tables

${GLOBAL_OPTIONS_HELP}`,
  async run(args, { out }) {
    const { values, positionals } = parseCommandArgs(args, DB_OPTION);
    expectPositionals(positionals, []);
    await withMayfly(values, async ({ warehouse }) => {
      const m = warehouse.metrics(values.db);
      if (out.json) return out.printJson(m);
      const dbColumns: Column[] = [{ header: 'database' }, { header: 'source' }, ...SPLIT_COLUMNS];
      out.line(formatTable(dbColumns, m.databases.map((d) => [d.name, d.source ?? '-', ...splitCells(d)])));
      const [db] = m.databases;
      if (values.db !== undefined && db && db.tables.length > 0) {
        out.line();
        const tableColumns: Column[] = [{ header: 'table' }, { header: 'rows', align: 'right' }, ...SPLIT_COLUMNS];
        out.line(formatTable(tableColumns, db.tables.map((t) => [`${t.schema}.${t.name}`, formatCount(t.rows), ...splitCells(t)])));
      }
      if (values.db === undefined) out.line(`\nstored once for all databases: ${formatBytes(m.liveBytes)} (charged above, plus ${formatCount(m.chargeRemainderBytes)} B of rounding)`);
    });
  },
};

/** `mayfly gc`: mark and sweep of files no live database or time-travel commit reaches. */
export const gcCommand: Command = {
  words: ['gc'],
  options: GC_OPTIONS,
  summary: 'remove files no database and no commit in the time-travel window uses',
  help: `Usage: mayfly gc [--dry-run]

Mark and sweep: removes data files that no live database and no commit of the
time-travel window reaches and that are older than the grace period, and
prunes commits that fell out of the window.

Options:
  --dry-run   report what would be removed, remove nothing

${GLOBAL_OPTIONS_HELP}`,
  async run(args, { out }) {
    const { values, positionals } = parseCommandArgs(args, GC_OPTIONS);
    expectPositionals(positionals, []);
    await withMayfly(values, async ({ warehouse }) => {
      const bar = progressBar(out, 'scanning files');
      const report = await warehouse.gc({ dryRun: values['dry-run'], onProgress: (done, total) => bar.update(done, total) }).finally(() => bar.finish());
      if (out.json) return out.printJson(report);
      const verb = report.dryRun ? 'would remove' : 'removed';
      out.line(`gc${report.dryRun ? ' (dry run)' : ''} ${verb} ${plural(report.filesDeleted, 'file')} (${formatBytes(report.bytesReclaimed)})${inElapsed(report.elapsedMs)}`);
      out.line(
        formatFields([
          ['files scanned', formatCount(report.filesScanned)],
          ['files in use', formatCount(report.filesReachable - report.filesKeptForTimeTravel)],
          ['kept for time travel', formatCount(report.filesKeptForTimeTravel)],
          [`purged by retention, ${report.dryRun ? 'to remove' : 'removed'}`, formatCount(report.filesPurgedByRetention)],
          ['unused, in grace period', formatCount(report.filesInGracePeriod)],
          [`commits ${report.dryRun ? 'to prune' : 'pruned'}`, formatCount(report.commitsPruned)],
          [`metadata ${report.dryRun ? 'to prune' : 'pruned'}`, formatCount(report.metadataPruned)],
          ['staging files removed', formatCount(report.stagingFilesRemoved)],
        ]),
      );
    });
  },
};

/** `mayfly compact`: folds delete vectors and merges small files. */
export const compactCommand: Command = {
  words: ['compact'],
  options: DB_OPTION,
  summary: 'fold delete vectors and merge small files (of one database, or all)',
  help: `Usage: mayfly compact [--db NAME]

Rewrites each table's small files and files with deleted rows into fresh files.
Files another database shares are never rewritten, so compaction does not turn
shared bytes into copies; a table changed meanwhile is skipped.

Options:
  --db NAME   only this database (default: all)

${GLOBAL_OPTIONS_HELP}`,
  async run(args, { out }) {
    const { values, positionals } = parseCommandArgs(args, DB_OPTION);
    expectPositionals(positionals, []);
    await withMayfly(values, async ({ warehouse }) => {
      const bar = progressBar(out, 'compacting');
      const report = await warehouse
        .compact({ ...(values.db !== undefined ? { db: values.db } : {}), onProgress: (done, total, table) => bar.update(done, total, table) })
        .finally(() => bar.finish());
      if (out.json) return out.printJson(report);
      out.line(`compacted ${plural(report.tablesCompacted, 'table')}${inElapsed(report.elapsedMs)}`);
      out.line(
        formatFields([
          ['files rewritten', formatCount(report.filesRewritten)],
          ['files written', formatCount(report.filesWritten)],
          ['delete vectors folded', formatCount(report.deleteVectorsFolded)],
          ['tables skipped (changed meanwhile)', formatCount(report.tablesSkipped)],
        ]),
      );
    });
  },
};
