import { randomBytes } from 'node:crypto';
import { notFound, invalid } from '../core/errors.js';
import type { ControlStore } from '../warehouse/control-store.js';
import type { Materialization } from './model-config.js';

/** The control-store record kind of DAG runs (key: the run id, which sorts by start time). */
export const DAG_RUN_KIND = 'dag-run';

/** The states of a run. */
export const RUN_STATES = ['running', 'succeeded', 'failed', 'cancelled', 'interrupted'] as const;
/** One of {@link RUN_STATES}; `interrupted`: its process died and a later run took its target over. */
export type RunState = (typeof RUN_STATES)[number];

/** The states of a model within a run. */
export const MODEL_STATES = ['pending', 'running', 'succeeded', 'failed', 'skipped'] as const;
/** One of {@link MODEL_STATES}. */
export type ModelState = (typeof MODEL_STATES)[number];

/** One model's part of a run. */
export interface ModelRun {
  readonly id: string;
  readonly materialized: Materialization;
  readonly status: ModelState;
  readonly action?: string;
  /** Rows in the table after a full build, rows inserted by an incremental one; null for views. */
  readonly rows?: number | null;
  readonly rowsReplaced?: number;
  readonly startedAt?: number;
  readonly finishedAt?: number;
  readonly elapsedMs?: number;
  /** Error code and message of a failed model, or why it was skipped. */
  readonly error?: { readonly code: string; readonly message: string };
  readonly log?: readonly string[];
  /** The SQL it compiled to. */
  readonly sql?: string;
  readonly attempts?: number;
}

/** A DAG run as recorded in the control store (not versioned: it survives clones, swaps and drops). */
export interface DagRunRecord {
  readonly id: string;
  /** The named DAG, or `*` for every model. */
  readonly dag: string;
  readonly version: string | null;
  readonly target: string;
  readonly select: readonly string[];
  readonly threads: number;
  readonly fullRefresh: boolean;
  readonly status: RunState;
  readonly startedAt: number;
  readonly finishedAt?: number;
  readonly elapsedMs?: number;
  readonly pid: number;
  readonly host: string;
  readonly user: string;
  /** The models, in the order they may run. */
  readonly models: readonly ModelRun[];
}

/** A new run id: the start time to the millisecond (UTC) and a random suffix, so ids sort by start. */
export function newRunId(at: number): string {
  const iso = new Date(at).toISOString().replace(/[-:]/g, '').replace('T', '-').replace('Z', '');
  return `${iso.replace('.', '-')}-${randomBytes(2).toString('hex')}`;
}

/** Runs, newest first, of one target or all. */
export function listDagRuns(control: ControlStore, options: { target?: string; limit?: number } = {}): DagRunRecord[] {
  const all = control.listRecords<DagRunRecord>(DAG_RUN_KIND).map((r) => r.value);
  const runs = all.filter((r) => options.target === undefined || r.target === options.target).reverse();
  return options.limit === undefined ? runs : runs.slice(0, options.limit);
}

/**
 * A run by id, by a unique prefix of its id, or `last` (the newest, of `target`
 * when given); DAG_RUN_NOT_FOUND or DAG_RUN_AMBIGUOUS otherwise.
 */
export function findDagRun(control: ControlStore, idOrPrefix: string, target?: string): DagRunRecord {
  if (idOrPrefix === 'last' || idOrPrefix === 'latest') {
    const [newest] = listDagRuns(control, { ...(target !== undefined ? { target } : {}), limit: 1 });
    if (!newest) throw notFound('DAG_RUN_NOT_FOUND', `no DAG has run${target !== undefined ? ` against ${target}` : ''} yet`);
    return newest;
  }
  const exact = control.getRecord<DagRunRecord>(DAG_RUN_KIND, idOrPrefix);
  if (exact) return exact;
  const matches = control.listRecords<DagRunRecord>(DAG_RUN_KIND, idOrPrefix);
  const [only] = matches;
  if (matches.length === 1 && only) return only.value;
  if (matches.length > 1) throw invalid('DAG_RUN_AMBIGUOUS', `${idOrPrefix} matches ${matches.length} runs; give more of the id (\`mayfly dag runs\` lists them)`);
  throw notFound('DAG_RUN_NOT_FOUND', `no DAG run ${idOrPrefix}; \`mayfly dag runs\` lists them`);
}

/** Stores a run's current state. */
export function saveDagRun(control: ControlStore, run: DagRunRecord): void {
  control.putRecord(DAG_RUN_KIND, run.id, run);
}
