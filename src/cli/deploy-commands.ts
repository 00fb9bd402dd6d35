import { resolve } from 'node:path';
import { orchestrateProject } from '../orchestrate/dag-definition.js';
import { deploy, type DeployReport } from '../orchestrate/deployer.js';
import { readDeploymentLog } from '../orchestrate/deployment-log.js';
import type { PlanStep } from '../orchestrate/deployment-plan.js';
import { readDeploymentScripts } from '../orchestrate/deployment-scripts.js';
import { invalid } from '../core/errors.js';
import { GLOBAL_OPTIONS_HELP, expectPositionals, parseCommandArgs, usageError } from './args.js';
import type { Command } from './command.js';
import { withMayfly } from './open-warehouse.js';
import { formatDuration, formatTable, formatTime, inElapsed, plural, type Column } from './output.js';
import { progressBar } from './progress.js';

const DEPLOY_OPTIONS = {
  db: { type: 'string' },
  'dry-run': { type: 'boolean', default: false },
  prod: { type: 'boolean', default: false },
} as const;

/** `mayfly deploy --db TARGET [DIR]`: applies pending migration scripts to exactly one database, recorded in its log. */
export const deployCommand: Command = {
  words: ['deploy'],
  options: DEPLOY_OPTIONS,
  summary: 'apply pending migration scripts (V<n>__x.sql, R__x.sql) to one database',
  help: `Usage: mayfly deploy --db TARGET [DIR] [--dry-run] [--prod]

Applies the scripts of DIR (default: deployments: in mayfly.yaml, else
./migrations) to TARGET, Flyway-style: V<version>__<description>.sql once each,
in version order; R__<description>.sql again whenever its text changes. Each
script runs as one transaction together with its entry in TARGET's deployment
log (table mayfly.deployments), so a clone inherits its source's log. An
applied versioned script whose text changed stops the deployment before
anything is applied.

Options:
  --db TARGET   the database to deploy to
  --dry-run     show the plan; apply nothing
  --prod        required to deploy to the production database

${GLOBAL_OPTIONS_HELP}`,
  async run(args, { out }) {
    const { values, positionals } = parseCommandArgs(args, DEPLOY_OPTIONS);
    expectPositionals(positionals, ['[DIR]']);
    if (values.db === undefined) throw usageError('missing --db TARGET: the database to deploy to');
    const target = values.db;
    await withMayfly(values, async ({ warehouse, config }) => {
      const dir = positionals[0] !== undefined ? resolve(positionals[0]) : orchestrateProject(config).deploymentsDir;
      const scripts = readDeploymentScripts(dir);
      const bar = progressBar(out, 'deploying');
      const result = await deploy(warehouse, {
        target,
        scripts,
        dryRun: values['dry-run'],
        allowProduction: values.prod,
        onScript: (step, i, total) => bar.update(i, total, step.script.name),
      }).finally(() => bar.finish());
      if (values['dry-run'] && result.mismatches.length > 0) {
        if (!out.json) printPlan(out.line.bind(out), result);
        const err = invalid('DEPLOY_CHECKSUM_MISMATCH', `${plural(result.mismatches.length, 'applied script')} changed since deployed to ${target}: ${result.mismatches.map((m) => m.script.name).join(', ')}; restore them and add a new V<n>__ script`);
        Object.assign(err.details, { plan: reportJson(result) });
        throw err;
      }
      if (out.json) return out.printJson(reportJson(result));
      printPlan(out.line.bind(out), result);
      if (result.dryRun) {
        const n = result.steps.filter((s) => s.action === 'apply' || s.action === 'reapply').length;
        out.line(`dry run: ${plural(n, 'script')} would be applied to ${target}; nothing was changed`);
      } else out.line(`applied ${plural(result.applied.length, 'script')} to ${target}${inElapsed(result.elapsedMs)}`);
    });
  },
};

const LOG_OPTIONS = { db: { type: 'string' } } as const;

/** `mayfly deployments --db DB`: a database's deployment log, including what it inherited from its source. */
export const deploymentsCommand: Command = {
  words: ['deployments'],
  options: LOG_OPTIONS,
  summary: "show a database's deployment log (what was applied, when, by whom, to which database)",
  help: `Usage: mayfly deployments --db DB

Shows the deployment log of DB (its table mayfly.deployments): each script
applied, its version, checksum, when, by whom and to which database — a clone
lists the entries it inherited from its source with the source's name.

${GLOBAL_OPTIONS_HELP}`,
  async run(args, { out }) {
    const { values, positionals } = parseCommandArgs(args, LOG_OPTIONS);
    expectPositionals(positionals, []);
    if (values.db === undefined) throw usageError('missing --db DB');
    const db = values.db;
    await withMayfly(values, async ({ warehouse }) => {
      const log = await readDeploymentLog(warehouse, db);
      if (out.json) return out.printJson(log.map(({ text: _text, ...e }) => e));
      if (log.length === 0) return out.line(`nothing was deployed to ${db} (or to the database it was cloned from)`);
      const columns: Column[] = [
        { header: '#', align: 'right' },
        { header: 'script' },
        { header: 'version' },
        { header: 'checksum' },
        { header: 'applied' },
        { header: 'by' },
        { header: 'to' },
        { header: 'took', align: 'right' },
      ];
      out.line(formatTable(columns, log.map((e) => [String(e.rank), e.script, e.version ?? 'R', e.checksum.slice(0, 10), formatTime(e.appliedAt), e.appliedBy, e.appliedTo, formatDuration(e.elapsedMs)])));
    });
  },
};

function printPlan(line: (text: string) => void, r: DeployReport): void {
  if (r.steps.length === 0) return line('no scripts in the folder');
  const columns: Column[] = [{ header: 'script' }, { header: 'kind' }, { header: 'action' }, { header: 'note' }];
  const applied = new Set(r.applied.map((a) => a.script));
  line(formatTable(columns, r.steps.map((s) => [s.script.name, s.script.kind, actionText(s, r.dryRun, applied), s.note])));
  for (const m of r.missing) line(`note: version ${m.version} (${m.script}) is in the log but not in the folder`);
}

function actionText(s: PlanStep, dryRun: boolean, applied: ReadonlySet<string>): string {
  if (s.action === 'checksum-mismatch') return 'ERROR: changed';
  if (s.action === 'up-to-date') return 'up to date';
  if (dryRun) return s.action === 'reapply' ? 'would re-apply' : 'would apply';
  // A concurrent deployment may have applied it between the plan and its turn.
  if (!applied.has(s.script.name)) return 'up to date';
  return s.action === 'reapply' ? 're-applied' : 'applied';
}

function reportJson(r: DeployReport): Record<string, unknown> {
  return {
    target: r.target,
    dryRun: r.dryRun,
    steps: r.steps.map((s) => ({ script: s.script.name, kind: s.script.kind, version: s.script.version, checksum: s.script.checksum, action: s.action, note: s.note })),
    applied: r.applied,
    missing: r.missing.map(({ text: _text, ...e }) => e),
    elapsedMs: r.elapsedMs,
  };
}

/** The deployment commands, registered through the DAG commands' list. */
export const deployCommands: readonly Command[] = [deployCommand, deploymentsCommand];
