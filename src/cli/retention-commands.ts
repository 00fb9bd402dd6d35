import { parseDuration } from '../core/duration.js';
import { applyRetention } from '../retention/retention-purge.js';
import { retentionReport, type CloneRetention } from '../retention/retention-report.js';
import { GLOBAL_OPTIONS_HELP, expectPositionals, parseCommandArgs } from './args.js';
import type { Command } from './command.js';
import { withMayfly } from './open-warehouse.js';
import { formatBytes, formatCount, formatDuration, formatTable, formatTime, inElapsed, plural, type Column } from './output.js';
import { progressBar } from './progress.js';

const APPLY_OPTIONS = { 'dry-run': { type: 'boolean', default: false } } as const;
const REPORT_OPTIONS = { within: { type: 'string', default: '7d' } } as const;

const NO_POLICIES = 'no retention policies: add a `retention:` section to mayfly.yaml (schema.table: { column: load_date, days: 90 })';

/** `mayfly retention apply`: purges production's rows past retention. */
export const retentionApplyCommand: Command = {
  words: ['retention', 'apply'],
  options: APPLY_OPTIONS,
  summary: "purge production's data past retention (whole files where their dates allow)",
  help: `Usage: mayfly retention apply [--dry-run]

For each table under \`retention:\` in mayfly.yaml, deletes production's rows
whose date column is before today (UTC) minus the table's days. Files whose
rows all fall before the cutoff leave the table whole; rows of files that
straddle it are removed with a delete vector. Clones are not touched: they
keep their own state (see \`mayfly retention report\`). Each purge is recorded
with its time. Running it again the same day purges nothing.

Options:
  --dry-run   count what would be purged, purge nothing

${GLOBAL_OPTIONS_HELP}`,
  async run(args, { out }) {
    const { values, positionals } = parseCommandArgs(args, APPLY_OPTIONS);
    expectPositionals(positionals, []);
    await withMayfly(values, async ({ warehouse, config }) => {
      const bar = progressBar(out, 'purging');
      const report = await applyRetention(warehouse, config, { dryRun: values['dry-run'], onProgress: (done, total, table) => bar.update(done, total, table) }).finally(() =>
        bar.finish(),
      );
      if (out.json) return out.printJson(report);
      if (report.tables.length === 0) return out.line(NO_POLICIES);
      const verb = report.dryRun ? 'would purge' : 'purged';
      out.line(
        `retention apply${report.dryRun ? ' (dry run)' : ''} ${verb} ${plural(report.rows, 'row')} from ${report.db}: ` +
          `${plural(report.filesDropped, 'file')} dropped whole (${formatBytes(report.bytesDropped)})${inElapsed(report.elapsedMs)}`,
      );
      const columns: Column[] = [
        { header: 'table' },
        { header: 'column' },
        { header: 'days', align: 'right' },
        { header: 'keeps from' },
        { header: 'rows', align: 'right' },
        { header: 'files dropped', align: 'right' },
        { header: 'bytes dropped', align: 'right' },
        { header: 'delete vectors', align: 'right' },
      ];
      const purged = report.tables.filter((t) => t.skipped === undefined);
      if (purged.length > 0) {
        out.line(
          formatTable(
            columns,
            purged.map((t) => [t.table, t.column, String(t.days), t.cutoff, formatCount(t.rows), formatCount(t.filesDropped), formatBytes(t.bytesDropped), formatCount(t.deleteVectors)]),
          ),
        );
      }
      for (const t of report.tables) if (t.skipped !== undefined) out.line(`skipped ${t.table}: ${t.skipped}`);
    });
  },
};

/** `mayfly retention report`: clones past or near their retention deadline, and the bytes only clones keep. */
export const retentionReportCommand: Command = {
  words: ['retention', 'report'],
  options: REPORT_OPTIONS,
  summary: 'clones holding data past retention or near their deadline, and bytes kept only for clones',
  help: `Usage: mayfly retention report [--within 7d]

Production's retention policies with their last purge, then every other
database against them. A clone's retention deadline is the start (00:00 UTC)
of the day its oldest retained row passes production's retention — the day
\`retention apply\` purges that row from production:
  non-compliant  the deadline has passed: it holds data production has purged
  near           the deadline falls within --within, or within its scope's
                 retentionLead (when \`reap\` acts: refresh, destroy or warn)
  ok / no-data   later, or it holds no retained data
"retained" is what only that clone keeps alive (files production dropped).

Options:
  --within DURATION   how far ahead a deadline counts as near (default 7d)

${GLOBAL_OPTIONS_HELP}`,
  async run(args, { out }) {
    const { values, positionals } = parseCommandArgs(args, REPORT_OPTIONS);
    expectPositionals(positionals, []);
    const withinMs = parseDuration(values.within, '--within');
    await withMayfly(values, async ({ warehouse, config }) => {
      const report = await retentionReport(warehouse, config, { withinMs });
      if (out.json) return out.printJson(report);
      if (report.policies.length === 0) out.line(NO_POLICIES);
      else {
        out.line(`retention policies of ${report.production}:`);
        const policyColumns: Column[] = [{ header: 'table' }, { header: 'column' }, { header: 'days', align: 'right' }, { header: 'keeps from' }, { header: 'last purge' }, { header: 'rows', align: 'right' }];
        out.line(
          formatTable(
            policyColumns,
            report.policies.map((p) => [
              p.table,
              p.column,
              String(p.days),
              p.cutoff,
              p.lastPurge ? formatTime(p.lastPurge.at) : 'never',
              p.lastPurge ? formatCount(p.lastPurge.rows) : '-',
            ]),
          ),
        );
      }
      out.line();
      if (report.clones.length === 0) out.line('no clones');
      else {
        const cloneColumns: Column[] = [
          { header: 'clone' },
          { header: 'scope' },
          { header: 'owner' },
          { header: 'status' },
          { header: 'deadline' },
          { header: 'left', align: 'right' },
          { header: 'action' },
          { header: 'retained', align: 'right' },
        ];
        out.line(formatTable(cloneColumns, report.clones.map((c) => cloneCells(c, report.at))));
      }
      out.line(
        `\n${plural(report.nonCompliant, 'clone')} non-compliant, ${formatCount(report.near)} near their deadline (within ${formatDuration(withinMs)}); ` +
          `${formatBytes(report.retainedForCloneBytes)} kept alive only for clones`,
      );
    });
  },
};

function cloneCells(c: CloneRetention, now: number): string[] {
  const deadline = c.deadline === null ? '-' : new Date(c.deadline).toISOString().slice(0, 10);
  const left = c.deadline === null ? '-' : c.deadline <= now ? `${formatDuration(now - c.deadline)} ago` : formatDuration(c.deadline - now);
  return [c.name, c.scope, c.owner, c.status, deadline, left, c.action ?? '-', formatBytes(c.retainedForCloneBytes)];
}

/** The commands of this area, registered in `commands.ts`. */
export const retentionCommands: readonly Command[] = [retentionApplyCommand, retentionReportCommand];
