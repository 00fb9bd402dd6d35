/**
 * The growth suite: how each cost moves as the warehouse grows (files per
 * table, clones, commits), plus start-up and the cost of a 1% change. Each
 * curve is a small table in the results (details.growth.curves) with its
 * load average; each goal a figure with pass/miss.
 *
 * Sizes: the defaults keep the suite near 6 minutes on a 2-core machine;
 * MAYFLY_BENCH_SCALE=large asks for every size of the issue (10k clones,
 * 100k commits) with longer budgets; MAYFLY_BENCH_GROWTH_CLONES=N sets the
 * largest number of clones. Sizes that do not fit their budget are skipped
 * and the curve says so.
 */
import { join } from 'node:path';
import { progress } from './bench-util.js';
import { measureClonesCurve, type ClonesCurveOptions } from './growth-clones.js';
import { measureCommitCurves, type CommitsCurveOptions } from './growth-commits.js';
import type { GrowthCurve } from './growth-curve.js';
import { measureDeletes, type DeletesOptions } from './growth-deletes.js';
import { measureFilesCurve, type FilesCurveOptions } from './growth-files.js';
import { measureStartup } from './growth-startup.js';
import type { Figure } from './report.js';

/** The sizes and budgets of one growth run. */
export interface GrowthScale {
  readonly name: 'quick' | 'default' | 'large';
  readonly startupRuns: number;
  readonly files: FilesCurveOptions;
  readonly clones: ClonesCurveOptions;
  readonly commits: CommitsCurveOptions;
  readonly deletes: DeletesOptions;
}

const CLONE_SIZES = [10, 100, 1_000, 10_000];

/** The growth sizes for a run: `--quick`, else MAYFLY_BENCH_SCALE (default or large), capped by MAYFLY_BENCH_GROWTH_CLONES. */
export function growthScale(quick: boolean, env: NodeJS.ProcessEnv = process.env): GrowthScale {
  const name = quick ? 'quick' : env.MAYFLY_BENCH_SCALE === 'large' ? 'large' : 'default';
  const maxClones = Number(env.MAYFLY_BENCH_GROWTH_CLONES ?? (name === 'large' ? 10_000 : name === 'quick' ? 100 : 1_000));
  const s = {
    quick: { prodFiles: 1_000, files: 10_000, filesBudget: 30_000, clonesBudget: 30_000, commits: [1_000], heap: 3_000, commitsBudget: 20_000, rows: 400_000, runs: 3 },
    default: { prodFiles: 1_000, files: 100_000, filesBudget: 120_000, clonesBudget: 100_000, commits: [1_000, 10_000, 100_000], heap: 20_000, commitsBudget: 90_000, rows: 2_000_000, runs: 5 },
    large: { prodFiles: 10_000, files: 100_000, filesBudget: 600_000, clonesBudget: 1_800_000, commits: [1_000, 10_000, 100_000], heap: 20_000, commitsBudget: 900_000, rows: 4_000_000, runs: 9 },
  }[name];
  return {
    name,
    startupRuns: s.runs,
    files: { sizes: [1, 100, 1_000, 10_000, 100_000].filter((n) => n <= s.files), commits: 10, commitBudgetMs: 10_000, budgetMs: s.filesBudget },
    // Sizes asked for by name run whatever they take.
    clones: { sizes: CLONE_SIZES.filter((n) => n <= maxClones), prodFiles: s.prodFiles, budgetMs: env.MAYFLY_BENCH_GROWTH_CLONES ? Number.POSITIVE_INFINITY : s.clonesBudget },
    commits: { catalogSizes: s.commits, heapUpTo: s.heap, budgetMs: s.commitsBudget },
    deletes: { rows: s.rows, files: 8, runs: s.runs },
  };
}

/** Runs every growth curve; a curve that fails is recorded and the others still run. */
export async function measureGrowth(root: string, quick: boolean): Promise<{ figures: Figure[]; details: Record<string, unknown> }> {
  const scale = growthScale(quick);
  const curves: GrowthCurve[] = [];
  const figures: Figure[] = [];
  const errors: Record<string, string> = {};
  const run = async (name: string, measure: () => Promise<{ curve?: GrowthCurve; curves?: GrowthCurve[]; figures: Figure[] }>): Promise<void> => {
    progress(`growth: ${name}`);
    try {
      const r = await measure();
      curves.push(...(r.curve ? [r.curve] : []), ...(r.curves ?? []));
      figures.push(...r.figures);
    } catch (e) {
      errors[name] = e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e);
      progress(`growth: ${name} failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  // Start-up first: it is the most sensitive to load the others leave behind.
  await run('startup', () => measureStartup(root, scale.startupRuns));
  await run('deletes', () => measureDeletes(root, scale.deletes));
  await run('files', () => measureFilesCurve(join(root, 'files'), scale.files));
  await run('clones', () => measureClonesCurve(join(root, 'clones'), scale.clones));
  await run('commits', () => measureCommitCurves(join(root, 'commits'), scale.commits));
  return {
    figures,
    details: {
      method:
        'Each curve in its own warehouse. Files: tiny Parquet files written by raw DuckDB (COPY … PARTITION_BY), put in the object store and registered with one commit; ' +
        'then one-row INSERTs through a session, timed; catalog bytes = (page_count − freelist_count) × page_size of catalog.sqlite read by a second connection, before and after. ' +
        'Clones: created in-process through the clone lifecycle; each command is `mayfly …` as a child process (wall, median of 3, or 1 run when it takes over 30 s). ' +
        'Commits: one child process (--expose-gc) makes one-row INSERTs through one session until its budget; heap used after global.gc() every 1,000 commits. ' +
        'Start-up: child processes interleaved round robin. 1% DELETE: full scans of the table before (kept by a clone) and after, interleaved; compact of production after the clone is dropped; bytes = objects new in the store.',
      scale,
      curves,
      errors,
    },
  };
}
