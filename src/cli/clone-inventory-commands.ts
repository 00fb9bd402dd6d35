import { CLONE_SORTS, describeClone, listClones, type CloneSort } from '../clones/clone-inventory.js';
import { CLONE_STATES } from '../clones/clone-record.js';
import type { CloneStatus } from '../clones/clone-status.js';
import { invalid } from '../core/errors.js';
import { GLOBAL_OPTIONS_HELP, expectPositionals, parseCommandArgs } from './args.js';
import { cloneViewJson, formatCost, formatLeft, formatWhen, isoOrNull, lifecycleOf } from './clone-cli.js';
import type { Command } from './command.js';
import { databaseJson } from './database-json.js';
import { withMayfly } from './open-warehouse.js';
import { formatBytes, formatDuration, formatFields, formatTable, plural, type Column } from './output.js';

/** What makes a clone due: its TTL, its idle limit, or the end of a lease that outlasts both. */
function dueLabel(status: CloneStatus, pinnedUntil: number | null): string {
  if (status.dueAt !== null && status.dueAt === pinnedUntil) return 'end of lease';
  return status.dueReason === 'idle' ? 'idle limit' : 'TTL';
}

const LIST_OPTIONS = {
  scope: { type: 'string' },
  owner: { type: 'string' },
  state: { type: 'string' },
  sort: { type: 'string', default: 'expiry' },
} as const;

/** `mayfly clone list`: the clone inventory with days left, retention deadline, size and cost. */
export const cloneListCommand: Command = {
  words: ['clone', 'list'],
  options: LIST_OPTIONS,
  summary: 'list clones: scope, owner, state, days left, retention deadline, size, cost',
  help: `Usage: mayfly clone list [--scope S] [--owner USER] [--state STATE] [--sort ORDER]

Lists the clones Mayfly manages with their state now (active, expiring within
the warning lead, expired and waiting for \`mayfly reap\`), when they are due
(TTL, idle limit or end of lease, whichever applies) and the time left, last
activity, retention deadline, exclusive bytes (what only it keeps alive),
charged bytes (its even share of every file it holds) and cost so far. Destroyed
clones are listed only with --state destroyed.

Options:
  --scope S      a scope (squad:c) or a scope kind (squad)
  --owner USER   one owner's clones
  --state STATE  ${CLONE_STATES.join(', ')}
  --sort ORDER   expiry (soonest first, default), activity (least recent first),
                 size or cost (largest first), name

${GLOBAL_OPTIONS_HELP}`,
  async run(args, { out }) {
    const { values, positionals } = parseCommandArgs(args, LIST_OPTIONS);
    expectPositionals(positionals, []);
    const sort = values.sort;
    if (!(CLONE_SORTS as readonly string[]).includes(sort)) throw invalid('INVALID_SORT', `unknown sort ${JSON.stringify(sort)}: use one of ${CLONE_SORTS.join(', ')}`);
    await withMayfly(values, async ({ warehouse, config }) => {
      const filter = {
        ...(values.scope !== undefined ? { scope: values.scope } : {}),
        ...(values.owner !== undefined ? { owner: values.owner } : {}),
        ...(values.state !== undefined ? { state: values.state } : {}),
      };
      const views = await listClones(warehouse, config, filter, sort as CloneSort);
      if (out.json) return out.printJson(views.map(cloneViewJson));
      const columns: Column[] = [
        { header: 'name' },
        { header: 'scope' },
        { header: 'owner' },
        { header: 'state' },
        { header: 'due' },
        { header: 'left', align: 'right' },
        { header: 'last activity' },
        { header: 'retention deadline' },
        { header: 'exclusive', align: 'right' },
        { header: 'cost', align: 'right' },
        { header: 'charged', align: 'right' },
      ];
      const rows = views.map((v) => [
        v.record.name,
        v.record.scope,
        v.record.owner,
        v.status.pinned ? `${v.status.state} (pinned)` : v.status.state,
        v.status.dueAt === null ? '-' : `${formatWhen(v.status.dueAt)} (${dueLabel(v.status, v.record.pinnedUntil)})`,
        formatLeft(v.status),
        formatWhen(v.record.lastActivityAt),
        formatWhen(v.retentionDeadline),
        v.storage ? formatBytes(v.storage.exclusiveBytes) : '-',
        formatCost(v.cost),
        v.storage ? formatBytes(v.storage.chargedBytes) : '-',
      ]);
      out.line(formatTable(columns, rows));
      out.line(`(${plural(views.length, 'clone')})`);
    });
  },
};

/** `mayfly clone show NAME`: one clone in full, with its storage split, cost so far and history. */
export const cloneShowCommand: Command = {
  words: ['clone', 'show'],
  options: {},
  summary: 'show a clone: lifecycle, policy, retention deadline, storage split, cost so far, history',
  help: `Usage: mayfly clone show NAME

Shows everything Mayfly records about a clone (scope, owner, purpose, ticket,
source and clone point, created, expires, lease, last activity, refreshes,
state), its retention deadline per table, its storage split (shared,
exclusive, retained for the clone), what it has cost so far, and its history.

${GLOBAL_OPTIONS_HELP}`,
  async run(args, { out }) {
    const { values, positionals } = parseCommandArgs(args, {});
    expectPositionals(positionals, ['NAME']);
    const name = positionals[0] ?? '';
    await withMayfly(values, async (mayfly) => {
      const lifecycle = await lifecycleOf(mayfly);
      const record = lifecycle.requireRecord(name);
      const d = await describeClone(mayfly.warehouse, mayfly.config, record);
      if (out.json) {
        return out.printJson({
          ...cloneViewJson(d),
          policy: d.policy,
          database: d.database && databaseJson(d.database),
          retention: d.retention && { deadline: isoOrNull(d.retention.deadline), tables: d.retention.tables.map((t) => ({ ...t, oldest: isoOrNull(t.oldest), deadline: isoOrNull(t.deadline) })) },
          history: d.history.map((h) => ({ at: isoOrNull(h.at), ...h.entry })),
          pendingHooks: d.pendingHooks.map((h) => ({ key: h.key, event: h.event, status: h.status, attempts: h.attempts, lastError: h.lastError })),
        });
      }
      const r = d.record;
      const s = d.status;
      const pin = r.pinnedUntil === null ? '-' : `${formatWhen(r.pinnedUntil)}${s.pinned ? '' : ' (ended)'}`;
      out.line(
        formatFields([
          ['clone', r.name],
          ['state', `${s.state}${s.pinned ? ' (pinned)' : ''}${r.destroyReason ? ` (${r.destroyReason})` : ''}`],
          ['scope', r.scope],
          ['owner', r.owner],
          ['purpose', r.purpose || '-'],
          ['ticket', r.ticket ?? '-'],
          ['source', `${r.source}${r.schemas ? ` (schemas ${r.schemas.join(', ')})` : ''} as of ${formatWhen(r.takenAt)}`],
          ['created', formatWhen(r.createdAt)],
          ['expires', `${formatWhen(r.expiresAt)} (TTL ${formatDuration(r.ttlMs)})`],
          ['due', s.dueAt === null ? '-' : `${formatWhen(s.dueAt)} (${dueLabel(s, r.pinnedUntil)}; ${formatLeft(s)} left)`],
          ['pinned until', pin],
          ['last activity', formatWhen(r.lastActivityAt)],
          ['refreshed', r.refreshedAt === null ? 'never' : `${formatWhen(r.refreshedAt)} (${plural(r.refreshes, 'refresh', 'refreshes')})`],
          ['destroyed', formatWhen(r.destroyedAt)],
          ['retention deadline', formatWhen(d.retentionDeadline)],
          [
            'policy',
            `${d.policy.kind}: max TTL ${formatDuration(d.policy.maxTtlMs)}, idle ${d.policy.idleExpiryMs === null ? 'never' : formatDuration(d.policy.idleExpiryMs)}, at expiry ${d.policy.atExpiry}, before retention ${d.policy.beforeRetentionDeadline}`,
          ],
          [
            'storage',
            d.storage
              ? `${formatBytes(d.storage.logicalBytes)} logical: ${formatBytes(d.storage.sharedBytes)} shared, ${formatBytes(d.storage.exclusiveBytes)} exclusive (${formatBytes(d.storage.retainedForCloneBytes)} retained for it), ${formatBytes(d.storage.chargedBytes)} charged`
              : '-',
          ],
          ['cost so far', `${formatCost(d.cost)} (storage ${d.cost.storage.toFixed(2)}, compute ${d.cost.compute.toFixed(2)})`],
        ]),
      );
      const tables = d.retention?.tables.filter((t) => t.deadline !== null) ?? [];
      if (tables.length) {
        out.line('\nretention');
        out.line(formatTable([{ header: 'table' }, { header: 'oldest' }, { header: 'days', align: 'right' }, { header: 'deadline' }], tables.map((t) => [t.table, formatWhen(t.oldest), String(t.retentionDays), formatWhen(t.deadline)])));
      }
      if (d.history.length) {
        out.line('\nhistory');
        for (const h of d.history) out.line(`  ${formatWhen(h.at)}  ${h.entry.event.padEnd(14)} ${h.entry.message}`);
      }
      if (d.pendingHooks.length) out.line(`\n${plural(d.pendingHooks.length, 'hook delivery', 'hook deliveries')} pending (retried by \`mayfly reap\`)`);
    });
  },
};
