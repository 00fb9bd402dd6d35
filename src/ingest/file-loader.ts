import { retryOnConflict } from '../warehouse/conflict-retry.js';
import type { LandingReject } from '../warehouse/file-loads.js';
import type { OnError, PipeInfo } from '../warehouse/pipe-objects.js';
import { SYSTEM_SCHEMA, type Session } from '../warehouse/session.js';
import {
  historyVersion,
  insertLoadErrorSql,
  insertLoadRecordSql,
  isProcessed,
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
}

/** `schema.name` of a pipe, as load history names it. */
export function pipeName(pipe: Pick<PipeInfo, 'schema' | 'name'>): string {
  return `${pipe.schema}.${pipe.name}`;
}

/** The history a pipe's loads are checked against: its table's. */
export function historyKey(pipe: PipeInfo): HistoryKey {
  return { pipe: pipeName(pipe), table: pipe.copy.table.parts.join('.') };
}

/**
 * Loads one file of a pipe exactly once into the session's database: the
 * rows, the rejected rows and the history row commit in one transaction,
 * after checking (inside it) that no one processed the file meanwhile. A
 * refresh that loses the race to a concurrent one gets WRITE_CONFLICT, looks
 * again, and finds the file done; a refresh killed before COMMIT left nothing.
 */
export async function loadFileOnce(session: Session, pipe: PipeInfo, stage: Stage, file: StageFile, known: KnownHistory = { version: undefined }): Promise<FileOutcome> {
  const started = performance.now();
  const name = pipeName(pipe);
  const key = stagePath(stage.name, file.path);
  // The checksum is read while the engine reads the rows: the two use different cores.
  const checksum = stage.checksum(file.path);
  checksum.catch(() => undefined);
  const local = await stage.localPath(file.path);
  const [schema = '', table = ''] = pipe.copy.table.parts;
  return retryOnConflict(() =>
    inTransaction(session, async (): Promise<FileOutcome & { next: string | undefined }> => {
      const base = historyVersion(session);
      if ((base === undefined || base !== known.version) && (await isProcessed(session, historyKey(pipe), key))) {
        return { file: key, status: 'ALREADY_LOADED', size: file.size, rowsLoaded: 0, rowsRejected: 0, firstRejects: [], elapsedMs: 0, next: undefined };
      }
      const at = session.warehouse.clock.now();
      const r = await session.loadFile({
        table: { schema, name: table },
        path: local,
        format: pipe.copy.format,
        keepGoodRows: pipe.copy.onError === 'continue',
        rejects: { table: { schema: SYSTEM_SCHEMA, name: 'load_errors' }, values: { pipe: name, file: key, loaded_at: timestampText(at), target_table: `${schema}.${table}` } },
      });
      const status = statusOf(r.rowsLoaded, r.rowsRejected, pipe.copy.onError);
      const first = r.firstRejects[0];
      const record: LoadRecord = {
        pipe: name,
        file: key,
        table: `${schema}.${table}`,
        size: file.size,
        modifiedAt: file.modifiedAt,
        checksum: await checksum,
        status,
        rowsLoaded: r.rowsLoaded,
        rowsRejected: r.rowsRejected,
        firstError: first ? `${first.line === null ? 'file' : `line ${first.line}`}: ${first.reason}` : null,
        loadedAt: at,
      };
      await session.run(insertLoadRecordSql(record));
      // If the commit succeeds, the history is this transaction's: what this loader knows.
      const next = historyVersion(session);
      return { file: key, status, size: file.size, rowsLoaded: r.rowsLoaded, rowsRejected: r.rowsRejected, firstRejects: r.firstRejects, elapsedMs: performance.now() - started, next };
    }),
  ).then(({ next, ...outcome }) => {
    if (outcome.status !== 'ALREADY_LOADED') known.version = next;
    return outcome;
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
        insertLoadRecordSql({ pipe: name, file: key, table: history.table, size: file.size, modifiedAt: file.modifiedAt, checksum, status: 'CHANGED', rowsLoaded: 0, rowsRejected: 0, firstError: reason, loadedAt: at }),
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
