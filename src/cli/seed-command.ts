import { invalid } from '../core/errors.js';
import { DEFAULT_BATCH_ROWS } from '../mock/seed-defaults.js';
import type { SeedReport } from '../mock/seed-table.js';
import { GLOBAL_OPTIONS_HELP, expectPositionals, parseCommandArgs, parsePointInTime, usageError } from './args.js';
import type { Command } from './command.js';
import { withMayfly } from './open-warehouse.js';
import { formatCount, formatTable, inElapsed, plural } from './output.js';
import { progressBar } from './progress.js';

const OPTIONS = {
  db: { type: 'string' },
  rows: { type: 'string' },
  seed: { type: 'string' },
  batch: { type: 'string' },
  'as-of': { type: 'string' },
  'null-unsupported': { type: 'boolean', default: false },
  prod: { type: 'boolean', default: false },
} as const;

/** `mayfly seed --db DB TABLE --rows N`: realistic, deterministic mock rows for an existing table. */
export const seedCommand: Command = {
  words: ['seed'],
  options: OPTIONS,
  summary: 'insert realistic mock rows into a table (names, emails, dates, amounts, keys that join)',
  help: `Usage: mayfly seed --db DB TABLE --rows N [--seed S] [--as-of DATE] [--batch N] [--null-unsupported] [--prod]

Generates N rows for the existing table TABLE (schema.table, or a table of
schema main) of database DB from its column names and types: names, emails,
countries, dates, timestamps, amounts, statuses. The table's own key counts up
after its largest value; a key such as orders.customer_id draws from the
customer_id values of the table that has it as its own key (for example
staging.customers_a), so joins find their rows. All rows commit at once: a
seed that fails or is interrupted (Ctrl-C) inserts nothing.

Options:
  --db DB               the database to seed (a clone; production needs --prod)
  --rows N              how many rows to insert
  --seed S              a whole number from 0 to 4294967295: the same seed, as-of date and
                        database state give the same rows (default: random, and reported)
  --as-of DATE          dates fall around this day: the year before it, loads in the 30 days
                        before it (default: today); an ISO-8601 date or a duration ago (7d)
  --batch N             rows per INSERT (default ${formatCount(DEFAULT_BATCH_ROWS)}); does not change the rows
  --null-unsupported    fill columns of types it cannot generate (lists, structs, …) with NULL
                        instead of refusing
  --prod                allow seeding the production database

${GLOBAL_OPTIONS_HELP}`,
  async run(args, { out }) {
    const { values, positionals } = parseCommandArgs(args, OPTIONS);
    expectPositionals(positionals, ['TABLE']);
    if (values.db === undefined) throw usageError('missing --db DB (the database to seed)');
    if (values.rows === undefined) throw usageError('missing --rows N (how many rows to insert)');
    const table = positionals[0] ?? '';
    const rows = wholeNumber(values.rows, '--rows', 'INVALID_ROWS');
    const seed = values.seed === undefined ? undefined : wholeNumber(values.seed, '--seed', 'INVALID_SEED');
    const batchRows = values.batch === undefined ? undefined : wholeNumber(values.batch, '--batch', 'INVALID_BATCH');
    const db = values.db;
    await withMayfly(values, async ({ warehouse }) => {
      const asOf = values['as-of'] === undefined ? undefined : parsePointInTime(values['as-of'], warehouse.clock.now(), '--as-of');
      const bar = progressBar(out, `seeding ${table}`);
      const cancel = new AbortController();
      const onInterrupt = (): void => cancel.abort();
      process.once('SIGINT', onInterrupt);
      // Loaded on use: faker's data adds ~0.15 s to every command's start otherwise.
      const { seedTable } = await import('../mock/seed-table.js');
      const report = await seedTable(warehouse, {
        db,
        table,
        rows,
        ...(seed !== undefined ? { seed } : {}),
        ...(asOf !== undefined ? { asOf } : {}),
        ...(batchRows !== undefined ? { batchRows } : {}),
        nullUnsupported: values['null-unsupported'],
        allowProduction: values.prod,
        onProgress: (done, total) => bar.update(done, total),
        signal: cancel.signal,
      }).finally(() => {
        bar.finish();
        process.removeListener('SIGINT', onInterrupt);
      });
      if (out.json) return out.printJson(report);
      printReport(report, (line) => out.line(line));
    });
  },
};

/** The commands of this area, registered in `commands.ts`. */
export const seedCommands: readonly Command[] = [seedCommand];

/** A whole number option (`100000`, `100_000` or `100,000`), else `code` naming the option. */
function wholeNumber(text: string, option: string, code: string): number {
  const digits = text.trim().replace(/[_,](?=\d{3})/g, '');
  if (!/^\d+$/.test(digits)) throw invalid(code, `invalid ${option} ${JSON.stringify(text)}: give a whole number, such as 1000`);
  return Number(digits);
}

function printReport(r: SeedReport, line: (text: string) => void): void {
  line(`seeded ${plural(r.rows, 'row')} into ${r.database}.${r.schema}.${r.table} (seed ${r.seed}, as of ${r.asOf})${inElapsed(r.elapsedMs)}`);
  line(
    formatTable(
      [{ header: 'column' }, { header: 'type' }, { header: 'generated as' }],
      r.columns.map((c) => [c.name, c.type, `${c.kind.replaceAll('_', ' ')}${c.source ? `: ${c.source}` : ''}`]),
    ),
  );
  line(`reproduce with: --seed ${r.seed} --as-of ${r.asOf}`);
}
