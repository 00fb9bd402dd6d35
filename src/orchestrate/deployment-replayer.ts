import { invalid } from '../core/errors.js';
import type { DeploymentReplayer } from '../clones/deployment-replayer.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { deploy } from './deployer.js';
import { readDeploymentLog, type AppliedDeployment } from './deployment-log.js';
import { scriptFromText, sortScripts } from './deployment-scripts.js';

/** What {@link WarehouseDeploymentReplayer.capture} returns: JSON, so a refresh may keep it in a record. */
export interface CapturedDeployments {
  readonly clone: string;
  readonly scripts: readonly { readonly name: string; readonly text: string }[];
}

/**
 * Re-applies a clone's own deployments after a refresh: `capture` reads the
 * entries of the clone's deployment log that its source's log does not hold
 * (with their script text); `replay` applies them to the refreshed clone with
 * the usual rules — a versioned script the refreshed clone already has with
 * the same text is skipped (its source deployed it meanwhile), with other text
 * the replay is refused before anything is applied.
 */
export class WarehouseDeploymentReplayer implements DeploymentReplayer {
  constructor(private readonly warehouse: Warehouse) {}

  /** The clone's own deployments (in its log, not in its source's). */
  async capture(clone: string, source: string): Promise<CapturedDeployments> {
    const [mine, theirs] = await Promise.all([readDeploymentLog(this.warehouse, clone), readDeploymentLog(this.warehouse, source)]);
    const inherited = new Set(theirs.map(identity));
    const own = mine.filter((e) => !inherited.has(identity(e)));
    // A repeatable script applied several times in the clone is replayed once, as last applied.
    const latest = new Map<string, AppliedDeployment>();
    for (const e of own) latest.set(e.kind === 'repeatable' ? e.script : `${e.script}\0${e.rank}`, e);
    return { clone, scripts: [...latest.values()].map((e) => ({ name: e.script, text: e.text })) };
  }

  /** Applies the captured scripts to the refreshed clone; returns the names applied, in order. */
  async replay(clone: string, captured: unknown): Promise<readonly string[]> {
    const scripts = sortScripts(parseCaptured(captured).scripts.map((s) => scriptFromText(s.name, s.text)));
    if (scripts.length === 0) return [];
    const dry = await deploy(this.warehouse, { target: clone, scripts, dryRun: true });
    if (dry.mismatches.length > 0) {
      const list = dry.mismatches.map((m) => `${m.script.name} (${m.note})`).join('; ');
      throw invalid('DEPLOY_REPLAY_CONFLICT', `cannot re-apply ${clone}'s deployments after the refresh: ${list}; the source deployed the same version with other text. Deploy a new version to the clone instead`);
    }
    const report = await deploy(this.warehouse, { target: clone, scripts });
    return report.applied.map((a) => a.script);
  }
}

/** An entry's identity across logs: a clone inherits its source's entries unchanged. */
function identity(e: AppliedDeployment): string {
  return [e.script, e.checksum, e.appliedAt, e.appliedTo].join('\0');
}

function parseCaptured(value: unknown): CapturedDeployments {
  const ok =
    typeof value === 'object' &&
    value !== null &&
    'scripts' in value &&
    Array.isArray(value.scripts) &&
    value.scripts.every((s: unknown) => typeof s === 'object' && s !== null && 'name' in s && typeof s.name === 'string' && 'text' in s && typeof s.text === 'string');
  if (!ok) throw invalid('DEPLOY_REPLAY_INVALID', 'the captured deployments are not in the form capture() returns');
  return value as CapturedDeployments;
}
