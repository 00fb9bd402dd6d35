import { invalid } from '../core/errors.js';
import { MAX_TIMEOUT_MS } from '../warehouse/warehouse-settings.js';
import type { RefreshEvent } from './pipe-refresh.js';
import type { PipeService, RefreshReport } from './pipe-service.js';

/** What `pipe run` did until it was stopped. */
export interface RunReport {
  readonly db: string;
  readonly polls: number;
  readonly filesLoaded: number;
  readonly rowsLoaded: number;
  readonly rowsRejected: number;
  readonly elapsedMs: number;
}

/** Options of {@link runPipes}. */
export interface RunOptions {
  /** Time between two looks at the stages. */
  readonly intervalMs: number;
  /** Stops the loop; the file being read is committed first, with its batch's files read before it. */
  readonly signal: AbortSignal;
  readonly onEvent?: (e: RefreshEvent) => void;
  /** Called after each poll with what it did. */
  readonly onPoll?: (report: RefreshReport) => void;
  /** Stops after this many polls (for scripts and tests). */
  readonly maxPolls?: number;
}

/**
 * Keeps loading new files into `db`: refreshes its running pipes, waits
 * `intervalMs`, and again, until `signal` aborts. States are read at every
 * poll, so pipes resumed or paused meanwhile (from another process) are
 * picked up. A stop never leaves a file half loaded: the files of the batch in
 * progress read so far commit whole, the rest wait for the next run.
 */
export async function runPipes(service: PipeService, db: string, options: RunOptions): Promise<RunReport> {
  const problem = intervalProblem(options.intervalMs);
  if (problem) throw invalid('PIPE_INTERVAL_INVALID', problem);
  const started = performance.now();
  let polls = 0;
  let filesLoaded = 0;
  let rowsLoaded = 0;
  let rowsRejected = 0;
  while (!options.signal.aborted && (options.maxPolls === undefined || polls < options.maxPolls)) {
    const report = await service.refresh(db, { signal: options.signal, ...(options.onEvent ? { onEvent: options.onEvent } : {}) });
    polls++;
    for (const p of report.pipes) {
      filesLoaded += p.files.filter((f) => f.status !== 'ALREADY_LOADED').length;
      rowsLoaded += p.rowsLoaded;
      rowsRejected += p.rowsRejected;
    }
    options.onPoll?.(report);
    if (options.maxPolls !== undefined && polls >= options.maxPolls) break;
    await sleep(options.intervalMs, options.signal);
  }
  return { db, polls, filesLoaded, rowsLoaded, rowsRejected, elapsedMs: performance.now() - started };
}

/** The shortest time between two polls: a shorter one would poll the stage and catalog in a busy loop. */
export const MIN_POLL_INTERVAL_MS = 50;

/** Why `ms` is not a usable time between polls, or undefined. */
export function intervalProblem(ms: number): string | undefined {
  if (!Number.isFinite(ms) || ms < MIN_POLL_INTERVAL_MS) return `the time between polls must be at least ${MIN_POLL_INTERVAL_MS}ms (a shorter one polls in a busy loop), not ${Number.isFinite(ms) ? `${ms}ms` : String(ms)}`;
  if (ms > MAX_TIMEOUT_MS) return 'the time between polls can be at most 24d';
  return undefined;
}

/** Waits `ms`, or less when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
