import type { PipeInfo } from '../warehouse/pipe-objects.js';
import type { Session } from '../warehouse/session.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { BatchFailure, batchesOf, DEFAULT_BATCH, historyKey, loadBatch, pipeName, recordChangedFile, type BatchLimits, type FileOutcome, type KnownHistory } from './file-loader.js';
import { committedHistoryVersion, extendIndex, type FileHistory, type HistoryIndex, type HistoryIndexCache } from './history-index.js';
import type { LoadRecord } from './load-history.js';
import type { Stage, StageFile } from './stage.js';
import { pipeFiles, pipePaths, sessionMatcher, stagePath, type PatternMatcher } from './stage-files.js';

/** A loaded file whose content changed since (same path, other checksum). */
export interface ChangedFile {
  /** `@stage/path`. */
  readonly file: string;
  readonly checksum: string;
  /** The load of its earlier content. */
  readonly loaded: LoadRecord;
  /** Whether the load history already reports this content. */
  readonly reported: boolean;
  readonly stageFile: StageFile;
}

/** What a pipe has to do: the files never processed (oldest path first), and the changed ones. */
export interface PipePlan {
  readonly pending: readonly StageFile[];
  readonly changed: readonly ChangedFile[];
  /** Files processed already and unchanged. */
  readonly upToDate: number;
  /** The content id of the history the plan was made from. */
  readonly historyVersion: string | undefined;
  /** That history, indexed by file. */
  readonly history: HistoryIndex;
}

/** Progress of a refresh, reported as it goes. */
export type RefreshEvent =
  | { readonly kind: 'planned'; readonly pipe: string; readonly files: number }
  | { readonly kind: 'committing'; readonly pipe: string; readonly files: readonly string[] }
  | { readonly kind: 'loaded'; readonly pipe: string; readonly outcome: FileOutcome };

/** What refreshing one pipe did. */
export interface PipeRefreshReport {
  /** `schema.name`. */
  readonly pipe: string;
  readonly files: readonly FileOutcome[];
  readonly rowsLoaded: number;
  readonly rowsRejected: number;
  /** Files rewritten after they were loaded (reported, not loaded). */
  readonly changed: readonly string[];
  /** Files still to load when the refresh stopped (an abort, or a stop request). */
  readonly remaining: number;
  /** Set when a file with rejected rows stopped the pipe (ON_ERROR = ABORT_STATEMENT). */
  readonly aborted?: { readonly file: string; readonly message: string };
  readonly elapsedMs: number;
}

/**
 * Where a refresh plans and loads: a database, a session opened only when the
 * engine has work (reading a history not cached, matching a pattern,
 * loading), and the cache of history indexes.
 */
export interface RefreshTarget {
  readonly warehouse: Warehouse;
  readonly db: string;
  /** The trusted session of `db` (the same one each call). */
  session(): Promise<Session>;
  readonly histories: HistoryIndexCache;
}

/**
 * How a refresh checks the listed files its history holds already. `stat`:
 * each one's size and time are compared with its load (one stat per listed
 * file), so a loaded file rewritten in place is reported at the refresh.
 * `name`: they are skipped by name, unread (as Snowpipe dedupes by name), so
 * the refresh stats only new files; a rewritten file is then reported by
 * `pipe status`, which always compares.
 */
export type LoadedFileCheck = 'stat' | 'name';

/**
 * The check {@link refreshPipe} makes unless told otherwise: by name, so an
 * empty refresh costs a listing, not a stat per loaded file (10,000 stats are
 * ~45 ms of system calls on a small VM); `pipe status` and
 * `pipe refresh --check-changed` compare.
 */
export const DEFAULT_LOADED_FILE_CHECK: LoadedFileCheck = 'name';

/**
 * Compares a pipe's files with its load history in the target database.
 * A file is processed once per database; one whose size or time differs from
 * its load is checksummed, and reported as changed only if its bytes did
 * (with `check` = `name`, files the history holds are not compared).
 * Files already loaded cost one lookup each: the history is indexed once per
 * version of it, not read per file.
 */
export async function planPipe(target: RefreshTarget, pipe: PipeInfo, stage: Stage, check: LoadedFileCheck): Promise<PipePlan> {
  const committed = committedHistoryVersion(target.warehouse, target.db);
  const { version, index: history } =
    committed === undefined ? { version: undefined, index: new Map<string, FileHistory>() } : await target.histories.get(committed, historyKey(pipe), () => target.session());
  const match: PatternMatcher = async (regex, paths) => sessionMatcher(await target.session())(regex, paths);
  // Keys are `@stage/path`: one concatenation per listed file.
  const prefix = stagePath(stage.name, '');
  if (check === 'name') {
    const paths = await pipePaths(stage, pipe.copy, match);
    const unknown = paths.filter((p) => history.get(prefix + p)?.loaded === undefined);
    return { pending: await statAll(stage, unknown), changed: [], upToDate: paths.length - unknown.length, historyVersion: version, history };
  }
  const pending: StageFile[] = [];
  const changed: ChangedFile[] = [];
  let upToDate = 0;
  for (const f of await pipeFiles(stage, pipe.copy, match)) {
    const key = prefix + f.path;
    const loaded = history.get(key)?.loaded;
    if (loaded === undefined) pending.push(f);
    else if (loaded.size === f.size && loaded.modifiedAt === f.modifiedAt) upToDate++;
    else {
      const notes = history.get(key)?.notes ?? [];
      const seen = notes.find((r) => r.size === f.size && r.modifiedAt === f.modifiedAt);
      const checksum = seen?.checksum ?? (await stage.checksum(f.path));
      if (checksum === loaded.checksum) upToDate++;
      else changed.push({ file: key, checksum, loaded, reported: notes.some((n) => n.checksum === checksum), stageFile: f });
    }
  }
  return { pending, changed, upToDate, historyVersion: version, history };
}

/** The size and time of each of `paths` still there, in order; a few hundred stats at a time. */
async function statAll(stage: Stage, paths: readonly string[]): Promise<StageFile[]> {
  const out: StageFile[] = [];
  for (let i = 0; i < paths.length; i += 256) {
    for (const f of await Promise.all(paths.slice(i, i + 256).map((p) => stage.stat(p)))) if (f !== undefined) out.push(f);
  }
  return out;
}

/** Options of {@link refreshPipe}. */
export interface RefreshOptions {
  /** Stops after the file in progress (the files of its batch loaded so far commit). */
  readonly signal?: AbortSignal;
  readonly onEvent?: (e: RefreshEvent) => void;
  /** How many files (and bytes) one transaction loads at most; {@link DEFAULT_BATCH} by default. */
  readonly batch?: Partial<BatchLimits>;
  /** How files the history holds are checked; {@link DEFAULT_LOADED_FILE_CHECK} by default. */
  readonly loadedFiles?: LoadedFileCheck;
}

/**
 * Loads a pipe's new files into the session's database, oldest path first,
 * several files per transaction (see {@link loadBatch}), and records files
 * that changed after loading. Stops after the file in progress when `signal`
 * aborts, and at a file whose rejected rows abort it (ON_ERROR =
 * ABORT_STATEMENT). A file whose load throws is retried alone, after the
 * files before it in its batch, so it never takes them down with it.
 */
export async function refreshPipe(target: RefreshTarget, pipe: PipeInfo, stage: Stage, options: RefreshOptions = {}): Promise<PipeRefreshReport> {
  const started = performance.now();
  const name = pipeName(pipe);
  const plan = await planPipe(target, pipe, stage, options.loadedFiles ?? DEFAULT_LOADED_FILE_CHECK);
  for (const c of plan.changed) if (!c.reported) await recordChangedFile(await target.session(), pipe, stage, c.stageFile, c.checksum, c.loaded);
  options.onEvent?.({ kind: 'planned', pipe: name, files: plan.pending.length });
  const files: FileOutcome[] = [];
  const known: KnownHistory = { version: plan.changed.some((c) => !c.reported) ? undefined : plan.historyVersion, added: [] };
  const queue = batchesOf(plan.pending, { ...DEFAULT_BATCH, ...options.batch });
  let aborted: PipeRefreshReport['aborted'];
  while (queue.length > 0 && !options.signal?.aborted && !aborted) {
    const listed = queue.shift() ?? [];
    // A file removed since the listing is not an error: it is simply not there to load.
    const batch = (await Promise.all(listed.map((f) => stage.stat(f.path)))).filter((f): f is StageFile => f !== undefined);
    if (batch.length === 0) continue;
    let outcomes: readonly FileOutcome[];
    try {
      const beforeCommit = (committing: readonly string[]): void => options.onEvent?.({ kind: 'committing', pipe: name, files: committing });
      outcomes = await loadBatch(await target.session(), pipe, stage, batch, known, { beforeCommit, ...(options.signal ? { signal: options.signal } : {}) });
    } catch (e) {
      if (!(e instanceof BatchFailure)) throw e;
      if (batch.length === 1) throw e.error;
      const failing = batch[e.index] as StageFile;
      queue.unshift(...[batch.slice(0, e.index), [failing], batch.slice(e.index + 1)].filter((b) => b.length > 0));
      continue;
    }
    for (const outcome of outcomes) {
      files.push(outcome);
      options.onEvent?.({ kind: 'loaded', pipe: name, outcome });
      if (outcome.status === 'ABORTED') {
        const first = outcome.firstRejects[0];
        const where = first ? `${first.line === null ? '' : `line ${first.line}: `}${first.reason}` : 'rejected rows';
        aborted = {
          file: outcome.file,
          message: `${outcome.file} has ${outcome.rowsRejected} rejected row(s) (${where}); nothing of it was loaded (ON_ERROR = ABORT_STATEMENT)`,
        };
      }
    }
  }
  // The history this refresh leaves is the one it read plus its own rows: index it now, so the next refresh need not read it.
  if (known.added?.length && known.version !== undefined) target.histories.put(known.version, historyKey(pipe), extendIndex(plan.history, known.added));
  return {
    pipe: name,
    files,
    rowsLoaded: files.reduce((n, f) => n + f.rowsLoaded, 0),
    rowsRejected: files.reduce((n, f) => n + f.rowsRejected, 0),
    changed: plan.changed.map((c) => c.file),
    remaining: plan.pending.length - files.length,
    ...(aborted ? { aborted } : {}),
    elapsedMs: performance.now() - started,
  };
}
