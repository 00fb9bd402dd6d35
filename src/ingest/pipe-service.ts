import { conflict, invalid, isMayflyError, notFound } from '../core/errors.js';
import { quoteLiteral } from '../core/names.js';
import { listPipes, type PipeInfo } from '../warehouse/pipe-objects.js';
import type { Session } from '../warehouse/session.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { historyKey, pipeName } from './file-loader.js';
import { HistoryIndexCache } from './history-index.js';
import { describes, ensureLoadTables, hasLoadHistory, loadTablesReady, LOAD_ERRORS, PROCESSED_STATUSES, readLoadHistory } from './load-history.js';
import { planPipe, refreshPipe, type PipeRefreshReport, type RefreshOptions } from './pipe-refresh.js';
import { readPipeState, updatePipeState, type PipeState, type PipeStateRecord } from './pipe-state.js';
import type { StageRegistry } from './stage-registry.js';
import { stagePath } from './stage-files.js';

/** A pipe of a database with its state there. */
export interface PipeSummary {
  /** `schema.name`. */
  readonly pipe: string;
  readonly table: string;
  /** `@stage/path`. */
  readonly from: string;
  readonly pattern: string | null;
  readonly type: string;
  readonly onError: string;
  readonly state: PipeState;
  readonly since: number;
  readonly lastError: PipeStateRecord['lastError'] | null;
  readonly definition: string;
}

/** A pipe's summary with its load history and what its stage holds now. */
export interface PipeStatus extends PipeSummary {
  readonly filesLoaded: number;
  readonly filesFailed: number;
  readonly rowsLoaded: number;
  readonly rowsRejected: number;
  readonly lastLoadedAt: number | null;
  /** Files in the stage never processed in this database (null when the stage cannot be listed). */
  readonly pendingFiles: number | null;
  /** Files rewritten after they were loaded. */
  readonly changedFiles: readonly string[];
  /** Why the stage could not be listed (not configured, directory missing). */
  readonly stageError: string | null;
}

/** What a refresh of a database's pipes did. */
export interface RefreshReport {
  readonly db: string;
  readonly pipes: readonly PipeRefreshReport[];
  /** Running pipes not refreshed because they are paused (when no pipe was named). */
  readonly paused: readonly string[];
  readonly elapsedMs: number;
}

/** One rejected row (or changed-file note) of `mayfly.load_errors`. */
export interface LoadErrorRow {
  readonly pipe: string;
  readonly file: string;
  readonly line: number | null;
  readonly reason: string;
  readonly raw: string | null;
  readonly loadedAt: number;
}

/**
 * Pipes per database: their state (running or paused, kept in the control
 * store, so a clone starts with every pipe paused), their load history (kept
 * in the database, so a clone inherits it), and refreshes that load each new
 * file exactly once.
 */
export class PipeService {
  /** Load histories indexed by version: a refresh over a history no one changed reads none of it. */
  readonly histories = new HistoryIndexCache();

  constructor(
    readonly warehouse: Warehouse,
    readonly stages: StageRegistry,
  ) {}

  /** The pipes of `db` (all, or those named) with their states. */
  list(db: string, names: readonly string[] = []): readonly PipeSummary[] {
    const created = this.warehouse.database(db).createdAt;
    return this.select(db, names).map((p) => summary(p, readPipeState(this.warehouse.control, db, created, pipeName(p))));
  }

  /** The pipes' summaries with their load history and the files waiting in their stages. */
  async status(db: string, names: readonly string[] = []): Promise<readonly PipeStatus[]> {
    const pipes = this.list(db, names);
    const infos = this.select(db, names);
    return this.withSession(db, false, async (session) => {
      const history = await readLoadHistory(session);
      const out: PipeStatus[] = [];
      for (const [i, p] of pipes.entries()) {
        const info = infos[i] as PipeInfo;
        const mine = history.filter((r) => describes(r, historyKey(info)));
        const processed = mine.filter((r) => PROCESSED_STATUSES.includes(r.status));
        const target = { warehouse: this.warehouse, db, session: async () => session, histories: this.histories };
        // Status always compares loaded files with their loads, whatever a refresh checks.
        const plan = await planPipe(target, info, this.stages.get(info.copy.stage), 'stat').catch((e: unknown) => {
          if (isMayflyError(e) && e.kind !== 'internal') return e.message;
          throw e;
        });
        out.push({
          ...p,
          filesLoaded: processed.filter((r) => r.status !== 'LOAD_FAILED').length,
          filesFailed: processed.filter((r) => r.status === 'LOAD_FAILED').length,
          rowsLoaded: processed.reduce((n, r) => n + r.rowsLoaded, 0),
          rowsRejected: mine.reduce((n, r) => n + r.rowsRejected, 0),
          lastLoadedAt: processed.at(-1)?.loadedAt ?? null,
          pendingFiles: typeof plan === 'string' ? null : plan.pending.length,
          changedFiles: typeof plan === 'string' ? [] : plan.changed.map((c) => c.file),
          stageError: typeof plan === 'string' ? plan : null,
        });
      }
      return out;
    });
  }

  /** Sets pipes of `db` running (all, or those named); clears their last error. */
  resume(db: string, names: readonly string[] = []): readonly PipeSummary[] {
    return this.setState(db, names, 'running');
  }

  /** Pauses pipes of `db` (all, or those named): `pipe run` and refreshes leave them alone. */
  pause(db: string, names: readonly string[] = []): readonly PipeSummary[] {
    return this.setState(db, names, 'paused');
  }

  /**
   * Loads the new files of running pipes of `db` (all, or those named, which
   * must be running). A pipe whose file aborts is paused with the error.
   */
  async refresh(db: string, options: RefreshOptions & { readonly names?: readonly string[] } = {}): Promise<RefreshReport> {
    const started = performance.now();
    const names = options.names ?? [];
    const all = this.list(db, names);
    const paused = all.filter((p) => p.state === 'paused');
    if (names.length > 0 && paused.length > 0) {
      throw conflict('PIPE_PAUSED', `pipe ${paused.map((p) => p.pipe).join(', ')} is paused in ${db}; run \`mayfly pipe resume --db ${db} ${paused[0]?.pipe ?? ''}\` first`);
    }
    const running = this.select(db, names).filter((p) => all.find((s) => s.pipe === pipeName(p))?.state === 'running');
    // Every stage is checked before the first load, so a typo changes nothing.
    const stages = new Map(running.map((p) => [p.copy.stage, this.stages.get(p.copy.stage)]));
    const reports: PipeRefreshReport[] = [];
    if (running.length > 0) {
      // The engine starts only when there is work for it: an empty refresh over a known history needs none.
      let opened: Promise<Session> | undefined;
      const session = (): Promise<Session> =>
        (opened ??= this.warehouse.session(db, { trusted: true, purpose: 'pipe', writeOnly: db, readableDirs: [...stages.values()].flatMap((s) => s.readableDirs) }));
      try {
        if (!loadTablesReady(this.warehouse, db)) await ensureLoadTables(await session());
        const target = { warehouse: this.warehouse, db, session, histories: this.histories };
        for (const p of running) {
          if (options.signal?.aborted) break;
          const report = await refreshPipe(target, p, stages.get(p.copy.stage) ?? this.stages.get(p.copy.stage), options);
          reports.push(report);
          this.afterRefresh(db, report);
        }
      } finally {
        if (opened) (await opened).close();
      }
    }
    return { db, pipes: reports, paused: paused.map((p) => p.pipe), elapsedMs: performance.now() - started };
  }

  /** The rows of `mayfly.load_errors` of `db`, newest first (one pipe's, one file's), at most `limit`. */
  async errors(db: string, options: { readonly pipe?: string; readonly file?: string; readonly limit?: number } = {}): Promise<readonly LoadErrorRow[]> {
    if (!hasLoadHistory(this.warehouse, db)) return [];
    const pipe = options.pipe === undefined ? undefined : pipeName(this.find(db, options.pipe));
    const where = [pipe !== undefined ? `pipe = ${quoteLiteral(pipe)}` : '', options.file !== undefined ? `file LIKE ${quoteLiteral(`%${options.file}`)}` : ''].filter(Boolean);
    const limit = Math.max(1, Math.floor(options.limit ?? 100));
    return this.withSession(db, false, async (session) => {
      const [r] = await session.run(
        `SELECT pipe, file, line, reason, raw, epoch_ms(loaded_at) AS loaded_at FROM ${LOAD_ERRORS}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ` +
          `ORDER BY loaded_at DESC, file, line LIMIT ${limit}`,
      );
      if (r?.kind !== 'rows') return [];
      return r.rows.map((row) => ({
        pipe: String(row.pipe),
        file: String(row.file),
        line: row.line === null ? null : Number(row.line),
        reason: String(row.reason),
        raw: row.raw === null ? null : String(row.raw),
        loadedAt: Number(row.loaded_at),
      }));
    });
  }

  /** The pipe `name` (`schema.name`, or a name unique among the database's pipes), or PIPE_NOT_FOUND. */
  find(db: string, name: string): PipeInfo {
    const pipes = listPipes(this.warehouse, db);
    const matches = pipes.filter((p) => pipeName(p) === name || (!name.includes('.') && p.name === name));
    if (matches.length === 1) return matches[0] as PipeInfo;
    if (matches.length > 1) throw invalid('PIPE_AMBIGUOUS', `${name} names ${matches.map(pipeName).join(' and ')} in ${db}; write schema.name`);
    throw notFound('PIPE_NOT_FOUND', `pipe ${name} does not exist in ${db} (pipes: ${pipes.map(pipeName).join(', ') || 'none'}); create it with CREATE PIPE or \`mayfly pipe sync\``);
  }

  private select(db: string, names: readonly string[]): readonly PipeInfo[] {
    if (names.length === 0) return listPipes(this.warehouse, db);
    const found = names.map((n) => this.find(db, n));
    return found.filter((p, i) => found.findIndex((q) => pipeName(q) === pipeName(p)) === i);
  }

  private setState(db: string, names: readonly string[], state: PipeState): readonly PipeSummary[] {
    const created = this.warehouse.database(db).createdAt;
    const now = this.warehouse.clock.now();
    const pipes = this.select(db, names);
    return pipes.map((p) => {
      const record = updatePipeState(this.warehouse.control, db, created, pipeName(p), (current) => {
        if (current.state === state && (state === 'paused' || current.lastError === undefined)) return current;
        const { lastError: _dropped, ...rest } = current;
        return { ...(state === 'running' ? rest : current), state, since: now };
      });
      return summary(p, record);
    });
  }

  /** Records a refresh in the pipe's state: when it last loaded, and the error that paused it. */
  private afterRefresh(db: string, report: PipeRefreshReport): void {
    const loaded = report.files.some((f) => f.status !== 'ALREADY_LOADED');
    if (!loaded && !report.aborted) return;
    const created = this.warehouse.database(db).createdAt;
    const now = this.warehouse.clock.now();
    updatePipeState(this.warehouse.control, db, created, report.pipe, (current) => ({
      ...current,
      ...(loaded ? { lastLoadAt: now } : {}),
      ...(report.aborted ? { state: 'paused' as const, since: now, lastError: { ...report.aborted, at: now } } : {}),
    }));
  }

  private async withSession<T>(db: string, trusted: boolean, work: (s: Session) => Promise<T>, readableDirs: readonly string[] = []): Promise<T> {
    const session = await this.warehouse.session(db, { trusted, purpose: 'pipe', writeOnly: db, ...(trusted ? { readableDirs } : {}) });
    try {
      return await work(session);
    } finally {
      session.close();
    }
  }
}

function summary(p: PipeInfo, state: PipeStateRecord): PipeSummary {
  return {
    pipe: pipeName(p),
    table: p.copy.table.parts.join('.'),
    from: stagePath(p.copy.stage, p.copy.path),
    pattern: p.copy.pattern ?? null,
    type: p.copy.format.type.toUpperCase(),
    onError: p.copy.onError.toUpperCase(),
    state: state.state,
    since: state.since,
    lastError: state.lastError ?? null,
    definition: p.definition,
  };
}
