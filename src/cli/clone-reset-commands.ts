import { describeChanges } from '../clones/clone-transitions.js';
import { GLOBAL_OPTIONS_HELP, expectPositionals, parseCommandArgs } from './args.js';
import { cloneRecordJson, formatWhen, hooksJson, isoOrNull, lifecycleOf, noteHookFailures } from './clone-cli.js';
import type { Command } from './command.js';
import { withMayfly } from './open-warehouse.js';
import { formatCount, formatTable, inElapsed } from './output.js';

const REFRESH_OPTIONS = { reapply: { type: 'boolean', default: false } } as const;

/** `mayfly clone refresh NAME`: resets the clone to its source's latest state, atomically, and says what it discarded. */
export const cloneRefreshCommand: Command = {
  words: ['clone', 'refresh'],
  options: REFRESH_OPTIONS,
  summary: 'reset a clone to its source\'s latest state (atomic), reporting what it discarded',
  help: `Usage: mayfly clone refresh NAME [--reapply]

Re-points the clone at its source's latest state, in one atomic step: readers
see the old or the new state, never a mix. Its name, owner, scope, expiry,
lease, grants and settings stay; everything changed in the clone since its
clone point is discarded, and listed. A clone past its expiry starts a new TTL.

Options:
  --reapply   re-apply the deployments recorded in the clone after the reset

${GLOBAL_OPTIONS_HELP}`,
  async run(args, { out }) {
    const { values, positionals } = parseCommandArgs(args, REFRESH_OPTIONS);
    expectPositionals(positionals, ['NAME']);
    await withMayfly(values, async (mayfly) => {
      const r = await (await lifecycleOf(mayfly)).refresh(positionals[0] ?? '', { reapply: values.reapply });
      noteHookFailures(out, r.hooks);
      if (out.json) {
        return out.printJson({
          clone: cloneRecordJson(r.record),
          discarded: r.discarded && { since: { ...r.discarded.since, at: isoOrNull(r.discarded.since.at) }, objects: r.discarded.objects, rowsInserted: r.discarded.rowsInserted, rowsDeleted: r.discarded.rowsDeleted },
          reapplied: r.reapplied,
          hooks: hooksJson(r.hooks),
          elapsedMs: r.elapsedMs,
        });
      }
      out.line(`refreshed clone ${r.record.name} from ${r.record.source}${inElapsed(r.elapsedMs)}; discarded ${describeChanges(r.discarded)}`);
      if (r.discarded?.objects.length) {
        const columns = [
          { header: 'object' },
          { header: 'change' },
          { header: 'rows before', align: 'right' as const },
          { header: 'rows after', align: 'right' as const },
          { header: 'written', align: 'right' as const },
          { header: 'removed', align: 'right' as const },
        ];
        const rows = r.discarded.objects.map((o) => [
          `${o.schema}.${o.name}${o.kind === 'view' ? ' (view)' : ''}`,
          o.change,
          formatCount(o.rowsBefore),
          formatCount(o.rowsAfter),
          formatCount(o.rowsInserted),
          formatCount(o.rowsDeleted),
        ]);
        out.line(formatTable(columns, rows));
      }
      if (r.reapplied.length) out.line(`re-applied ${r.reapplied.join(', ')}`);
      out.line(`it expires ${formatWhen(r.record.expiresAt)}`);
    });
  },
};

/** `mayfly clone destroy NAME`: removes a clone and everything created in it. */
export const cloneDestroyCommand: Command = {
  words: ['clone', 'destroy'],
  options: {},
  summary: 'remove a clone and everything created in it',
  help: `Usage: mayfly clone destroy NAME

Drops the clone's database with everything created in it and records it as
destroyed (its history and cost stay). Refuses production and any database
that \`mayfly clone create\` did not make. Its files are freed by the next GC
once the time-travel window no longer needs them.

${GLOBAL_OPTIONS_HELP}`,
  async run(args, { out }) {
    const { values, positionals } = parseCommandArgs(args, {});
    expectPositionals(positionals, ['NAME']);
    await withMayfly(values, async (mayfly) => {
      const r = await (await lifecycleOf(mayfly)).destroy(positionals[0] ?? '');
      noteHookFailures(out, r.hooks);
      if (out.json) return out.printJson({ clone: cloneRecordJson(r.record), dropped: r.dropped, hooks: hooksJson(r.hooks), elapsedMs: r.elapsedMs });
      out.line(`destroyed clone ${r.record.name}${r.dropped ? '' : ' (its database was already gone)'}${inElapsed(r.elapsedMs)}`);
    });
  },
};
