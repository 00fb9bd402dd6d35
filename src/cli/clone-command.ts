import { GLOBAL_OPTIONS_HELP, expectPositionals, parseCommandArgs, parsePointInTime } from './args.js';
import { cloneRecordJson, formatWhen, hooksJson, lifecycleOf, noteHookFailures } from './clone-cli.js';
import type { Command } from './command.js';
import { databaseJson } from './database-json.js';
import { withMayfly } from './open-warehouse.js';
import { formatTime, inElapsed, plural } from './output.js';

const OPTIONS = {
  from: { type: 'string' },
  scope: { type: 'string' },
  ttl: { type: 'string' },
  purpose: { type: 'string' },
  ticket: { type: 'string' },
  owner: { type: 'string' },
  at: { type: 'string' },
  schema: { type: 'string', multiple: true },
} as const;

/** `mayfly clone create NAME --scope squad:c --ttl 14d`: a zero-copy clone with an owner, a scope, a purpose and an expiry. */
export const cloneCreateCommand: Command = {
  words: ['clone', 'create'],
  options: OPTIONS,
  summary: 'create a timeboxed zero-copy clone for a squad, family or cross-family exercise',
  help: `Usage: mayfly clone create NAME [--from DB] [--scope KIND:ID] [--ttl DURATION] [--purpose TEXT]
                          [--ticket X] [--owner USER] [--at TIME] [--schema S]…

Creates database NAME as a zero-copy clone (no table, file or row is copied;
it costs only what is later written into it) and records its lifecycle: it is
destroyed, or refreshed, by \`mayfly reap\` when its TTL runs out.

NAME follows the naming pattern of mayfly.yaml (clones.naming, default
{scope}_{id}_{slug}: squad_c_sprint42 for scope squad:c).

Options:
  --from DB       the database to clone (default: production)
  --scope K:ID    squad:<id>, family:<id> or cross-family:<name> (default: read from NAME)
  --ttl D         how long it lives, e.g. 14d (default and maximum: the scope's policy)
  --purpose TEXT  what it is for
  --ticket X      a ticket or link
  --owner USER    who owns it (default: MAYFLY_USER, else the OS user)
  --at TIME       clone the state of a past time within the time-travel window:
                  an ISO-8601 timestamp (2026-03-01T12:00:00Z) or a duration ago (90m, 2h, 1d)
  --schema S      clone only schema S (repeat for more)

${GLOBAL_OPTIONS_HELP}`,
  async run(args, { out }) {
    const { values, positionals } = parseCommandArgs(args, OPTIONS);
    expectPositionals(positionals, ['NAME']);
    const name = positionals[0] ?? '';
    await withMayfly(values, async (mayfly) => {
      const { warehouse, config } = mayfly;
      const at = values.at === undefined ? undefined : parsePointInTime(values.at, warehouse.clock.now());
      const schemas = values.schema ?? [];
      const result = await (await lifecycleOf(mayfly)).create({
        name,
        ...(values.scope !== undefined ? { scope: values.scope } : {}),
        ...(values.from !== undefined ? { from: values.from } : {}),
        ...(values.ttl !== undefined ? { ttl: values.ttl } : {}),
        ...(values.purpose !== undefined ? { purpose: values.purpose } : {}),
        ...(values.ticket !== undefined ? { ticket: values.ticket } : {}),
        ...(values.owner !== undefined ? { owner: values.owner } : {}),
        ...(at !== undefined ? { at } : {}),
        ...(schemas.length ? { schemas } : {}),
      });
      noteHookFailures(out, result.hooks);
      if (out.json) return out.printJson({ ...databaseJson(result.database), clone: cloneRecordJson(result.record), hooks: hooksJson(result.hooks), elapsedMs: result.elapsedMs });
      const from = result.record.source ?? config.production;
      const what = schemas.length ? `schema${schemas.length > 1 ? 's' : ''} ${schemas.join(', ')} of ${from}` : from;
      const when = at !== undefined ? ` as of ${formatTime(at)}` : '';
      out.line(`created clone ${name} of ${what}${when} (${plural(result.database.tables, 'table')}, 0 bytes copied)${inElapsed(result.elapsedMs)}`);
      out.line(`scope ${result.record.scope}, owner ${result.record.owner}, expires ${formatWhen(result.record.expiresAt)}`);
    });
  },
};

