import { GLOBAL_OPTIONS_HELP, expectPositionals, parseCommandArgs, parsePointInTime } from './args.js';
import type { Command } from './command.js';
import { databaseJson } from './database-json.js';
import { withMayfly } from './open-warehouse.js';
import { formatTime, inElapsed, plural } from './output.js';

const OPTIONS = {
  from: { type: 'string' },
  at: { type: 'string' },
  schema: { type: 'string', multiple: true },
} as const;

/** `mayfly clone create NAME --from DB`: a zero-copy clone, optionally as of a past time and of chosen schemas. */
export const cloneCreateCommand: Command = {
  words: ['clone', 'create'],
  options: OPTIONS,
  summary: 'create a zero-copy clone of a database, optionally as of a past time or of some schemas',
  help: `Usage: mayfly clone create NAME [--from DB] [--at TIME] [--schema S]…

Creates database NAME as a zero-copy clone: no table, file or row is copied;
the clone costs only what is later written into it.

Options:
  --from DB      the database to clone (default: production)
  --at TIME      clone the state of a past time within the time-travel window:
                 an ISO-8601 timestamp (2026-03-01T12:00:00Z) or a duration ago (90m, 2h, 1d)
  --schema S     clone only schema S (repeat for more)

${GLOBAL_OPTIONS_HELP}`,
  async run(args, { out }) {
    const { values, positionals } = parseCommandArgs(args, OPTIONS);
    expectPositionals(positionals, ['NAME']);
    const name = positionals[0] ?? '';
    await withMayfly(values, async ({ warehouse, config }) => {
      const from = values.from ?? config.production;
      const at = values.at === undefined ? undefined : parsePointInTime(values.at, warehouse.clock.now());
      const schemas = values.schema ?? [];
      const info = warehouse.cloneDatabase(name, from, { ...(at !== undefined ? { at } : {}), ...(schemas.length ? { schemas } : {}) });
      if (out.json) return out.printJson({ ...databaseJson(info), elapsedMs: info.elapsedMs });
      const what = schemas.length ? `schema${schemas.length > 1 ? 's' : ''} ${schemas.join(', ')} of ${from}` : from;
      const when = at !== undefined ? ` as of ${formatTime(at)}` : '';
      out.line(`created clone ${name} of ${what}${when} (${plural(info.tables, 'table')}, 0 bytes copied)${inElapsed(info.elapsedMs)}`);
    });
  },
};

/** The clone lifecycle commands, registered in `commands.ts`. */
export const cloneCommands: readonly Command[] = [cloneCreateCommand];
