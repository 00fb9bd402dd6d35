import { reap, type ReapStep } from '../clones/clone-reaper.js';
import { GLOBAL_OPTIONS_HELP, expectPositionals, parseCommandArgs } from './args.js';
import type { Command } from './command.js';
import { withMayfly } from './open-warehouse.js';
import { formatBytes, formatTable, inElapsed, plural } from './output.js';
import { progressBar } from './progress.js';

const OPTIONS = { 'dry-run': { type: 'boolean', default: false } } as const;

function stepRows(steps: readonly ReapStep[]): string[][] {
  return steps.map((s) => [s.action, s.clone, s.message]);
}

/** `mayfly reap [--dry-run]`: one pass of the clone lifecycle, for cron or any scheduler. */
export const reapCommand: Command = {
  words: ['reap'],
  options: OPTIONS,
  summary: 'expire, refresh and warn clones by policy, deliver hooks, collect garbage',
  help: `Usage: mayfly reap [--dry-run]

One pass of the clone lifecycle:
  - destroys (or, with atExpiry: refresh, refreshes) clones past their TTL,
    and destroys clones idle past their scope's limit, unless pinned;
  - takes the scope's retention action (refresh, destroy or warn) before a
    clone's retention deadline, pinned or not;
  - warns once (hooks) before either happens;
  - samples every clone's storage for cost reports, retries failed hooks,
    and collects garbage.
Idempotent and safe to kill and run again: each clone's change is one
transaction, and hooks not yet delivered are sent by the next run.

Options:
  --dry-run   print the plan; change nothing, run no hook

${GLOBAL_OPTIONS_HELP}`,
  async run(args, { out }) {
    const { values, positionals } = parseCommandArgs(args, OPTIONS);
    expectPositionals(positionals, []);
    await withMayfly(values, async ({ warehouse, config, meter, replayer }) => {
      const bar = progressBar(out, 'reaping');
      const report = await reap(warehouse, config, {
        dryRun: values['dry-run'],
        ...(values['dry-run'] ? {} : { sampler: meter }),
        replayer,
        onProgress: (done, total, clone) => bar.update(done, total, clone),
      }).finally(() => bar.finish());
      for (const e of report.errors) out.note(`error [${e.code}] ${e.clone} (${e.action}): ${e.message}`);
      for (const f of report.hooks.failed) out.note(`warning: the ${f.event} hook for ${f.clone} failed (attempt ${f.attempts}): ${f.error}`);
      if (out.json) return out.printJson(report);
      if (report.dryRun) {
        out.line(report.plan.length ? formatTable([{ header: 'would' }, { header: 'clone' }, { header: 'why' }], stepRows(report.plan)) : 'nothing to do');
        out.line(`reap (dry run): ${plural(report.clones, 'clone')} examined, ${plural(report.plan.length, 'step')} planned; gc would remove ${plural(report.gc.filesDeleted, 'file')} (${formatBytes(report.gc.bytesReclaimed)})`);
        return;
      }
      if (report.applied.length) out.line(formatTable([{ header: 'did' }, { header: 'clone' }, { header: 'why' }], stepRows(report.applied)));
      const skipped = report.skipped.length ? `, ${report.skipped.length} skipped (changed meanwhile)` : '';
      const errors = report.errors.length ? `, ${plural(report.errors.length, 'error')}` : '';
      out.line(`reap: ${plural(report.clones, 'clone')} examined, ${plural(report.applied.length, 'step')} applied${skipped}${errors}${inElapsed(report.elapsedMs)}`);
      out.line(`hooks: ${report.hooks.sent} sent, ${report.hooks.failed.length} failed${report.abandonedHooks.length ? `, ${report.abandonedHooks.length} given up` : ''}; gc removed ${plural(report.gc.filesDeleted, 'file')} (${formatBytes(report.gc.bytesReclaimed)})`);
    });
  },
};
