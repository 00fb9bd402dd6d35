import { conflict, forbidden, invalid, isMayflyError, notFound } from '../core/errors.js';
import { checkName, quoteIdent } from '../core/names.js';
import type { DatabaseRef, TableVersion } from '../catalog/model.js';
import type { DuckEngine } from '../sql/duck-engine.js';
import type { TableReference } from '../sql/query-inspector.js';
import type { QueryResult } from '../sql/query-result.js';
import { describePosition } from '../sql/sql-tokenizer.js';
import { parseScript } from '../sql/statement-parser.js';
import { qualifyReferences, type QualifiedReference } from '../sql/reference-qualifier.js';
import type { AtClause, ObjectName, Statement } from '../sql/statements.js';
import type { BoundTable } from '../sql/table-relation.js';
import { rewriteTimeTravel, TIME_TRAVEL_CATALOG } from '../sql/time-travel-rewrite.js';
import { commitTree, writeOutsideTarget } from './committer.js';
import { loadFile, loadFiles, type FileLoad, type FileLoadResult, type LoadFilesOptions } from './file-loads.js';
import { runPipeStatement } from './pipe-objects.js';
import { checkStatementSyntax } from './statement-syntax.js';
import { runSchemaStatement } from './schema-statements.js';
import { runTableWrite } from './table-writes.js';
import type { Warehouse } from './warehouse.js';
import { SYSTEM_SCHEMA } from './system-tables.js';
import type { SchemaObject, WorkingTree } from './working-tree.js';

export { SYSTEM_SCHEMA } from './system-tables.js';

/** The outcome of one statement: its rows or its message, with the statement's text and time. */
export type StatementResult = Outcome & { readonly statement: string; readonly elapsedMs: number };

/** A fully qualified object name. */
export interface QualifiedName {
  readonly db: string;
  readonly schema: string;
  readonly name: string;
}

/** A database state a statement reads: the commit it started from and its tree. */
interface Snapshot {
  readonly commitId: string;
  readonly tree: WorkingTree;
}

const MAX_VIEW_DEPTH = 32;

/** How a session is opened. */
export interface SessionOptions {
  /**
   * For SQL Mayfly composes itself (pipe loads, system records): may call file table
   * functions on the engine's readable directories and write the system schema. Never for user text.
   */
  readonly trusted?: boolean;
  /** Who runs the session, reported with its activity (`query` by default; `pipe`, `dag`, `deploy`, …). */
  readonly purpose?: string;
  /**
   * Database names to read and write elsewhere: `{ prod: 'squad_c' }` makes
   * `prod.rdv.hub` mean `squad_c.rdv.hub`, so SQL written for production runs against a clone.
   */
  readonly redirect?: Readonly<Record<string, string>>;
  /**
   * Longest one statement may run (ms) before it is stopped with SQL_TIMEOUT;
   * default: the warehouse's statementTimeout, or jobStatementTimeout for sessions whose purpose is not `query`.
   */
  readonly statementTimeoutMs?: number;
  /**
   * The only database the session may change, for runs aimed at one target (DAG runs, deployments,
   * pipe loads, seeds). A commit to any other ref is refused by the committer, and database-level
   * statements (CREATE/DROP/ALTER … SWAP DATABASE) are refused outright, whatever got past text checks.
   */
  readonly writeOnly?: string;
}

/**
 * A SQL session against a current database. Each statement is atomic and
 * makes one commit; BEGIN … COMMIT groups statements on one database into one
 * commit. Queries run in the session's own sandboxed DuckDB.
 */
export class Session {
  private db: string;
  private schema = 'main';
  private txn: { db: string; base: string; tree: WorkingTree } | undefined;
  /** Snapshots taken by the running statement, so it reads each database once (emptied when each statement ends: bounded by one statement's databases). */
  private snapshots = new Map<string, Snapshot>();
  /**
   * Every database's ref, read once by the running statement when it first needs one:
   * a statement never sees half of a concurrent swap.
   */
  private refsRead: ReadonlyMap<string, DatabaseRef> | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  /** Tables as the engine reads them, by version object: weak, so it holds only versions the process still holds elsewhere (the manifests' bounded caches). */
  private readonly bound = new WeakMap<TableVersion, BoundTable>();
  /** The database the running statement committed to, if it did. */
  private wrote: string | undefined;
  /** Set while a statement given as user text runs in a trusted session (see RunOptions.asUser). */
  private asUser = false;

  constructor(
    readonly warehouse: Warehouse,
    readonly engine: DuckEngine,
    db: string,
    readonly options: SessionOptions = {},
  ) {
    this.db = db;
  }

  /** The current database. */
  get database(): string {
    return this.db;
  }

  /** Whether a transaction is open. */
  get inTransaction(): boolean {
    return this.txn !== undefined;
  }

  /**
   * Runs a script: every statement is parsed before any runs (a script that
   * does not parse runs nothing); statements then run in order and the first
   * failure stops the script (an open transaction is rolled back).
   */
  async run(script: string, onResult?: (r: StatementResult) => void, options: RunOptions = {}): Promise<readonly StatementResult[]> {
    return this.serially(() => this.runScript(script, onResult, options));
  }

  /** Runs one parsed statement. */
  async execute(statement: Statement, options: RunOptions = {}): Promise<StatementResult> {
    return this.serially(() => this.executeStatement(statement, options));
  }

  /** One statement or script at a time: the engine and the statement's snapshot belong to the session. */
  private serially<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async runScript(script: string, onResult: ((r: StatementResult) => void) | undefined, options: RunOptions): Promise<readonly StatementResult[]> {
    const statements = parseScript(script);
    if (statements.length === 0) throw invalid('SQL_EMPTY', 'no SQL statement given');
    for (const s of statements) {
      await checkStatementSyntax(this.engine, s).catch((e: unknown) => {
        if (isMayflyError(e) && e.kind !== 'internal') {
          e.message = `${e.message} — in statement at ${describePosition(script, s.offset)}: ${s.text.slice(0, 80)}${s.text.length > 80 ? '…' : ''} (nothing was run)`;
        }
        throw e;
      });
    }
    const results: StatementResult[] = [];
    for (const s of statements) {
      const r = await this.executeStatement(s, options);
      results.push(r);
      onResult?.(r);
    }
    return results;
  }

  /**
   * Appends a landing file's rows to a table of the current database and its
   * rejected rows to a rejects table (trusted sessions only), as one
   * statement: inside the open transaction, or as its own commit.
   */
  async loadFile(load: FileLoad): Promise<FileLoadResult> {
    if (!this.options.trusted) throw forbidden('SESSION_UNTRUSTED_READ', 'only trusted sessions load files');
    return this.serially(async () => (await this.asStatement(() => loadFile(this, load))).result);
  }

  /** Several landing files as one statement, their rows written together (file-loads.ts `loadFiles`); trusted sessions only. */
  async loadFiles(loads: readonly FileLoad[], options: LoadFilesOptions = {}): Promise<readonly FileLoadResult[]> {
    if (!this.options.trusted) throw forbidden('SESSION_UNTRUSTED_READ', 'only trusted sessions load files');
    return this.serially(async () => (await this.asStatement(() => loadFiles(this, loads, options))).result);
  }

  private async executeStatement(statement: Statement, options: RunOptions): Promise<StatementResult> {
    this.asUser = options.asUser ?? false;
    try {
      const { result, elapsedMs } = await this.asStatement(() => this.dispatch(statement, options));
      return { ...result, statement: statement.text, elapsedMs };
    } finally {
      this.asUser = false;
    }
  }

  /** Whether the running statement may use the session's trust (a statement run `asUser` may not). */
  private get trusted(): boolean {
    return (this.options.trusted ?? false) && !this.asUser;
  }

  /** Runs `work` as one statement: its own snapshots, its activity reported, an open transaction rolled back if it fails. */
  private async asStatement<T>(work: () => Promise<T>): Promise<{ result: T; elapsedMs: number }> {
    const started = performance.now();
    // Views and files bound for an earlier statement are not this statement's to read.
    this.engine.beginStatement();
    this.snapshots = new Map();
    this.refsRead = undefined;
    this.wrote = undefined;
    try {
      const result = await this.engine.bounded(work, this.statementTimeoutMs);
      const elapsedMs = performance.now() - started;
      this.warehouse.reportActivity({ db: this.wrote ?? this.db, kind: this.wrote ? 'write' : 'read', purpose: this.options.purpose ?? 'query', elapsedMs });
      return { result, elapsedMs };
    } catch (e) {
      if (this.txn) {
        this.txn = undefined;
        if (isMayflyError(e)) e.message += ' (the open transaction was rolled back)';
      }
      throw e;
    } finally {
      this.snapshots = new Map();
    }
  }

  /** How long one statement of this session may run (ms). */
  get statementTimeoutMs(): number {
    const { statementTimeoutMs, purpose = 'query' } = this.options;
    const settings = this.warehouse.settings;
    return statementTimeoutMs ?? (purpose === 'query' ? settings.statementTimeoutMs : settings.jobStatementTimeoutMs);
  }

  /** Closes the session's engine; an open transaction is discarded. */
  close(): void {
    this.txn = undefined;
    this.engine.close();
  }

  private async dispatch(s: Statement, options: RunOptions): Promise<Outcome> {
    switch (s.kind) {
      case 'query':
        return this.query(s.sql, s.explain, options.maxRows);
      case 'begin': {
        if (this.txn) throw invalid('TXN_ALREADY_OPEN', 'a transaction is already open; COMMIT or ROLLBACK it first');
        const snap = this.snapshot(this.db);
        this.txn = { db: this.db, base: snap.commitId, tree: snap.tree };
        return { kind: 'done', message: `transaction started on ${this.db}` };
      }
      case 'commit': {
        const t = this.requireTxn();
        this.txn = undefined;
        if (t.tree.changed.size === 0) return { kind: 'done', message: 'nothing to commit' };
        const c = commitTree(this.warehouse, t.db, t.base, t.tree, 'transaction', 'transaction', this.options.writeOnly);
        this.wrote = t.db;
        return { kind: 'done', message: `committed ${t.tree.changed.size} change(s) to ${t.db} as ${c.id.slice(0, 12)}` };
      }
      case 'rollback':
        this.requireTxn();
        this.txn = undefined;
        return { kind: 'done', message: 'transaction rolled back' };
      case 'use':
        return this.use(s.name);
      case 'insert':
      case 'update':
      case 'delete':
        return runTableWrite(this, s);
      case 'create_pipe':
      case 'drop_pipe':
      case 'show_pipes':
        return runPipeStatement(this, s);
      default:
        return runSchemaStatement(this, s);
    }
  }

  private async use(name: ObjectName): Promise<Outcome> {
    const [first = '', second] = name.parts;
    if (name.parts.length > 2) throw invalid('SQL_PARSE', 'USE takes a database or database.schema');
    // `USE x`: the database x, or else the schema x of the current database.
    const [db, schema] =
      second !== undefined ? [first, second] : this.refs().has(first) || !this.snapshot(this.db).tree.schemas.has(first) ? [first, 'main'] : [this.db, first];
    if (this.txn && db !== this.txn.db) throw invalid('TXN_CROSS_DATABASE', `a transaction on ${this.txn.db} is open; COMMIT or ROLLBACK before USE ${db}`);
    if (!this.snapshot(db).tree.schemas.has(schema)) throw notFound('SCHEMA_NOT_FOUND', `schema ${db}.${schema} does not exist`);
    this.db = db;
    this.schema = schema;
    return { kind: 'done', message: `using ${db}.${schema}` };
  }

  private async query(sql: string, explain: boolean, maxRows: number | undefined): Promise<Outcome> {
    const prepared = await this.prepareQuery(sql);
    const r = await this.engine.userQuery(explain ? `EXPLAIN ${prepared}` : prepared, maxRows !== undefined ? { maxRows } : {});
    return { kind: 'rows', ...r };
  }

  /**
   * Checks a query against the sandbox, binds every table and view it reads
   * (time-travel references as per-statement placeholders) and returns the
   * SQL to run, its table references fully qualified. `composed` is for SQL
   * Mayfly composed around user fragments it already checked.
   */
  async prepareQuery(sql: string, context: { db: string; schema: string } = { db: this.db, schema: this.schema }, options: { composed?: boolean } = {}): Promise<string> {
    // Mayfly's own wrapping may name `__mf` columns; only a trusted session may call file functions.
    const trusted = this.trusted;
    // Storage paths are Mayfly's own: no text a user wrote may name one (not even as a string value).
    if (this.engine.mentionsPrivatePath(sql)) throw forbidden('SQL_FORBIDDEN', "naming Mayfly's storage directories is not allowed: user SQL reads tables and views by name");
    const rewritten = rewriteTimeTravel(sql, { trusted: trusted || (options.composed ?? false) });
    for (const t of rewritten.tables) {
      const at = await this.timestamp(t.at);
      const target = this.qualify(t.name, context);
      const commitId = this.warehouse.commitAt(target.db, at, { schema: target.schema, table: target.name });
      const obj = this.warehouse.tree(commitId).object(target.schema, target.name);
      if (obj?.kind !== 'table') {
        throw notFound('TABLE_NOT_FOUND', `table ${format(target)} did not exist at ${new Date(at).toISOString()}`);
      }
      await this.engine.bindAt(t.placeholder, this.boundTable(obj.version));
    }
    return this.bindQuery(rewritten.sql, context, 0, new Set(rewritten.tables.map((t) => t.placeholder)));
  }

  /**
   * Binds what a query reads, recursively through views; returns the query with every reference
   * qualified. Every relation that is not a CTE in scope must be a Mayfly table or view (or, at the
   * top, one of this statement's time-travel placeholders): the engine resolves no name of its own.
   */
  private async bindQuery(sql: string, context: { db: string; schema: string }, depth: number, placeholders: ReadonlySet<string>): Promise<string> {
    if (depth > MAX_VIEW_DEPTH) throw invalid('VIEW_DEPTH', 'views nest too deeply (or refer to themselves)');
    // A view's text was checked when it was created, but is checked again: it is user SQL.
    const inspected = await this.engine.inspect(sql);
    const qualified: QualifiedReference[] = [];
    for (const ref of inspected.tables) {
      if (depth === 0 && isPlaceholder(ref, placeholders)) continue;
      const target = this.resolveReference(ref, context);
      const obj = this.lookup(target);
      if (!obj) throw notFound('TABLE_NOT_FOUND', `table or view ${format(target)} does not exist`);
      if (obj.kind === 'table') {
        await this.engine.bindTable(target.db, target.schema, target.name, this.boundTable(obj.version), obj.id);
      } else {
        const body = await this.bindQuery(obj.view.sql, { db: target.db, schema: target.schema }, depth + 1, new Set());
        await this.engine.bindView(target.db, target.schema, target.name, body);
      }
      // A reference DuckDB gave no location for cannot be qualified; left as written it resolves to nothing (the engine's default catalog is empty).
      if (ref.location !== undefined) qualified.push({ location: ref.location, text: quotedName(target) });
    }
    return qualifyReferences(sql, qualified);
  }

  /** Resolves a parsed table reference the way DuckDB does: `db.schema.t`, `schema.t` or `db.t`, then `t`. */
  private resolveReference(ref: TableReference, context: { db: string; schema: string }): QualifiedName {
    const parts = [ref.catalog, ref.schema, ref.name].filter((p) => p !== '').map((p) => p.toLowerCase());
    return this.qualify({ parts }, context, true);
  }

  /** Qualifies a name against a context database and schema; checks each part. */
  qualify(name: ObjectName, context: { db: string; schema: string } = { db: this.db, schema: this.schema }, reading = false): QualifiedName {
    const p = name.parts;
    let q: QualifiedName;
    if (p.length === 3) q = { db: p[0] ?? '', schema: p[1] ?? '', name: p[2] ?? '' };
    else if (p.length === 2) {
      const first = p[0] ?? '';
      const isSchema = this.snapshot(context.db).tree.schemas.has(first);
      q = !isSchema && this.refs().has(first) ? { db: first, schema: 'main', name: p[1] ?? '' } : { db: context.db, schema: first, name: p[1] ?? '' };
    } else {
      const n = p[0] ?? '';
      q = { db: context.db, schema: context.schema, name: n };
      if (reading && context.schema !== 'main' && !this.lookup(q) && this.lookup({ ...q, schema: 'main' })) q = { ...q, schema: 'main' };
    }
    const redirected = this.options.redirect?.[q.db];
    if (redirected !== undefined) q = { ...q, db: redirected };
    checkName(q.db, 'database');
    checkName(q.schema, 'schema');
    checkName(q.name, 'object');
    return q;
  }

  /** The table or view a qualified name points at, in the statement's snapshot. */
  lookup(q: QualifiedName): SchemaObject | undefined {
    if (!this.refs().has(q.db) && this.txn?.db !== q.db) throw notFound('DB_NOT_FOUND', `database ${q.db} does not exist`);
    return this.snapshot(q.db).tree.object(q.schema, q.name);
  }

  /** The table at `q`, or TABLE_NOT_FOUND. */
  requireTable(q: QualifiedName): { id: string; version: TableVersion } {
    const obj = this.lookup(q);
    if (obj?.kind !== 'table') throw notFound('TABLE_NOT_FOUND', `table ${format(q)} does not exist${obj ? ' (it is a view)' : ''}`);
    return obj;
  }

  /** The state a statement reads for `db`: the open transaction's tree, or the database as the statement began. */
  snapshot(db: string): Snapshot {
    if (this.txn?.db === db) return { commitId: this.txn.base, tree: this.txn.tree };
    let s = this.snapshots.get(db);
    if (!s) {
      const ref = this.refs().get(db) ?? this.warehouse.requireRef(db);
      s = { commitId: ref.commitId, tree: this.warehouse.tree(ref.commitId) };
      this.snapshots.set(db, s);
    }
    return s;
  }

  /**
   * Applies a change to database `db`: inside the open transaction, or as a
   * commit of its own (replayed if another session committed other objects meanwhile).
   * `system` is Mayfly's own change to the system schema beside the statement's
   * (a clone's load history), applied after the read-only check.
   */
  async mutate<T>(db: string, message: string, change: (tree: WorkingTree) => Promise<T>, system?: (tree: WorkingTree) => void): Promise<T> {
    // Early and readable; the committer checks again where the ref moves.
    const only = this.options.writeOnly;
    if (only !== undefined && db !== only) throw writeOutsideTarget(db, only);
    if (this.txn) {
      if (this.txn.db !== db) throw invalid('TXN_CROSS_DATABASE', `the open transaction writes ${this.txn.db}; a transaction cannot also write ${db}`);
      const check = this.systemWriteCheck(db, this.txn.tree);
      const result = await change(this.txn.tree);
      check();
      system?.(this.txn.tree);
      return result;
    }
    // The base is the state the statement read, so a concurrent change to what it read is a conflict, not a lost update.
    // The statement's own snapshot tree takes the change: it is read once and dropped when the statement ends.
    const { commitId, tree } = this.snapshot(db);
    const check = this.systemWriteCheck(db, tree);
    const result = await change(tree);
    if (tree.changed.size > 0) {
      check();
      system?.(tree);
      commitTree(this.warehouse, db, commitId, tree, message.slice(0, 500), 'statement', this.options.writeOnly);
      this.wrote = db;
    }
    return result;
  }

  /**
   * User SQL may read the system schema but not change it. Taken before a
   * change, returns the check to run after it: it compares the system schema
   * before and after this statement alone, so a trusted statement earlier in the
   * same transaction (a deployment's log entry) does not count against it. A
   * refused change is never committed (an open transaction is rolled back).
   */
  private systemWriteCheck(db: string, tree: WorkingTree): () => void {
    if (this.trusted) return () => undefined;
    const before = systemState(tree);
    return () => {
      if (systemState(tree) !== before) {
        throw forbidden('SYSTEM_SCHEMA_READ_ONLY', `${db}.${SYSTEM_SCHEMA} holds Mayfly's records (load history, deployments) and is read-only; nothing was applied`);
      }
    };
  }

  /**
   * Refuses a database-level change (create, clone, drop, swap) in a session confined to one database
   * (SessionOptions.writeOnly): it moves refs other than the target's, or the target's own ref wholesale.
   */
  refuseDatabaseChange(what: string): void {
    const only = this.options.writeOnly;
    if (only !== undefined) {
      throw forbidden('DATABASE_STATEMENT_FORBIDDEN', `${what} is not allowed here: this run changes the contents of database ${only} only (nothing was applied)`);
    }
  }

  /** Refuses statements that cannot run inside a transaction. */
  outsideTransaction(what: string): void {
    if (this.txn) throw conflict('TXN_UNSUPPORTED', `${what} cannot run inside a transaction; COMMIT or ROLLBACK first`);
  }

  /** Evaluates an AT clause (a constant expression: no table, column or subquery) to ms since the epoch. */
  async timestamp(at: AtClause): Promise<number> {
    if (this.engine.mentionsPrivatePath(at.timestampSql)) throw forbidden('SQL_FORBIDDEN', "naming Mayfly's storage directories is not allowed");
    return this.engine.evalTimestamp(at.timestampSql);
  }

  /** A table version as the engine reads it (made once per version object: mapping every file is O(files)). */
  boundTable(v: TableVersion): BoundTable {
    const known = this.bound.get(v);
    if (known) return known;
    const store = this.warehouse.store;
    const table: BoundTable = {
      columns: v.columns,
      files: v.files.map((f) => ({ key: f.key, path: store.localPath(f.key), columnIds: f.columnIds })),
      deletes: v.deletes.map((d) => ({ path: store.localPath(d.key), targets: d.targets })),
    };
    this.bound.set(v, table);
    return table;
  }

  /** The current schema. */
  get currentSchema(): string {
    return this.schema;
  }

  /** Forgets the current database after it was dropped or renamed away. */
  fallBackTo(db: string): void {
    this.db = db;
    this.schema = 'main';
  }

  private refs(): ReadonlyMap<string, DatabaseRef> {
    this.refsRead ??= new Map(this.warehouse.catalog.listRefs().map((r) => [r.name, r]));
    return this.refsRead;
  }

  private requireTxn(): { db: string; base: string; tree: WorkingTree } {
    if (!this.txn) throw invalid('TXN_NOT_OPEN', 'no transaction is open');
    return this.txn;
  }
}

/** Options of {@link Session.run}. */
export interface RunOptions {
  /** Fetch at most this many rows of each query (the result says `truncated` when there were more). */
  readonly maxRows?: number;
  /**
   * The script is a user's text run inside a trusted session (a deployment script
   * beside its log entry): it is sandboxed as user SQL and may not change the system schema.
   */
  readonly asUser?: boolean;
}

/** True for `"__mf_at"."tN"`, a time-travel placeholder this statement bound. */
function isPlaceholder(ref: TableReference, placeholders: ReadonlySet<string>): boolean {
  const inCatalog = (ref.catalog === TIME_TRAVEL_CATALOG && (ref.schema === '' || ref.schema === 'main')) || (ref.catalog === '' && ref.schema === TIME_TRAVEL_CATALOG);
  return inCatalog && placeholders.has(ref.name);
}

/** The system schema of a tree as one comparable value (undefined when it does not exist). */
function systemState(tree: WorkingTree): string | undefined {
  const s = tree.schemas.get(SYSTEM_SCHEMA);
  if (!s) return undefined;
  const entries = <V>(m: ReadonlyMap<string, V> | undefined): [string, V][] => [...(m ?? new Map<string, V>())].sort(([a], [b]) => a.localeCompare(b));
  return JSON.stringify([entries(s.tables), entries(s.views), entries(s.pipes)]);
}

/** What a statement handler returns: a query's rows (see QueryResult), or a message; the session adds text and timing. */
export type Outcome = ({ readonly kind: 'rows' } & QueryResult) | { readonly kind: 'done'; readonly message: string; readonly rowsAffected?: number };

/** `db.schema.name`, for messages. */
export function format(q: QualifiedName): string {
  return `${q.db}.${q.schema}.${q.name}`;
}

/** `"db"."schema"."name"`, for SQL. */
export function quotedName(q: QualifiedName): string {
  return `${quoteIdent(q.db)}.${quoteIdent(q.schema)}.${quoteIdent(q.name)}`;
}
