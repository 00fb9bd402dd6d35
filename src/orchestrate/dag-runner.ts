import { currentUser } from '../core/current-user.js';
import { hostname, userInfo } from 'node:os';
import { isMayflyError } from '../core/errors.js';
import { quoteIdent } from '../core/names.js';
import type { Session } from '../warehouse/session.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { resolveDag, type DagRequest, type OrchestrateProject, type ResolvedDag } from './dag-definition.js';
import { downstreamOf } from './dag-graph.js';
import { newRunId, saveDagRun, type DagRunRecord, type ModelRun } from './dag-run-history.js';
import { acquireDagLock } from './dag-run-lock.js';
import { buildModel } from './model-materializer.js';
import type { Model } from './model-project.js';

/** How often a model is tried when a concurrent commit to the same table wins (WRITE_CONFLICT). */
const ATTEMPTS = 3;

/** A run of a DAG against one target database. */
export interface DagRunOptions extends DagRequest {
  /** The database the models are built in (a clone, or production). */
  readonly target: string;
  /** Rebuild incremental models from scratch. */
  readonly fullRefresh?: boolean;
  /** Stops starting models; running ones finish, the rest are skipped and the run is `cancelled`. */
  readonly signal?: AbortSignal;
  /** Called as models start and finish (progress bars, logs). */
  readonly onEvent?: (event: DagRunEvent) => void;
}

/** What a run reports as it goes. */
export type DagRunEvent =
  | { readonly kind: 'run-started'; readonly run: DagRunRecord }
  | { readonly kind: 'model-started'; readonly model: ModelRun; readonly run: DagRunRecord }
  | { readonly kind: 'model-finished'; readonly model: ModelRun; readonly run: DagRunRecord };

/**
 * Runs a DAG against `target`: checks everything first (models, refs, cycles,
 * selection, the target), takes the target's lock (DAG_RUN_IN_PROGRESS if a
 * live run holds it), then builds models in dependency order, `threads` at a
 * time, each in its own session and each committed atomically. A failed
 * model's downstream models are skipped; models already built stay. Every
 * session redirects production's name to the target, so a model naming
 * production explicitly still reads and writes the target — unless it is
 * configured `cross_database=true`, whose reads go where its names point (its
 * write still goes to the target). The run's history is kept in the control
 * store. Returns the finished run; a failed model does not throw.
 */
export async function runDag(warehouse: Warehouse, project: OrchestrateProject, options: DagRunOptions): Promise<DagRunRecord> {
  warehouse.requireRef(options.target);
  const dag = resolveDag(project, options);
  const control = warehouse.control;
  const startedAt = warehouse.clock.now();
  const started = performance.now();
  let run: DagRunRecord = {
    id: newRunId(startedAt),
    dag: dag.name,
    version: dag.version ?? null,
    target: options.target,
    select: dag.select,
    threads: dag.threads,
    fullRefresh: options.fullRefresh ?? false,
    status: 'running',
    startedAt,
    pid: process.pid,
    host: hostname(),
    user: currentUser(),
    models: dag.plan.order.map((id) => ({ id, materialized: dag.set.models.get(id)?.config.materialized ?? 'table', status: 'pending' })),
  };
  const held = acquireDagLock(control, warehouse.clock, options.target, run.id);
  const sessions = new SessionPool(warehouse, options.target, project.production);
  const update = (id: string, change: Partial<ModelRun>): ModelRun => {
    let changed: ModelRun | undefined;
    run = { ...run, models: run.models.map((m) => (m.id === id ? (changed = { ...m, ...change }) : m)) };
    saveDagRun(control, run);
    return changed ?? { id, materialized: 'table', status: 'pending' };
  };
  try {
    saveDagRun(control, run);
    options.onEvent?.({ kind: 'run-started', run });
    await retrying(() => sessions.use(false, (s) => createSchemas(warehouse, s, options.target, dag)));
    await schedule(dag, options.signal, async (model) => {
      const t0 = performance.now();
      options.onEvent?.({ kind: 'model-started', model: update(model.id, { status: 'running', startedAt: warehouse.clock.now() }), run });
      let attempts = 0;
      try {
        const built = await retrying(() => {
          attempts++;
          return sessions.use(model.config.crossDatabase, (s) => buildModel(s, warehouse, options.target, model, { fullRefresh: options.fullRefresh ?? false }));
        });
        const done = update(model.id, {
          status: 'succeeded',
          action: built.action,
          rows: built.rows,
          ...(built.rowsReplaced !== undefined ? { rowsReplaced: built.rowsReplaced } : {}),
          finishedAt: warehouse.clock.now(),
          elapsedMs: performance.now() - t0,
          log: built.log,
          sql: built.sql,
          attempts,
        });
        options.onEvent?.({ kind: 'model-finished', model: done, run });
        return true;
      } catch (e) {
        const failed = update(model.id, { status: 'failed', finishedAt: warehouse.clock.now(), elapsedMs: performance.now() - t0, error: errorOf(e), attempts });
        options.onEvent?.({ kind: 'model-finished', model: failed, run });
        for (const d of downstreamOf(dag.plan, model.id)) {
          if (run.models.find((m) => m.id === d)?.status === 'pending') {
            const skipped = update(d, { status: 'skipped', error: { code: 'UPSTREAM_FAILED', message: `not run: upstream model ${model.id} failed` } });
            options.onEvent?.({ kind: 'model-finished', model: skipped, run });
          }
        }
        return false;
      }
    });
    for (const m of run.models) {
      if (m.status === 'pending') update(m.id, { status: 'skipped', error: { code: 'CANCELLED', message: 'not run: the run was cancelled' } });
    }
    const failed = run.models.some((m) => m.status === 'failed');
    run = { ...run, status: failed ? 'failed' : options.signal?.aborted ? 'cancelled' : 'succeeded' };
  } catch (e) {
    // Before any model ran (the schemas could not be created): the run failed as a whole.
    run = { ...run, status: 'failed', models: run.models.map((m) => (m.status === 'pending' ? { ...m, status: 'skipped', error: errorOf(e) } : m)) };
  } finally {
    sessions.close();
    run = { ...run, status: run.status === 'running' ? 'failed' : run.status, finishedAt: warehouse.clock.now(), elapsedMs: performance.now() - started };
    saveDagRun(control, run);
    held.release();
  }
  return run;
}

/** Runs models as their upstream models succeed, at most `threads` at a time, in plan order among the ready. */
async function schedule(dag: ResolvedDag, signal: AbortSignal | undefined, build: (model: Model) => Promise<boolean>): Promise<void> {
  const waiting = new Map(dag.plan.order.map((id) => [id, dag.plan.upstream.get(id)?.length ?? 0]));
  const rank = new Map(dag.plan.order.map((id, i) => [id, i]));
  const ready = dag.plan.order.filter((id) => waiting.get(id) === 0);
  const running = new Set<Promise<void>>();
  while (ready.length > 0 || running.size > 0) {
    while (running.size < dag.threads && ready.length > 0 && !signal?.aborted) {
      const id = ready.shift() ?? '';
      const model = dag.set.models.get(id);
      if (!model) continue;
      const task: Promise<void> = build(model).then((ok) => {
        running.delete(task);
        if (!ok) return;
        for (const d of dag.plan.downstream.get(id) ?? []) {
          const left = (waiting.get(d) ?? 0) - 1;
          waiting.set(d, left);
          if (left === 0) ready.push(d);
        }
        ready.sort((a, b) => (rank.get(a) ?? 0) - (rank.get(b) ?? 0));
      });
      running.add(task);
    }
    if (running.size === 0) break;
    await Promise.race(running);
  }
}

/** Creates the target's schemas the models need, in one commit, before models run in parallel. */
async function createSchemas(warehouse: Warehouse, session: Session, target: string, dag: ResolvedDag): Promise<void> {
  const tree = warehouse.tree(warehouse.requireRef(target).commitId);
  const needed = new Set(dag.plan.order.map((id) => dag.set.models.get(id)?.schema ?? 'main'));
  const missing = [...needed].filter((s) => !tree.schemas.has(s)).sort();
  if (missing.length === 0) return;
  const creates = missing.map((s) => `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(target)}.${quoteIdent(s)}`);
  await session.run(['BEGIN', ...creates, 'COMMIT'].join(';\n'));
}

/** Retries work that lost a race to a concurrent commit on the same objects (nothing of it was applied). */
async function retrying<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (e) {
      if (!isMayflyError(e, 'WRITE_CONFLICT') || attempt >= ATTEMPTS) throw e;
    }
  }
}

/**
 * Sessions on the target, reused between models (one DuckDB each). Redirected
 * ones map production's name to the target; a cross-database model gets a
 * session of its own without the redirect.
 */
class SessionPool {
  private readonly idle: Session[] = [];
  private readonly all = new Set<Session>();

  constructor(
    private readonly warehouse: Warehouse,
    private readonly target: string,
    private readonly production: string,
  ) {}

  async use<T>(crossDatabase: boolean, work: (s: Session) => Promise<T>): Promise<T> {
    const redirect = this.target !== this.production && !crossDatabase ? { [this.production]: this.target } : undefined;
    const pooled = !crossDatabase;
    const session = (pooled ? this.idle.pop() : undefined) ?? (await this.warehouse.session(this.target, { purpose: 'dag', writeOnly: this.target, ...(redirect ? { redirect } : {}) }));
    this.all.add(session);
    try {
      return await work(session);
    } finally {
      if (pooled && !session.inTransaction) this.idle.push(session);
      else {
        this.all.delete(session);
        session.close();
      }
    }
  }

  close(): void {
    for (const s of this.all) s.close();
    this.all.clear();
    this.idle.length = 0;
  }
}

function errorOf(e: unknown): { code: string; message: string } {
  if (isMayflyError(e)) return { code: e.code, message: e.message };
  return { code: 'INTERNAL', message: e instanceof Error ? e.message : String(e) };
}
