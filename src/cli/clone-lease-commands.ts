import { GLOBAL_OPTIONS_HELP, expectPositionals, parseCommandArgs, parsePointInTime, usageError } from './args.js';
import { cloneRecordJson, formatWhen, lifecycleOf } from './clone-cli.js';
import type { Command } from './command.js';
import { withMayfly } from './open-warehouse.js';
import { inElapsed } from './output.js';

const EXTEND_OPTIONS = { ttl: { type: 'string' } } as const;
const PIN_OPTIONS = { until: { type: 'string' } } as const;

/** `mayfly clone extend NAME --ttl 7d`: moves the expiry, within the scope's maximum TTL. */
export const cloneExtendCommand: Command = {
  words: ['clone', 'extend'],
  options: EXTEND_OPTIONS,
  summary: 'move a clone\'s expiry further, within its scope\'s maximum TTL',
  help: `Usage: mayfly clone extend NAME --ttl DURATION

Adds DURATION (e.g. 7d) to the clone's expiry (to now, if it already passed
and reap has not removed it yet). The new expiry may be at most the scope's
maximum TTL from now (clones.scopes.<kind>.maxTtl); beyond that, pin it.

${GLOBAL_OPTIONS_HELP}`,
  async run(args, { out }) {
    const { values, positionals } = parseCommandArgs(args, EXTEND_OPTIONS);
    expectPositionals(positionals, ['NAME']);
    if (values.ttl === undefined) throw usageError('missing --ttl DURATION (e.g. --ttl 7d)');
    const ttl = values.ttl;
    await withMayfly(values, async (mayfly) => {
      const result = await (await lifecycleOf(mayfly)).extend(positionals[0] ?? '', ttl);
      if (out.json) return out.printJson({ clone: cloneRecordJson(result.record), elapsedMs: result.elapsedMs });
      out.line(`clone ${result.record.name} now expires ${formatWhen(result.record.expiresAt)}${inElapsed(result.elapsedMs)}`);
    });
  },
};

/** `mayfly clone pin NAME --until DATE`: a lease; reap leaves the clone alone until then. */
export const clonePinCommand: Command = {
  words: ['clone', 'pin'],
  options: PIN_OPTIONS,
  summary: 'lease a clone until a date: never reaped before then (retention still applies)',
  help: `Usage: mayfly clone pin NAME --until TIME

Pins a busy clone: \`mayfly reap\` does not expire it (by TTL or idleness)
before TIME, an ISO-8601 date or timestamp (2026-03-20, 2026-03-20T18:00:00Z).
The retention action still applies: a pinned clone is refreshed or destroyed
before it would hold data production has purged.

${GLOBAL_OPTIONS_HELP}`,
  async run(args, { out }) {
    const { values, positionals } = parseCommandArgs(args, PIN_OPTIONS);
    expectPositionals(positionals, ['NAME']);
    if (values.until === undefined) throw usageError('missing --until TIME (e.g. --until 2026-03-20)');
    const untilText = values.until;
    await withMayfly(values, async (mayfly) => {
      const until = parsePointInTime(untilText, mayfly.warehouse.clock.now(), '--until');
      const result = await (await lifecycleOf(mayfly)).pin(positionals[0] ?? '', until);
      if (out.json) return out.printJson({ clone: cloneRecordJson(result.record), elapsedMs: result.elapsedMs });
      out.line(`clone ${result.record.name} is pinned until ${formatWhen(result.record.pinnedUntil)}${inElapsed(result.elapsedMs)}`);
    });
  },
};

/** `mayfly clone unpin NAME`: ends the lease. */
export const cloneUnpinCommand: Command = {
  words: ['clone', 'unpin'],
  options: {},
  summary: 'end a clone\'s lease',
  help: `Usage: mayfly clone unpin NAME

Ends the clone's lease: from now on its TTL and idle limit apply again.

${GLOBAL_OPTIONS_HELP}`,
  async run(args, { out }) {
    const { values, positionals } = parseCommandArgs(args, {});
    expectPositionals(positionals, ['NAME']);
    await withMayfly(values, async (mayfly) => {
      const name = positionals[0] ?? '';
      const wasPinned = (await lifecycleOf(mayfly)).requireLive(name, 'unpin').pinnedUntil !== null;
      const result = await (await lifecycleOf(mayfly)).unpin(name);
      if (out.json) return out.printJson({ clone: cloneRecordJson(result.record), wasPinned, elapsedMs: result.elapsedMs });
      out.line(`clone ${name} ${wasPinned ? 'is no longer pinned' : 'was not pinned'}; it expires ${formatWhen(result.record.expiresAt)}${inElapsed(result.elapsedMs)}`);
    });
  },
};
