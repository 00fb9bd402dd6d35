import { retryOnConflict } from '../warehouse/conflict-retry.js';
import { FileLoadFailure, type FileLoad, type FileLoadResult, type LandingReject } from '../warehouse/file-loads.js';
import type { OnError, PipeInfo } from '../warehouse/pipe-objects.js';
import { SYSTEM_SCHEMA, type Session } from '../warehouse/session.js';
import {
  historyVersion,
  insertLoadErrorSql,
  insertLoadRecordsSql,
  processedAmong,
  LOAD_HISTORY,
  timestampText,
  historyCondition,
  type HistoryKey,
  type LoadRecord,
  type LoadStatus,
} from './load-history.js';
import type { Stage, StageFile } from './stage.js';
import { stagePath } from './stage-files.js';
import { quoteLiteral } from '../core/names.js';

/** What loading one file did; `ALREADY_LOADED` when another refresh processed it first. */
export interface FileOutcome {
  /** `@stage/path`. */
  readonly file: string;
  readonly status: LoadStatus | 'ALREADY_LOADED';
  readonly size: number;
  readonly rowsLoaded: number;
  readonly rowsRejected: number;
  /** The first rejected rows (all of them are in `mayfly.load_errors`). */
  readonly firstRejects: readonly LandingReject[];
  readonly elapsedMs: number;
}

/**
 * The load history a refresh knows: its content id when the refresh read it
 * (or last committed to it). While a transaction starts from that same id,
 * no one else loaded a file since, and the history need not be read again.
 */
export interface KnownHistory {
  version: string | undefined;
  /**
   * The rows this refresh added to the history it read, while every one of its
   * commits started from the id it knew; undefined once another writer's rows
   * came between (then only reading the history again tells what it holds).
   */
  added?: LoadRecord[] | undefined;
}

/** `schema.name` of a pipe, as load history names it. */
export function pipeName(pipe: Pick<PipeInfo, 'schema' | 'name'>): string {
  return `${pipe.schema}.${pipe.name}`;
}

/** The history a pipe's loads are checked against: its table's. */
export function historyKey(pipe: PipeInfo): HistoryKey {
  return { pipe: pipeName(pipe), table: pipe.copy.table.parts.join('.') };
}

/** How many landing files one transaction loads at most: by count and by bytes (a file larger than `bytes` is a batch of its own). */
export interface BatchLimits {
  readonly files: number;
  readonly bytes: number;
}

/** The default batch: enough files that a commit's cost is shared, few enough bytes that a crash loses little work. */
export const DEFAULT_BATCH: BatchLimits = { files: 64, bytes: 256 * 1024 * 1024 };

/** Splits files (in order) into batches within `limits`. */
export function batchesOf(files: readonly StageFile[], limits: BatchLimits): StageFile[][] {
  const out: StageFile[][] = [];
  let current: StageFile[] = [];
  let bytes = 0;
  for (const f of files) {
    if (current.length > 0 && (current.length >= limits.files || bytes + f.size > limits.bytes)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(f);
    bytes += f.size;
  }
  if (current.length > 0) out.push(current);
  return out;
}

/** A load of a batch that threw at one of its files: the files before it loaded nothing either (the transaction rolled back). */
export class BatchFailure extends Error {
  constructor(
    /** The index in the batch of the file whose load threw. */
    readonly index: number,
    readonly error: unknown,
  ) {
    super(error instanceof Error ? error.message : String(error));
  }
}

/** Options of {@link loadBatch}. */
export interface BatchOptions {
  /** Checked between files: a stop commits the files loaded so far in the batch. */
  readonly signal?: AbortSignal;
  /** Called with the files about to commit, once their rows and history are written in the open transaction. */
  readonly beforeCommit?: (files: readonly string[]) => void;
}

/**
 * Loads a batch of a pipe's files exactly once into the session's database:
 * every file's rows and rejected rows, one history row per file (all written
 * as one file) and the commit, in one transaction, after checking (inside it)
 * which files no one processed meanwhile. A refresh that loses the race to a
 * concurrent one gets WRITE_CONFLICT, looks again, and finds those files done;
 * a refresh killed before COMMIT left nothing of the batch. Loading stops
 * after a file whose rejected rows abort it (ON_ERROR = ABORT_STATEMENT); a
 * file whose load throws rolls the batch back (BatchFailure says which).
 */
export async function loadBatch(session: Session, pipe: PipeInfo, stage: Stage, files: readonly StageFile[], known: KnownHistory, options: BatchOptions = {}): Promise<readonly FileOutcome[]> {
  const name = pipeName(pipe);
  const history = historyKey(pipe);
  const [schema = '', table = ''] = pipe.copy.table.parts;
  // Checksums are read while the engine reads rows (they use different cores), once even if the batch is retried.
  const checksums = new Map<string, Promise<string>>();
  const checksumOf = (path: string): Promise<string> => {
    let c = checksums.get(path);
    if (!c) {
      c = stage.checksum(path);
      c.catch(() => undefined);
      checksums.set(path, c);
    }
    return c;
  };
  return retryOnConflict(() =>
    inTransaction(session, async (): Promise<{ outcomes: FileOutcome[]; records: LoadRecord[]; chained: boolean; next: string | undefined }> => {
      const base = historyVersion(session);
      const keys = files.map((f) => stagePath(stage.name, f.path));
      const done = base === undefined || base !== known.version ? await processedAmong(session, history, keys) : new Set<string>();
      const outcomes: FileOutcome[] = [];
      const todo = files.flatMap((file, i) => {
        const key = keys[i] as string;
        if (!done.has(key)) return [{ file, key, index: i }];
        outcomes.push({ file: key, status: 'ALREADY_LOADED', size: file.size, rowsLoaded: 0, rowsRejected: 0, firstRejects: [], elapsedMs: 0 });
        return [];
      });
      const started = performance.now();
      const at = session.warehouse.clock.now();
      const loads: FileLoad[] = [];
      for (const t of todo) {
        try {
          checksumOf(t.file.path);
          loads.push({
            table: { schema, name: table },
            path: await stage.localPath(t.file.path),
            format: pipe.copy.format,
            keepGoodRows: pipe.copy.onError === 'continue',
            rejects: { table: { schema: SYSTEM_SCHEMA, name: 'load_errors' }, values: { pipe: name, file: t.key, loaded_at: timestampText(at), target_table: `${schema}.${table}` } },
          });
        } catch (e) {
          throw new BatchFailure(t.index, e);
        }
      }
      // A file whose rejected rows abort it is the last one read; a stop request ends the batch after the file being read.
      const stopAfter = (r: FileLoadResult): boolean => statusOf(r.rowsLoaded, r.rowsRejected, pipe.copy.onError) === 'ABORTED' || options.signal?.aborted === true;
      const results =
        loads.length === 0
          ? []
          : await session.loadFiles(loads, { stopAfter }).catch((e: unknown) => {
              throw e instanceof FileLoadFailure ? new BatchFailure(todo[e.index]?.index ?? 0, e.error) : e;
            });
      const records: LoadRecord[] = [];
      for (const [i, r] of results.entries()) {
        const { file, key } = todo[i] as (typeof todo)[number];
        const first = r.firstRejects[0];
        const record: LoadRecord = {
          pipe: name,
          file: key,
          table: `${schema}.${table}`,
          size: file.size,
          modifiedAt: file.modifiedAt,
          checksum: await checksumOf(file.path),
          status: statusOf(r.rowsLoaded, r.rowsRejected, pipe.copy.onError),
          rowsLoaded: r.rowsLoaded,
          rowsRejected: r.rowsRejected,
          firstError: first ? `${first.line === null ? 'file' : `line ${first.line}`}: ${first.reason}` : null,
          loadedAt: at,
        };
        records.push(record);
        outcomes.push({ file: key, status: record.status, size: file.size, rowsLoaded: r.rowsLoaded, rowsRejected: r.rowsRejected, firstRejects: r.firstRejects, elapsedMs: (performance.now() - started) / results.length });
      }
      const order = new Map(keys.map((k, i) => [k, i]));
      outcomes.sort((a, b) => (order.get(a.file) ?? 0) - (order.get(b.file) ?? 0));
      // One history file for the whole batch, not one per load.
      if (records.length > 0) await session.run(insertLoadRecordsSql(records));
      options.beforeCommit?.(records.map((r) => r.file));
      // If the commit succeeds, the history is this transaction's: what this loader knows.
      return { outcomes, records, chained: base !== undefined && base === known.version, next: records.length > 0 ? historyVersion(session) : undefined };
    }),
  ).then(({ outcomes, records, chained, next }) => {
    if (next !== undefined) {
      known.version = next;
      known.added = chained && known.added ? [...known.added, ...records] : undefined;
    }
    return outcomes;
  });
}

/**
 * Records that a loaded file was rewritten (same path, other checksum) in the
 * history and the errors table, once per new checksum; the file is not loaded again.
 */
export async function recordChangedFile(session: Session, pipe: PipeInfo, stage: Stage, file: StageFile, checksum: string, loaded: LoadRecord): Promise<void> {
  const name = pipeName(pipe);
  const history = historyKey(pipe);
  const key = stagePath(stage.name, file.path);
  await retryOnConflict(() =>
    inTransaction(session, async () => {
      const [known] = await session.run(
        `SELECT count(*) AS n FROM ${LOAD_HISTORY} WHERE ${historyCondition(history)} AND file = ${quoteLiteral(key)} AND status = 'CHANGED' AND checksum = ${quoteLiteral(checksum)}`,
      );
      if (known?.kind === 'rows' && Number(known.rows[0]?.n ?? 0) > 0) return;
      const at = session.warehouse.clock.now();
      const reason =
        `file changed after it was loaded on ${new Date(loaded.loadedAt).toISOString()} (size ${loaded.size} -> ${file.size} bytes, ` +
        `checksum ${loaded.checksum.slice(0, 12)} -> ${checksum.slice(0, 12)}); it is not loaded again: land new data under a new file name`;
      await session.run(insertLoadErrorSql(history, key, reason, at));
      await session.run(
        insertLoadRecordsSql([{ pipe: name, file: key, table: history.table, size: file.size, modifiedAt: file.modifiedAt, checksum, status: 'CHANGED', rowsLoaded: 0, rowsRejected: 0, firstError: reason, loadedAt: at }]),
      );
    }),
  );
}

/** The status of a load: what ON_ERROR made of its rejected rows. */
export function statusOf(rowsLoaded: number, rowsRejected: number, onError: OnError): LoadStatus {
  if (rowsRejected === 0) return 'LOADED';
  if (onError === 'abort_statement') return 'ABORTED';
  return onError === 'continue' && rowsLoaded > 0 ? 'PARTIALLY_LOADED' : 'LOAD_FAILED';
}

/** Runs `work` between BEGIN and COMMIT on the session's database; rolls back if it throws. */
async function inTransaction<T>(session: Session, work: () => Promise<T>): Promise<T> {
  await session.run('BEGIN');
  try {
    const result = await work();
    await session.run('COMMIT');
    return result;
  } catch (e) {
    if (session.inTransaction) await session.run('ROLLBACK');
    throw e;
  }
}
