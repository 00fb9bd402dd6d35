import { conflict, forbidden, internal, invalid, notFound } from '../core/errors.js';
import { checkName } from '../core/names.js';
import type { Clock } from '../core/clock.js';
import type { Catalog } from '../catalog/catalog.js';
import type { Commit, DatabaseRef } from '../catalog/model.js';
import type { ObjectStore } from '../storage/object-store.js';
import { initialCommit, type CommitContext } from './committer.js';
import type { CompactOptions, CompactReport } from './compactor.js';
import type { GcOptions, GcReport } from './garbage-collector.js';
import { forEachFile, type WarehouseMetrics } from './storage-metrics.js';
import { updateFileReferences } from './file-references.js';
import { maintainedStorageMetrics } from './maintained-metrics.js';
// Sessions (the SQL layer), GC and compaction are imported where they are used: listing and lifecycle commands never load them.
import type { Session, SessionOptions } from './session.js';
import { SYSTEM_SCHEMA, TABLE_KEYED_SYSTEM_TABLES } from './system-tables.js';
import { checkNotPurged, recordPurgeBoundary, type PurgeBoundary, type TimeTravelScope } from './purge-boundaries.js';
import type { ActivityEvent, ActivityListener } from './activity.js';
import type { ControlStore } from './control-store.js';
import { prunedBaseConflict } from './pruned-base.js';
import { timeoutProblem, type WarehouseSettings } from './warehouse-settings.js';
import { liveRows, tableBytes } from './table-stats.js';
import { WorkingTree } from './working-tree.js';

/** A database as listed. */
export interface DatabaseInfo {
  readonly name: string;
  readonly commitId: string;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly isClone: boolean;
  readonly source?: { readonly database: string; readonly commitId: string; readonly at: number };
  readonly schemas: number;
  readonly tables: number;
  readonly views: number;
}

/** A table as listed by `db show`. */
export interface TableInfo {
  readonly schema: string;
  readonly name: string;
  readonly kind: 'table' | 'view';
  readonly rows: number;
  readonly files: number;
  readonly bytes: number;
  readonly columns: number;
}

/** The timing of a data-plane operation. */
export interface Timed {
  readonly elapsedMs: number;
}

/**
 * The data-plane facade: databases as versioned refs over immutable Parquet
 * files, O(1) clones, time travel, swaps, SQL sessions. The control plane
 * talks to this, never to the catalog, the store or the engine.
 */
export class Warehouse implements CommitContext {
  private readonly activityListeners = new Set<ActivityListener>();

  constructor(
    readonly catalog: Catalog,
    readonly store: ObjectStore,
    readonly clock: Clock,
    readonly settings: WarehouseSettings,
  ) {}

  /** Creates the production database if the warehouse is new; returns whether it did. */
  init(): boolean {
    return this.catalog.atomically(() => {
      if (this.catalog.getRef(this.settings.production)) return false;
      this.placeRef(this.settings.production, initialCommit(this, WorkingTree.empty(this.catalog), 'init').id, 'init');
      return true;
    });
  }

  /** Every database with its counts. */
  listDatabases(): readonly DatabaseInfo[] {
    return this.catalog.snapshot(() => this.catalog.listRefs().map((r) => this.info(r)));
  }

  /** One database, or DB_NOT_FOUND. */
  database(name: string): DatabaseInfo {
    return this.catalog.snapshot(() => this.info(this.requireRef(name)));
  }

  /** The tables and views of a database with their sizes. */
  tables(name: string): readonly TableInfo[] {
    return this.catalog.snapshot(() => {
      const tree = this.tree(this.requireRef(name).commitId);
      const out: TableInfo[] = [];
      for (const [schema, s] of [...tree.schemas].sort(([a], [b]) => a.localeCompare(b))) {
        for (const [t, id] of [...s.tables].sort(([a], [b]) => a.localeCompare(b))) {
          const v = tree.tableVersion(id);
          out.push({ schema, name: t, kind: 'table', rows: liveRows(v), files: v.files.length, bytes: tableBytes(v), columns: v.columns.length });
        }
        for (const v of [...s.views.keys()].sort()) out.push({ schema, name: v, kind: 'view', rows: 0, files: 0, bytes: 0, columns: 0 });
      }
      return out;
    });
  }

  /** Creates an empty database with a `main` schema (`replace` swaps out an existing one atomically). */
  createDatabase(name: string, options: { replace?: boolean } = {}): DatabaseInfo & Timed {
    const started = performance.now();
    checkName(name, 'database');
    return this.catalog.atomically(() => {
      const commit = initialCommit(this, WorkingTree.empty(this.catalog), `create database ${name}`);
      const ref = this.placeRef(name, commit.id, 'create', options);
      return { ...this.info(ref), elapsedMs: performance.now() - started };
    });
  }

  /**
   * Clones a database: one new ref at the source's commit (or the commit it
   * had at `at`). O(1): no table, file or row is read or written. With
   * `schemas`, the clone holds only those schemas (one new commit, still no
   * data copied).
   */
  cloneDatabase(name: string, source: string, options: { at?: number; replace?: boolean; schemas?: readonly string[] } = {}): DatabaseInfo & Timed {
    const started = performance.now();
    checkName(name, 'database');
    for (const s of options.schemas ?? []) checkName(s, 'schema');
    return this.catalog.atomically(() => {
      const scope = options.schemas?.length ? { schemas: options.schemas } : undefined;
      const sourceCommit = options.at === undefined ? this.requireRef(source).commitId : this.commitAt(source, options.at, scope);
      const commitId = options.schemas?.length ? this.schemaSubset(source, sourceCommit, options.schemas).id : sourceCommit;
      const point = { database: source, commitId: sourceCommit, at: options.at ?? this.clock.now() };
      const ref = this.placeRef(name, commitId, `clone ${source}`, { replace: options.replace ?? false, source: point });
      return { ...this.info(ref), elapsedMs: performance.now() - started };
    });
  }

  /** A commit holding only some schemas of a source commit (and an empty `main` if it is not one of them). */
  private schemaSubset(source: string, commitId: string, schemas: readonly string[]): Commit {
    const from = this.tree(commitId);
    const tree = WorkingTree.empty(this.catalog);
    for (const s of schemas) {
      const content = from.schemas.get(s);
      if (!content) throw notFound('SCHEMA_NOT_FOUND', `schema ${source}.${s} does not exist (schemas: ${[...from.schemas.keys()].join(', ')})`);
      tree.setSchema(s, content);
    }
    // The load history travels too (O(1): the same table versions), so a pipe resumed in the clone loads only new files.
    const system = from.schemas.get(SYSTEM_SCHEMA);
    if (system && !schemas.includes(SYSTEM_SCHEMA)) {
      const carried = TABLE_KEYED_SYSTEM_TABLES.filter((t) => system.tables.has(t));
      if (carried.length > 0) tree.setSchema(SYSTEM_SCHEMA, { tables: new Map(carried.map((t) => [t, system.tables.get(t) as string])), views: new Map() });
    }
    return initialCommit(this, tree, `clone ${schemas.join(', ')} from ${source}`);
  }

  /** Drops a database (production only with `force`). Its files stay while other databases or time travel need them. */
  dropDatabase(name: string, options: { force?: boolean } = {}): Timed {
    const started = performance.now();
    if (name === this.settings.production && !options.force) {
      throw forbidden('PROD_PROTECTED', `${name} is the production database; Mayfly does not drop it`);
    }
    this.catalog.atomically(() => {
      const ref = this.requireRef(name);
      this.catalog.deleteRef(name, this.clock.now(), 'drop');
      updateFileReferences(this.catalog, ref.commitId, null);
    });
    return { elapsedMs: performance.now() - started };
  }

  /** Exchanges the content of two databases atomically (swap again to go back). */
  swapDatabases(a: string, b: string): Timed {
    const started = performance.now();
    if (a === b) throw invalid('SWAP_SAME', 'cannot swap a database with itself');
    this.catalog.atomically(() => {
      const ra = this.requireRef(a);
      const rb = this.requireRef(b);
      const at = this.clock.now();
      this.catalog.moveRef(a, rb.commitId, at, `swap with ${b}`);
      this.catalog.moveRef(b, ra.commitId, at, `swap with ${a}`);
      // The file reference index is unchanged: the same trees are live, each held by one database as before.
    });
    return { elapsedMs: performance.now() - started };
  }

  /** Opens a SQL session whose current database is `db` (production by default). Close it when done. */
  async session(db: string = this.settings.production, options: SessionOptions & { readonly readableDirs?: readonly string[] } = {}): Promise<Session> {
    this.requireRef(db);
    if (options.readableDirs?.length && !options.trusted) throw internal('SESSION_UNTRUSTED_READ', 'only trusted sessions may read directories outside the object store');
    const unsafe = options.statementTimeoutMs === undefined ? undefined : timeoutProblem(options.statementTimeoutMs, this.settings);
    if (unsafe) throw invalid('STATEMENT_TIMEOUT_UNSAFE', unsafe);
    const { readableDirs = [], ...sessionOptions } = options;
    // DuckDB is loaded with the first session, not with the warehouse: lifecycle and listing commands never pay for it.
    const [{ DuckEngine }, { Session }] = await Promise.all([import('../sql/duck-engine.js'), import('./session.js')]);
    const engine = await DuckEngine.create({
      objectDirs: this.store.engineDirs,
      readDirs: readableDirs,
      stagingDir: this.store.stagingDir,
      threads: this.settings.threads,
      memoryLimit: this.settings.memoryLimit,
    });
    return new Session(this, engine, db, sessionOptions);
  }

  /** The control plane's records and event log, in the catalog beside the refs. */
  get control(): ControlStore {
    return this.catalog;
  }

  /** Registers a listener for every statement's activity; returns a function that removes it. */
  onActivity(listener: ActivityListener): () => void {
    this.activityListeners.add(listener);
    return () => this.activityListeners.delete(listener);
  }

  /** Called by sessions after each statement. */
  reportActivity(event: Omit<ActivityEvent, 'at'>): void {
    if (this.activityListeners.size === 0) return;
    const e = { ...event, at: this.clock.now() };
    for (const l of this.activityListeners) l(e);
  }

  /** Every file a database references (data files and delete vectors), once each, with a local path to read it. */
  databaseFiles(name: string): readonly { key: string; bytes: number; path: string }[] {
    const files = new Map<string, number>();
    forEachFile(this.tree(this.requireRef(name).commitId), (key, bytes) => files.set(key, bytes));
    return [...files].map(([key, bytes]) => ({ key, bytes, path: this.store.localPath(key) }));
  }

  /**
   * Storage split per database and table: all databases, one (DB_NOT_FOUND if
   * it does not exist), or those of a list that exist. Read from the file
   * reference index kept at each ref change, so it costs the databases shown.
   */
  metrics(db?: string | readonly string[]): WarehouseMetrics {
    if (typeof db === 'string') this.requireRef(db);
    return maintainedStorageMetrics(this.catalog, typeof db === 'string' ? [db] : db);
  }

  /** Mark-and-sweep garbage collection; safe while other sessions write. */
  gc(options: GcOptions = {}): Promise<GcReport> {
    return import('./garbage-collector.js').then(({ collectGarbage }) => collectGarbage(this, options));
  }

  /** Rewrites the files whose deletes or sizes warrant it (production, one database, or all). */
  async compact(options: CompactOptions = {}): Promise<CompactReport> {
    const { compactTables } = await import('./compactor.js');
    return compactTables(this, options);
  }

  /** The ref of a database, or DB_NOT_FOUND saying where to find the names that exist. */
  requireRef(name: string): DatabaseRef {
    const ref = this.catalog.getRef(name);
    if (!ref) {
      // Not the list of every database: existence checks land here, and their cost must not grow with the number of clones.
      throw notFound('DB_NOT_FOUND', `database ${name} does not exist; \`mayfly db list\` lists the databases`);
    }
    return ref;
  }

  /** The working tree of a commit. */
  tree(commitId: string): WorkingTree {
    try {
      return WorkingTree.load(this.catalog, this.catalog.getCommit(commitId).tree);
    } catch (e) {
      throw prunedBaseConflict(e);
    }
  }

  /**
   * The commit database `name` pointed at, at time `at`, within the time-travel
   * window. `scope` says what the caller reads of it (one table, some schemas,
   * or all): a read that would return rows retention purged is refused with
   * RETENTION_PURGED (see {@link checkNotPurged}).
   */
  commitAt(name: string, at: number, scope?: TimeTravelScope): string {
    const now = this.clock.now();
    const oldest = now - this.settings.timeTravelMs;
    if (at > now) throw invalid('TIME_TRAVEL_FUTURE', `${new Date(at).toISOString()} is in the future`);
    if (at < oldest) {
      throw invalid(
        'TIME_TRAVEL_OUT_OF_RANGE',
        `${new Date(at).toISOString()} is outside the time-travel window (oldest: ${new Date(oldest).toISOString()})`,
      );
    }
    const id = this.catalog.refAt(name, at);
    if (!id) throw notFound('DB_NOT_FOUND', `database ${name} did not exist at ${new Date(at).toISOString()}`);
    const current = (): WorkingTree | undefined => {
      const ref = this.catalog.getRef(name);
      return ref && this.tree(ref.commitId);
    };
    checkNotPurged(this.catalog, name, at, () => this.tree(id), current, scope);
    return id;
  }

  /**
   * Records that retention purged rows of a table of `db` (called by the
   * control plane after the purge committed): from now on no time travel
   * returns them, and GC reclaims the files that held only them.
   */
  recordPurge(boundary: PurgeBoundary): void {
    recordPurgeBoundary(this.catalog, boundary);
  }

  /** Creates ref `name` at a commit (inside a transaction); an existing database is replaced only when asked, production never. */
  private placeRef(name: string, commitId: string, reason: string, options: { replace?: boolean; source?: DatabaseRef['source'] } = {}): DatabaseRef {
    const now = this.clock.now();
    const existing = this.catalog.getRef(name);
    if (existing) {
      if (!options.replace) throw conflict('DB_EXISTS', `database ${name} already exists; drop it first or choose another name`);
      if (name === this.settings.production) throw forbidden('PROD_PROTECTED', `${name} is the production database and cannot be replaced`);
      this.catalog.deleteRef(name, now, 'replace');
    }
    const ref: DatabaseRef = { name, commitId, createdAt: now, ...(options.source ? { source: options.source } : {}) };
    this.catalog.createRef(ref, reason);
    updateFileReferences(this.catalog, existing?.commitId ?? null, commitId);
    return ref;
  }

  private info(ref: DatabaseRef): DatabaseInfo {
    const commit = this.catalog.getCommit(ref.commitId);
    const tree = WorkingTree.load(this.catalog, commit.tree);
    let tables = 0;
    let views = 0;
    for (const s of tree.schemas.values()) {
      tables += s.tables.size;
      views += s.views.size;
    }
    return {
      name: ref.name,
      commitId: ref.commitId,
      createdAt: ref.createdAt,
      // A fresh clone shares its source's commit; it was last changed when it was made.
      updatedAt: Math.max(commit.createdAt, ref.createdAt),
      isClone: ref.source !== undefined,
      ...(ref.source ? { source: ref.source } : {}),
      schemas: tree.schemas.size,
      tables,
      views,
    };
  }
}
