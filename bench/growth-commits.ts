/**
 * Growth curves over commits, from one child process making one-row INSERTs
 * into one table (see growth-commits-child.ts): the catalog's size after 1k,
 * 10k, 100k commits, and the heap after each 1k commits up to 20k. The child
 * runs until its time budget and the curves say how far it got.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { progress } from './bench-util.js';
import type { CommitSample } from './growth-commits-child.js';
import { withLoad, type GrowthCurve } from './growth-curve.js';
import { figure, type Figure } from './report.js';

/** Options of the commit curves. */
export interface CommitsCurveOptions {
  /** Commit counts at which the catalog's size is shown (the largest is the run's goal). */
  readonly catalogSizes: readonly number[];
  /** The heap is shown after every 1,000 commits up to this. */
  readonly heapUpTo: number;
  readonly budgetMs: number;
}

/** Samples every 250 commits: a run that stops early still has a curve; tables show every 1,000. */
const EVERY = 250;
const SHOWN = 1_000;
const CHILD = fileURLToPath(new URL('./growth-commits-child.js', import.meta.url));

/** Runs the child and turns its samples into the catalog-size and heap curves. */
export async function measureCommitCurves(root: string, o: CommitsCurveOptions): Promise<{ curves: GrowthCurve[]; figures: Figure[] }> {
  const commits = Math.max(o.heapUpTo, ...o.catalogSizes);
  const samples: CommitSample[] = [];
  const { value: exit, load } = await withLoad(() =>
    runChild({ home: join(root, 'growth-commits'), commits, every: EVERY, budgetMs: o.budgetMs }, o.budgetMs * 2 + 60_000, (s) => {
      samples.push(s);
      if (s.commits % 5_000 === 0 || s.commits === SHOWN) progress(`growth commits: ${s.commits} commits, heap ${(s.heapUsed / 2 ** 20).toFixed(0)} MB, catalog ${(s.catalogBytes / 2 ** 20).toFixed(1)} MB`);
    }),
  );
  const at = (n: number): CommitSample | undefined => samples.find((s) => s.commits === n);
  const last = samples[samples.length - 1];
  const reached = last?.commits ?? 0;
  // Catalog bytes and ms per commit between two samples.
  const between = (a: CommitSample | undefined, b: CommitSample | undefined): { bytes: number; ms: number } => {
    if (!a || !b || b.commits <= a.commits) return { bytes: Number.NaN, ms: Number.NaN };
    const n = b.commits - a.commits;
    return { bytes: (b.catalogBytes - a.catalogBytes) / n, ms: (b.elapsedMs - a.elapsedMs) / n };
  };
  // The window of the "last 1k" columns: 1,000 commits, or what a short run has.
  const window = (s: CommitSample): CommitSample | undefined => at(Math.max(0, s.commits - SHOWN)) ?? samples.filter((x) => x.commits < s.commits).at(-1);
  const r = (n: number): string => n.toLocaleString('en-US');
  const note = reached < commits ? { note: `stopped at ${r(reached)} of ${r(commits)} commits: ${exit}` } : {};
  const added = (s: CommitSample): number => s.catalogBytes - (samples[0]?.catalogBytes ?? 0);
  const shown = samples.filter((s) => s.commits > 0 && (o.catalogSizes.includes(s.commits) || s === last));
  const catalog: GrowthCurve = {
    id: 'catalog',
    title: 'Catalog size vs one-row commits (one table, one process)',
    goal: 'linear, ≤ 4 KB per one-row commit',
    columns: ['commits', 'catalog growth (MB)', 'bytes per commit (average)', 'bytes per commit (last 1k)', 'ms per commit (last 1k)'],
    rows: shown.map((s) => {
      const w = between(window(s), s);
      return [s.commits, added(s) / 2 ** 20, Math.round(added(s) / s.commits), Math.round(w.bytes), w.ms];
    }),
    load,
    ...note,
  };
  const heapShown = samples.filter((s) => s.commits > 0 && s.commits <= o.heapUpTo && (s.commits % SHOWN === 0 || s === last));
  const heap: GrowthCurve = {
    id: 'heap',
    title: 'Heap after each 1,000 one-row commits in one process (after a full GC)',
    goal: 'flat',
    columns: ['commits', 'heap used (MB)'],
    rows: heapShown.map((s) => [s.commits, s.heapUsed / 2 ** 20]),
    load,
    ...note,
  };
  // Linear growth = the same bytes per commit late as early: the last 1,000 (or the second half of a short run) against the first.
  const span = Math.min(SHOWN, Math.floor(reached / 2 / EVERY) * EVERY);
  const early = between(at(0), at(span)).bytes;
  const late = last ? between(at(reached - span) ?? window(last), last).bytes : Number.NaN;
  const firstHeap = at(Math.min(SHOWN, span)) ?? samples[1];
  const lastHeap = heapShown.at(-1);
  const figures = [
    figure(`growth: catalog bytes per one-row commit, average over ${r(reached)} commits`, last && reached > 0 ? added(last) / reached : Number.NaN, 'B', { op: '<=', value: 4096 }),
    figure(`growth: catalog bytes per commit, last ${r(span)} of ${r(reached)} / first ${r(span)} (linear = 1)`, late / early, '×', { op: '<=', value: 1.5 }),
    figure(`growth: heap after ${r(lastHeap?.commits ?? 0)} commits / after ${r(firstHeap?.commits ?? 0)}`, (lastHeap?.heapUsed ?? Number.NaN) / (firstHeap?.heapUsed ?? Number.NaN), '×', { op: '<=', value: 1.5 }),
    figure(`growth: one-row commits in one process within ${Math.round(o.budgetMs / 1000)} s (curves asked ${r(commits)})`, reached, 'commits'),
  ];
  return { curves: [catalog, heap], figures };
}

/** Runs the child, handing each sample line to `onSample`; resolves with how it ended (killed past `killMs`). */
function runChild(request: Record<string, unknown>, killMs: number, onSample: (s: CommitSample) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', CHILD, JSON.stringify(request)], { stdio: ['ignore', 'pipe', 'pipe'] });
    // One commit can outlast the child's own budget check when commits grow with history.
    const timer = setTimeout(() => child.kill('SIGKILL'), killMs);
    let buffered = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) onSample(JSON.parse(line) as CommitSample);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-2000)));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve(code === 0 ? 'time budget reached' : `child ended with ${signal ?? `exit code ${code}`}: ${stderr.trim().split('\n').slice(0, 3).join(' ')}`);
    });
  });
}
