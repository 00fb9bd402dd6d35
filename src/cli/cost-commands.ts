import { checkPeriod, costReport, parseCostGrouping, type CostReport, type CostRow } from '../costs/cost-report.js';
import { GLOBAL_OPTIONS_HELP, expectPositionals, parseCommandArgs, parsePointInTime, usageError } from './args.js';
import type { Command } from './command.js';
import { withMayfly } from './open-warehouse.js';
import { formatCount, formatTable, type Column } from './output.js';

/** Output formats of `report cost`. */
export const COST_FORMATS = ['table', 'csv', 'json'] as const;
type CostFormat = (typeof COST_FORMATS)[number];

const COST_OPTIONS = {
  by: { type: 'string', default: 'clone' },
  since: { type: 'string' },
  until: { type: 'string' },
  format: { type: 'string' },
} as const;

const DEFAULT_PERIOD_MS = 30 * 86_400_000;

/** `mayfly report cost`: what clones cost, per clone, scope or owner, next to persisted full copies. */
export const reportCostCommand: Command = {
  words: ['report', 'cost'],
  options: COST_OPTIONS,
  summary: 'what clones cost per clone, scope or owner, next to persisted full copies',
  help: `Usage: mayfly report cost [--by clone|scope|owner] [--since D] [--until D] [--format table|csv|json]

Storage and compute of every clone (destroyed ones included) over a period,
priced with \`prices:\` of mayfly.yaml, with totals and what the same
exercises would have cost as persisted full copies of production.
  storage    exclusive bytes (what only the clone references, retained-for-clone
             included) over time, sampled when a process that committed flushes
             and at every reap; 1 TB = 2^40 bytes, 1 month = 730 hours
  compute    engine time of its queries, pipe loads and DAG runs
  charged    its even share of every file it keeps alive (bytes / databases
             holding it), GB-months and price; shares add up across
             databases, so files only clones keep are split among them
  full copy  its logical bytes (a copy of all it references) over the same
             time, plus the same compute

Options:
  --by KEY        clone (default), scope or owner
  --since D       start of the period: ISO-8601 (a bare date is 00:00 UTC) or a
                  duration ago such as 30d (default: 30 days before --until)
  --until D       end of the period, exclusive (default: now)
  --format F      table (default), csv or json (same as --json)

${GLOBAL_OPTIONS_HELP}`,
  async run(args, { out }) {
    const { values, positionals } = parseCommandArgs(args, COST_OPTIONS);
    expectPositionals(positionals, []);
    const by = parseCostGrouping(values.by);
    const format = parseFormat(values.format, out.json);
    await withMayfly(values, async ({ warehouse, config }) => {
      const now = warehouse.clock.now();
      const until = values.until === undefined ? now : parsePointInTime(values.until, now, '--until');
      const since = values.since === undefined ? until - DEFAULT_PERIOD_MS : parsePointInTime(values.since, now, '--since');
      checkPeriod(since, until);
      const report = costReport(warehouse, config, { by, since, until });
      if (format === 'json') return out.printJson(report);
      if (format === 'csv') return out.stdout.write(costCsv(report));
      out.line(
        `cost of clones by ${report.by}, ${new Date(report.since).toISOString()} to ${new Date(report.until).toISOString()} ` +
          `(${report.prices.currency}: ${report.prices.storagePerTbMonth} per TB-month, ${report.prices.computePerHour} per compute hour)`,
      );
      if (report.rows.length === 0) return out.line('no clone lived in this period');
      const extra: Column[] = by === 'clone' ? [{ header: 'scope' }, { header: 'owner' }, { header: 'state' }] : [{ header: 'clones', align: 'right' }];
      const money = (header: string): Column => ({ header, align: 'right' });
      const columns: Column[] = [
        { header: by },
        ...extra,
        { header: 'GB-months', align: 'right' },
        { header: 'retained', align: 'right' },
        { header: 'charged', align: 'right' },
        { header: 'compute h', align: 'right' },
        money('storage'),
        money('compute'),
        money('total'),
        money('full copy'),
      ];
      const cells = (r: CostRow, first: string[]): string[] => [
        ...first,
        formatQuantity(r.storageTbMonths * 1024),
        formatQuantity(r.retainedTbMonths * 1024),
        formatQuantity(r.chargedTbMonths * 1024),
        formatQuantity(r.computeHours),
        formatMoney(r.storage),
        formatMoney(r.compute),
        formatMoney(r.total),
        formatMoney(r.fullCopy),
      ];
      const rows = report.rows.map((r) => cells(r, by === 'clone' ? [r.group, r.scope ?? '-', r.owner ?? '-', r.state ?? '-'] : [r.group, formatCount(r.clones)]));
      const t = report.totals;
      rows.push(cells(t, by === 'clone' ? [`total (${formatCount(t.clones)})`, '', '', ''] : ['total', formatCount(t.clones)]));
      out.line(formatTable(columns, rows));
      const ratio = report.fullCopyRatio;
      out.line(
        `\npersisted full copies would have cost ${formatMoney(t.fullCopy)} ${t.currency}` +
          (ratio === null ? '' : ` — ${ratio >= 10 ? Math.round(ratio) : ratio.toFixed(1)}× the clones' ${formatMoney(t.total)} ${t.currency}`),
      );
    });
  },
};

function parseFormat(text: string | undefined, json: boolean): CostFormat {
  if (text === undefined) return json ? 'json' : 'table';
  if (!(COST_FORMATS as readonly string[]).includes(text)) throw usageError(`unknown --format ${JSON.stringify(text)} (allowed: ${COST_FORMATS.join(', ')})`);
  if (json && text !== 'json') throw usageError(`--json conflicts with --format ${text}; give one of them`);
  return text as CostFormat;
}

/** The report as CSV: one line per group and a total line, raw numbers, times in ISO-8601. */
export function costCsv(report: CostReport): string {
  const header = [report.by, 'scope', 'owner', 'state', 'clones', 'storage_tb_months', 'retained_tb_months', 'compute_hours', 'storage', 'compute', 'total', 'full_copy', 'currency'];
  const line = (r: CostRow, group: string): string =>
    [group, r.scope ?? '', r.owner ?? '', r.state ?? '', r.clones, r.storageTbMonths, r.retainedTbMonths, r.computeHours, r.storage, r.compute, r.total, r.fullCopy, r.currency]
      .map((v) => csvField(String(v)))
      .join(',');
  return [header.join(','), ...report.rows.map((r) => line(r, r.group)), line(report.totals, 'total')].join('\n') + '\n';
}

function csvField(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Money for people: cents, or more digits for amounts under a cent so they do not read as zero. */
function formatMoney(v: number): string {
  if (v === 0) return '0.00';
  return Math.abs(v) >= 0.01 ? v.toFixed(2) : v.toPrecision(2);
}

function formatQuantity(v: number): string {
  if (v === 0) return '0';
  return Math.abs(v) >= 1 ? v.toFixed(2) : v.toPrecision(2);
}

/** The commands of this area, registered in `commands.ts`. */
export const costCommands: readonly Command[] = [reportCostCommand];
