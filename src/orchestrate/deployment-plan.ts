import type { AppliedDeployment } from './deployment-log.js';
import { compareVersions, type DeploymentScript } from './deployment-scripts.js';

/** What a deployment does with a script. */
export const PLAN_ACTIONS = ['apply', 'reapply', 'up-to-date', 'checksum-mismatch'] as const;
/** One of {@link PLAN_ACTIONS}: `checksum-mismatch` is an applied versioned script whose text changed since (an error). */
export type PlanAction = (typeof PLAN_ACTIONS)[number];

/** One script's place in a plan. */
export interface PlanStep {
  readonly script: DeploymentScript;
  readonly action: PlanAction;
  /** Why, for people: `new`, `changed since 2026-03-01`, `applied 2026-03-01 by ann`, `older than applied version 3`. */
  readonly note: string;
}

/** What deploying a folder to a database would do. */
export interface DeploymentPlan {
  readonly steps: readonly PlanStep[];
  /** Steps that change the database, in the order they run. */
  readonly pending: readonly PlanStep[];
  /** Applied versioned scripts whose text changed: the deployment is refused while there are any. */
  readonly mismatches: readonly PlanStep[];
  /** Versions the log holds that no script in the folder has (informational). */
  readonly missing: readonly AppliedDeployment[];
}

/**
 * Plans a deployment against a database's log (Flyway's rules): a versioned
 * script runs once — applied with the same checksum it is up to date, with
 * another it is a mismatch; a repeatable script runs when it never ran or its
 * checksum differs from its latest run. Versioned scripts come first, by version.
 */
export function planDeployment(scripts: readonly DeploymentScript[], log: readonly AppliedDeployment[]): DeploymentPlan {
  const versioned = log.filter((e) => e.kind === 'versioned' && e.version !== null);
  const highest = versioned.reduce<string | undefined>((max, e) => (max === undefined || compareVersions(e.version ?? '', max) > 0 ? (e.version ?? undefined) : max), undefined);
  const steps = scripts.map((script): PlanStep => {
    if (script.version !== null) {
      const applied = versioned.find((e) => compareVersions(e.version ?? '', script.version ?? '') === 0);
      if (!applied) {
        const late = highest !== undefined && compareVersions(script.version, highest) < 0;
        return { script, action: 'apply', note: late ? `new, older than applied version ${highest}` : 'new' };
      }
      if (applied.checksum === script.checksum) return { script, action: 'up-to-date', note: `applied ${when(applied)}` };
      const as = applied.script === script.name ? '' : ` as ${applied.script}`;
      return { script, action: 'checksum-mismatch', note: `changed since it was applied ${when(applied)}${as}` };
    }
    const last = [...log].reverse().find((e) => e.kind === 'repeatable' && e.script === script.name);
    if (!last) return { script, action: 'apply', note: 'new' };
    if (last.checksum === script.checksum) return { script, action: 'up-to-date', note: `applied ${when(last)}` };
    return { script, action: 'reapply', note: `changed since ${when(last)}` };
  });
  const present = scripts.filter((s) => s.version !== null);
  return {
    steps,
    pending: steps.filter((s) => s.action === 'apply' || s.action === 'reapply'),
    mismatches: steps.filter((s) => s.action === 'checksum-mismatch'),
    missing: versioned.filter((e) => !present.some((s) => compareVersions(s.version ?? '', e.version ?? '') === 0)),
  };
}

function when(e: AppliedDeployment): string {
  return `${new Date(e.appliedAt).toISOString().slice(0, 19).replace('T', ' ')} by ${e.appliedBy} to ${e.appliedTo}`;
}
