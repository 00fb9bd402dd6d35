import { resolve } from 'node:path';
import { invalid, notFound } from '../core/errors.js';
import type { ResolvedConfig } from '../config/mayfly-config.js';
import { MAX_DAG_THREADS, type DagConfig } from '../config/orchestrate-config.js';
import { checkAcyclic, planDag, selectModels, type DagPlan } from './dag-graph.js';
import { loadModelSet, readModelLayout, type ModelLayout, type ModelSet } from './model-project.js';

/** Models built at once when neither the DAG nor the run says. */
export const DEFAULT_DAG_THREADS = 2;

/** The DAG name of a run over every model (no NAME given). */
export const ALL_MODELS = '*';

/** What orchestration reads from the project: where models and deployment scripts live, the named DAGs, production's name. */
export interface OrchestrateProject {
  readonly projectDir: string;
  readonly modelsDir: string;
  readonly deploymentsDir: string;
  readonly dags: Readonly<Record<string, DagConfig>>;
  readonly production: string;
}

/** The orchestration part of a resolved configuration. */
export function orchestrateProject(config: ResolvedConfig): OrchestrateProject {
  const p = config.project;
  return {
    projectDir: config.projectDir,
    modelsDir: resolve(config.projectDir, p.models),
    deploymentsDir: resolve(config.projectDir, p.deployments),
    dags: p.dags,
    production: config.production,
  };
}

/** Which DAG to run: a named one (or every model), at a version, narrowed by selectors. */
export interface DagRequest {
  readonly dag?: string | undefined;
  readonly version?: string | undefined;
  readonly select?: readonly string[] | undefined;
  readonly threads?: number | undefined;
}

/** A DAG resolved against the models on disk, checked and ordered; nothing has run. */
export interface ResolvedDag {
  readonly name: string;
  readonly version: string | undefined;
  readonly set: ModelSet;
  readonly plan: DagPlan;
  /** The run's own `--select` (a named DAG's selection comes from its configuration). */
  readonly select: readonly string[];
  readonly threads: number;
}

/**
 * Resolves and checks a DAG before anything runs: its name (DAG_NOT_FOUND),
 * version (DAG_VERSION_UNKNOWN, DAG_VERSION_REQUIRED), every model of that
 * version (templates, configs, refs, cycles) and the selection
 * (DAG_SELECT_UNKNOWN, DAG_SELECT_EMPTY). `--select` narrows a named DAG's own selection.
 */
export function resolveDag(project: OrchestrateProject, request: DagRequest): ResolvedDag {
  const config = request.dag !== undefined ? project.dags[request.dag] : undefined;
  if (request.dag !== undefined && !config) {
    const known = Object.keys(project.dags).sort().join(', ') || 'none; add them under dags: in mayfly.yaml';
    throw notFound('DAG_NOT_FOUND', `no DAG named ${request.dag} (DAGs: ${known}); omit the name to run every model`);
  }
  const threads = request.threads ?? config?.threads ?? DEFAULT_DAG_THREADS;
  if (!Number.isInteger(threads) || threads < 1 || threads > MAX_DAG_THREADS) {
    throw invalid('DAG_THREADS_INVALID', `--threads must be a whole number from 1 to ${MAX_DAG_THREADS} (got ${threads})`);
  }
  const layout = readModelLayout(project.modelsDir, project.projectDir);
  const version = request.version ?? config?.version ?? onlyVersion(layout);
  const set = loadModelSet(layout, version, project.projectDir);
  checkAcyclic(set);
  const narrowing = request.select ?? [];
  let selected = selectModels(set, config?.select ?? []);
  if (narrowing.length > 0) {
    const picked = selectModels(set, narrowing);
    selected = new Set([...selected].filter((id) => picked.has(id)));
    if (selected.size === 0) throw invalid('DAG_SELECT_EMPTY', `--select ${narrowing.join(' ')} picks no model of DAG ${request.dag ?? ALL_MODELS}`);
  }
  if (selected.size === 0) throw invalid('DAG_EMPTY', `there are no models to run in ${project.modelsDir}${version ? `/${version}` : ''}`);
  return {
    name: request.dag ?? ALL_MODELS,
    version,
    set,
    plan: planDag(set, selected),
    select: narrowing,
    threads,
  };
}

/** The version a run uses when none is named: the only one there is. */
function onlyVersion(layout: ModelLayout): string | undefined {
  return layout.kind === 'versioned' && layout.versions.length === 1 ? layout.versions[0] : undefined;
}
