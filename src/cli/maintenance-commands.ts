import { invalid } from '../core/errors.js';
import { parseSize } from '../config/mayfly-config.js';
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

const COMPACT_OPTIONS = {
  db: { type: 'string' },
  all: { type: 'boolean', default: false },
  full: { type: 'boolean', default: false },
  'deleted-fraction': { type: 'string' },
  'small-file-size': { type: 'string' },
} as const;

/** `mayfly compact`: rewrites the files whose deletes or sizes warrant it, and only those. */
export const compactCommand: Command = {
  words: ['compact'],
  options: COMPACT_OPTIONS,
  summary: 'rewrite files with many deleted rows and merge small files (production, one database, or all)',
  help: `Usage: mayfly compact [--db NAME | --all] [--full] [--deleted-fraction F] [--small-file-size SIZE]

Rewrites, per table, only the data files that warrant it:
  - a file with more than F of its rows deleted (default 0.1) is rewritten
    without them;
  - files below the small-file size (default: smallFileSize of mayfly.yaml,
    8MB) are merged, up to the target file size;
  - every other file, and every delete vector whose files are all kept, is
    left as it is. Delete vectors left with no file are dropped; one naming
    kept and rewritten files is rewritten with the kept files' rows only.
Old commits keep the old files, so time travel and clones see what they saw.

Which databases:
  (default)   production, over the files only it holds: files its clones
              share are left to them, so compaction never makes a clone
              hold old files alone (retained bytes charged to the clone)
  --db NAME   that database; a clone named here also rewrites the files it
              shares with its source, into files it owns (reported as its
              bytes): the source keeps its own files
  --all       every database, each over the files only it holds

Options:
  --full                    rewrite every file with a deleted row and every small
                            file, whatever the thresholds
  --deleted-fraction F      share of deleted rows (0 to 1) above which a file is rewritten
  --small-file-size SIZE    files below SIZE (e.g. 8MB) are merged

${GLOBAL_OPTIONS_HELP}`,
  async run(args, { out }) {
    const { values, positionals } = parseCommandArgs(args, COMPACT_OPTIONS);
    expectPositionals(positionals, []);
    const fraction = values['deleted-fraction'];
    const small = values['small-file-size'];
    if (fraction !== undefined && !/^\s*(0(\.\d+)?|1(\.0+)?|\.\d+)\s*$/.test(fraction)) {
      throw invalid('COMPACT_THRESHOLD', `invalid --deleted-fraction ${JSON.stringify(fraction)}: use a number from 0 to 1, e.g. 0.1`);
    }
    const options = {
      ...(values.db !== undefined ? { db: values.db } : {}),
      all: values.all,
      full: values.full,
      ...(fraction !== undefined ? { deletedFraction: Number(fraction) } : {}),
      ...(small !== undefined ? { smallFileBytes: parseSize(small) } : {}),
    };
    await withMayfly(values, async ({ warehouse }) => {
      const bar = progressBar(out, 'compacting');
      const report = await warehouse.compact({ ...options, onProgress: (done, total, table) => bar.update(done, total, table) }).finally(() => bar.finish());
      if (out.json) return out.printJson(report);
      out.line(
        `compacted ${plural(report.tablesCompacted, 'table')}: read ${formatBytes(report.bytesRead)}, wrote ${formatBytes(report.bytesWritten)}${inElapsed(report.elapsedMs)}`,
      );
      const columns: Column[] = [
        { header: 'database' },
        { header: 'shared files' },
        { header: 'tables', align: 'right' },
        { header: 'files rewritten', align: 'right' },
        { header: 'files written', align: 'right' },
        { header: 'deletes dropped', align: 'right' },
        { header: 'deletes trimmed', align: 'right' },
        { header: 'read', align: 'right' },
        { header: 'written', align: 'right' },
        { header: 'skipped', align: 'right' },
      ];
      out.line(
        formatTable(
          columns,
          report.databases.map((d) => [
            d.name,
            d.shared ? 'rewritten' : 'left',
            formatCount(d.tablesCompacted),
            formatCount(d.filesRewritten),
            formatCount(d.filesWritten),
            formatCount(d.deleteVectorsDropped),
            formatCount(d.deleteVectorsTrimmed),
            formatBytes(d.bytesRead),
            formatBytes(d.bytesWritten),
            formatCount(d.tablesSkipped),
          ]),
        ),
      );
      if (report.tablesSkipped > 0) out.line(`${plural(report.tablesSkipped, 'table')} changed meanwhile: skipped, run compact again`);
    });
  },
};
