import { currentUser } from '../core/current-user.js';
import { forbidden, invalid, isMayflyError, MayflyError } from '../core/errors.js';
import { quoteIdent } from '../core/names.js';
import { retryOnConflict } from '../warehouse/conflict-retry.js';
import type { Session } from '../warehouse/session.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { ensureLogSql, queryDeploymentLog, readDeploymentLog, recordSql, type AppliedDeployment } from './deployment-log.js';
import { planDeployment, type PlanStep } from './deployment-plan.js';
import { checkDeploymentScript, isEmptyScript, type DeploymentScript } from './deployment-scripts.js';

/** How often a script is tried when a concurrent commit wins (WRITE_CONFLICT: nothing of it was applied). */
const ATTEMPTS = 3;

/** A deployment of scripts to one database. */
export interface DeployOptions {
  readonly target: string;
  readonly scripts: readonly DeploymentScript[];
  /** Plan only: nothing is applied. */
  readonly dryRun?: boolean;
  /** Production is deployed to only when this is set (`--prod`). */
  readonly allowProduction?: boolean;
  /** Recorded as `applied_by` (default: `MAYFLY_USER`, else the OS user). */
  readonly appliedBy?: string;
  /** Called before each pending script runs (progress). */
  readonly onScript?: (step: PlanStep, index: number, total: number) => void;
}

/** What a deployment did (or, dry, would do). */
export interface DeployReport {
  readonly target: string;
  readonly dryRun: boolean;
  readonly steps: readonly PlanStep[];
  /** Scripts applied, in order, with their time. */
  readonly applied: readonly { readonly script: string; readonly action: 'apply' | 'reapply'; readonly elapsedMs: number }[];
  /** Applied versioned scripts whose text changed (a real deployment refuses them). */
  readonly mismatches: readonly PlanStep[];
  /** Versions in the database's log without a script in the folder. */
  readonly missing: readonly AppliedDeployment[];
  readonly elapsedMs: number;
}

/**
 * Applies pending scripts to exactly `target`, each as one transaction
 * together with its entry in the target's deployment log (`mayfly.deployments`),
 * so a script is applied and recorded, or neither. Everything is checked first:
 * production needs `allowProduction` (DEPLOY_PROD_REQUIRES_FLAG), an applied
 * versioned script whose text changed is DEPLOY_CHECKSUM_MISMATCH, and scripts
 * that manage transactions, name the system schema or read files are refused.
 * The session redirects production's name to the target, so a script naming
 * production explicitly changes the target. A failing script stops the
 * deployment: scripts before it stay applied, nothing of it is.
 */
export async function deploy(warehouse: Warehouse, options: DeployOptions): Promise<DeployReport> {
  const started = performance.now();
  const { target } = options;
  const production = warehouse.settings.production;
  warehouse.requireRef(target);
  const dryRun = options.dryRun ?? false;
  if (target === production && !options.allowProduction && !dryRun) {
    throw forbidden('DEPLOY_PROD_REQUIRES_FLAG', `${target} is the production database; add --prod to deploy to it (or deploy to a clone first)`);
  }
  const plan = planDeployment(options.scripts, await readDeploymentLog(warehouse, target));
  const report = (applied: DeployReport['applied']): DeployReport => ({
    target,
    dryRun,
    steps: plan.steps,
    applied,
    mismatches: plan.mismatches,
    missing: plan.missing,
    elapsedMs: performance.now() - started,
  });
  if (dryRun) return report([]);
  if (plan.mismatches.length > 0) throw mismatchError(plan.mismatches, target);
  for (const step of plan.pending) checkDeploymentScript(step.script, { target, production });
  const applied: { script: string; action: 'apply' | 'reapply'; elapsedMs: number }[] = [];
  if (plan.pending.length === 0) return report(applied);
  const redirect = target !== production ? { redirect: { [production]: target } } : {};
  const session = await warehouse.session(target, { trusted: true, purpose: 'deploy', writeOnly: target, ...redirect });
  try {
    for (const [i, step] of plan.pending.entries()) {
      options.onScript?.(step, i, plan.pending.length);
      // Nothing of a script that lost a race was applied: it runs again against the winner's state (its log says whether it still must).
      const done = await retryOnConflict(() => applyScript(session, target, step.script, options.appliedBy ?? currentUser(), warehouse.clock.now()), ATTEMPTS).catch((e: unknown) => {
        throw scriptError(e, step.script, applied.map((a) => a.script));
      });
      if (done) applied.push({ script: step.script.name, action: done.action, elapsedMs: done.elapsedMs });
    }
  } finally {
    session.close();
  }
  return report(applied);
}

/**
 * Runs one script and records it, in one transaction. The log is read inside
 * that transaction, so a concurrent deployment that applied the script first is
 * seen (the script is skipped: undefined) or makes this commit a WRITE_CONFLICT.
 */
async function applyScript(session: Session, target: string, script: DeploymentScript, appliedBy: string, at: number): Promise<{ action: 'apply' | 'reapply'; elapsedMs: number } | undefined> {
  const started = performance.now();
  // A script's USE must not leak into the next one.
  await session.run(`USE ${quoteIdent(target)}.main`);
  await session.run('BEGIN');
  try {
    await session.run(ensureLogSql(target));
    const log = await queryDeploymentLog(session, target);
    const step = planDeployment([script], log).steps[0];
    if (!step || step.action === 'up-to-date') return undefined;
    if (step.action === 'checksum-mismatch') throw mismatchError([step], target);
    // The session is trusted for the log entry; the script itself is checked as user SQL.
    if (!isEmptyScript(script.text)) await session.run(script.text, undefined, { asUser: true });
    const elapsedMs = performance.now() - started;
    const rank = Math.max(0, ...log.map((e) => e.rank)) + 1;
    const entry: AppliedDeployment = { rank, script: script.name, kind: script.kind, version: script.version, description: script.description, checksum: script.checksum, text: script.text, appliedAt: at, appliedBy, appliedTo: target, elapsedMs };
    await session.run(`${recordSql(target, entry)};\nCOMMIT`);
    return { action: step.action, elapsedMs };
  } finally {
    if (session.inTransaction) await session.run('ROLLBACK');
  }
}

/** A script's failure, naming the script and what was applied before it. */
function scriptError(e: unknown, script: DeploymentScript, applied: readonly string[]): MayflyError {
  const before = applied.length > 0 ? `; applied before it: ${applied.join(', ')}` : '';
  if (isMayflyError(e) && ['TXN_UNSUPPORTED', 'TXN_CROSS_DATABASE', 'TXN_ALREADY_OPEN'].includes(e.code)) {
    const err = invalid('DEPLOY_NOT_TRANSACTIONAL', `${script.name}: ${e.message}. A deployment script changes only its target database, in one transaction (no CREATE/DROP DATABASE, SWAP or writes to other databases); nothing of it was applied${before}`);
    Object.assign(err.details, { script: script.name, applied });
    return err;
  }
  if (!isMayflyError(e)) return new MayflyError('DEPLOY_FAILED', 'internal', `${script.name}: ${e instanceof Error ? e.message : String(e)}`, false, { cause: e });
  const err = new MayflyError(e.code, e.kind, `${script.name} failed: ${e.message}; nothing of it was applied${before}`, e.safe, { cause: e });
  Object.assign(err.details, e.details, { script: script.name, applied });
  return err;
}

function mismatchError(steps: readonly PlanStep[], target: string): MayflyError {
  const list = steps.map((s) => `${s.script.name} (${s.note})`).join('; ');
  return invalid('DEPLOY_CHECKSUM_MISMATCH', `applied script(s) changed since they were deployed to ${target}: ${list}. Versioned scripts must not change once applied: restore the file and add a new V<n>__ script`);
}
