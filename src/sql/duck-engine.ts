import { mkdirSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { conflict, invalid, internal, isMayflyError, MayflyError } from '../core/errors.js';
import { formatDuration } from '../core/duration.js';
import { randomId } from '../core/ids.js';
import { quoteIdent, quoteLiteral } from '../core/names.js';
import { FileReach, mentionsAny } from './file-reach.js';
import { inspectParseTree, type InspectedQuery } from './query-inspector.js';
import type { ScopeRules } from './relation-scope.js';
import { cellShape } from './cell-shape.js';
import { tidyCell, type Cell, type QueryResult } from './query-result.js';
import { tableRelationSql, type BoundTable } from './table-relation.js';
import { TIME_TRAVEL_CATALOG as AT_CATALOG } from './time-travel-rewrite.js';

/** Options of one engine: where it may read and stage, and its resources. */
export interface EngineOptions {
  /**
   * The object store's directories: their files are readable only once a statement binds
   * them (see FileReach), never by path. Staging is given separately.
   */
  readonly objectDirs?: readonly string[];
  /** Other directories DuckDB may read as they are (landing files of a trusted pipe session). */
  readonly readDirs: readonly string[];
  /** Where the engine writes Parquet (its own subdirectory) and spills. */
  readonly stagingDir: string;
  readonly threads?: number;
  readonly memoryLimit?: string;
}

/** A file the engine wrote into the staging directory, with its row count. */
export interface StagedFile {
  readonly path: string;
  readonly rows: number;
}

/** Views kept bound across statements, at most: each holds its table's file list, here and in DuckDB's catalog. */
const MAX_BOUND_RELATIONS = 512;

/** A view the engine defined, and what it was bound for. */
interface BoundRelation {
  readonly db: string;
  readonly schema: string;
  readonly name: string;
  readonly version: string;
  readonly paths: readonly string[];
  /** The statement that last bound or re-used it. */
  readonly used: number;
}

/** The quoted three-part name of a relation. */
function relationName(db: string, schema: string, name: string): string {
  return `${quoteIdent(db)}.${quoteIdent(schema)}.${quoteIdent(name)}`;
}

/** The empty catalog unqualified names resolve against: every name Mayfly binds is qualified, so an unqualified one finds nothing. */
const NOWHERE = '__mf_nowhere';

/**
 * One sandboxed DuckDB instance: the only place Mayfly talks to DuckDB.
 * Tables are bound as views over Parquet files; user SQL runs with external
 * access disabled, reads limited to the files the running statement bound
 * (FileReach) and the engine's own staging directory, and settings locked.
 */
export class DuckEngine {
  /**
   * Bound relation → its version and the store paths it reads (re-reached when a later statement binds it again),
   * least recently used first; at most {@link MAX_BOUND_RELATIONS}, so a long session over many databases stays bounded.
   */
  private readonly bound = new Map<string, BoundRelation>();
  /** Attached databases and created schemas: one entry per database or schema ever bound, never per commit or statement. */
  private readonly catalogs = new Set<string>();
  private readonly schemas = new Set<string>();
  private statementNo = 0;

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly conn: DuckDBConnection,
    private readonly stagingDir: string,
    private readonly tempDir: string,
    private readonly files: FileReach,
    private readonly privateDirs: readonly string[],
  ) {}

  /** Starts an engine and locks it down. */
  static async create(options: EngineOptions): Promise<DuckEngine> {
    const id = randomId();
    const tmp = join(options.stagingDir, `duckdb-${id}`);
    // The engine writes and reads back only its own staging subdirectory, not other sessions' files in flight.
    const staging = join(options.stagingDir, `engine-${id}`);
    const reach = new FileReach(join(options.stagingDir, `reach-${id}`), join(options.stagingDir, `parked-${id}`), options.objectDirs ?? []);
    mkdirSync(staging, { recursive: true });
    reach.begin();
    const instance = await DuckDBInstance.create(':memory:', {
      threads: String(options.threads ?? 2),
      memory_limit: options.memoryLimit ?? '4GB',
      temp_directory: tmp,
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
    });
    const conn = await instance.connect();
    const dirs = [...options.readDirs, staging + '/', reach.dir + '/'].map(quoteLiteral).join(', ');
    await conn.run(`SET allowed_directories = [${dirs}]`);
    // Data files are immutable and named by content, so their Parquet footers can be cached safely.
    await conn.run('SET parquet_metadata_cache = true');
    await conn.run('SET enable_external_access = false');
    await conn.run('SET lock_configuration = true');
    await conn.run(`ATTACH ':memory:' AS ${AT_CATALOG}`);
    await conn.run(`ATTACH ':memory:' AS ${NOWHERE}`);
    await conn.run(`USE ${NOWHERE}.main`);
    const privateDirs = [...(options.objectDirs ?? []), options.stagingDir, tmp];
    return new DuckEngine(instance, conn, staging, tmp, reach, privateDirs);
  }

  /** Starts a statement: files and views bound for earlier statements become unreachable. */
  beginStatement(): void {
    this.statementNo++;
    this.files.begin();
  }

  /** True when text names one of the engine's private directories (the object store, staging): user SQL may not. */
  mentionsPrivatePath(sql: string): boolean {
    // The object store's directories are among privateDirs.
    return mentionsAny(sql, this.privateDirs);
  }

  /** Parses a query and checks it against the sandbox (relation-scope.ts); lists the tables it reads. */
  async inspect(sql: string, rules: ScopeRules = {}): Promise<InspectedQuery> {
    const r = await this.exec(`SELECT json_serialize_sql(${quoteLiteral(sql)}) AS j`);
    const json = r.rows[0]?.j;
    if (typeof json !== 'string') throw internal('ENGINE_PARSE', 'the engine returned no parse tree');
    return inspectParseTree(json, sql, rules);
  }

  /**
   * Parses SQL with DuckDB's parser without binding or running it, so a
   * script can be checked whole before its first statement runs.
   */
  async checkSyntax(sql: string): Promise<void> {
    try {
      const extracted = await this.conn.extractStatements(sql);
      if (extracted.count !== 1) throw invalid('SQL_PARSE', 'expected exactly one statement');
    } catch (e) {
      if (isMayflyError(e)) throw e;
      const message = (e instanceof Error ? e.message : String(e)).replace(/^(Failed to extract statements: )?Parser Error: /, '');
      throw invalid('SQL_PARSE', message.split('\n')[0] ?? message);
    }
  }

  /** Column names and types a query would return. */
  async describe(sql: string): Promise<readonly { name: string; type: string }[]> {
    this.files.prune();
    const r = await this.exec(`DESCRIBE ${sql}`, { userSql: true });
    return r.rows.map((row) => ({ name: String(row.column_name), type: String(row.column_type) }));
  }

  /** Creates a scratch table from `CREATE TABLE x (…)` column definitions and returns its columns (validates types). */
  async columnsOf(columnsSql: string): Promise<readonly { name: string; type: string }[]> {
    const name = `__mf_cols_${randomId()}`;
    await this.exec(`CREATE TEMP TABLE ${name} ${columnsSql}`);
    try {
      // Mayfly writes rows itself and would never apply a DEFAULT or GENERATED expression: refuse them rather than store NULLs.
      const computed = await this.exec(`SELECT column_name AS n FROM duckdb_columns() WHERE table_name = ${quoteLiteral(name)} AND column_default IS NOT NULL`);
      const first = computed.rows[0]?.n;
      if (first !== undefined) {
        throw invalid('COLUMN_DEFAULT_UNSUPPORTED', `column ${String(first)} has a DEFAULT or GENERATED expression, which Mayfly does not apply; remove it and write the value in INSERT`);
      }
      return await this.describe(`SELECT * FROM ${name}`);
    } finally {
      await this.run(`DROP TABLE IF EXISTS temp.${name}`);
    }
  }

  /** The normalised DuckDB name of a type, or a clear error. */
  async normaliseType(typeSql: string): Promise<string> {
    const r = await this.exec(`SELECT typeof(CAST(NULL AS ${typeSql})) AS t`);
    return String(r.rows[0]?.t);
  }

  /**
   * Evaluates the expression of `AT (TIMESTAMP => …)` as a point in time (ms since epoch).
   * It must be constant (no table, column or subquery), and a failure says so without DuckDB's
   * message, which could quote a value.
   */
  async evalTimestamp(exprSql: string): Promise<number> {
    const shown = exprSql.length > 80 ? `${exprSql.slice(0, 80)}…` : exprSql;
    await this.inspect(`SELECT (${exprSql}\n)`, { constantOnly: true });
    const r = await this.exec(`SELECT epoch_ms(CAST((${exprSql}\n) AS TIMESTAMPTZ)) AS ms`).catch((e: unknown) => {
      if (isMayflyError(e) && e.kind === 'internal') throw e;
      throw invalid('INVALID_TIMESTAMP', `not a point in time: ${shown}; write a constant timestamp such as '2026-12-01 08:00:00' or current_timestamp - INTERVAL 1 HOUR`);
    });
    const ms = r.rows[0]?.ms;
    if (typeof ms !== 'number') throw invalid('INVALID_TIMESTAMP', `not a point in time: ${shown}`);
    return ms;
  }

  /** Makes `db.schema.name` read `table`; re-binds only when `version` changed. */
  async bindTable(db: string, schema: string, name: string, table: BoundTable, version: string): Promise<void> {
    await this.bindRelation(db, schema, name, () => tableRelationSql(this.reachTable(table)), version, filesOf(table));
  }

  /**
   * Makes `db.schema.name` read the table with each row's file key and
   * position as extra columns, for the DELETE or UPDATE about to run; the
   * next ordinary bind of the table replaces it.
   */
  async bindTableForWrite(db: string, schema: string, name: string, table: BoundTable, version: string): Promise<void> {
    await this.bindRelation(db, schema, name, () => tableRelationSql(this.reachTable(table), true), `write:${version}`, filesOf(table));
  }

  /** Makes `db.schema.name` a view over user SQL (already checked). */
  async bindView(db: string, schema: string, name: string, sql: string): Promise<void> {
    await this.bindRelation(db, schema, name, () => sql, `view:${sql}`, []);
  }

  /** Binds a per-statement time-travel placeholder (`__mf_at.tN`). */
  async bindAt(placeholder: string, table: BoundTable): Promise<void> {
    await this.define(`CREATE OR REPLACE VIEW ${AT_CATALOG}.main.${quoteIdent(placeholder)} AS ${tableRelationSql(this.reachTable(table))}`);
  }

  /**
   * Runs a checked user query (every relation qualified by Mayfly) and returns its rows; with
   * `maxRows`, streams and stops after that many. Unlike {@link query}, its text is never searched for file paths.
   */
  async userQuery(sql: string, options: { maxRows?: number } = {}): Promise<QueryResult> {
    this.files.prune();
    return this.exec(sql, { ...options, userSql: true });
  }

  /**
   * Runs SQL Mayfly composed and returns its rows; object-store paths named in its string
   * literals are made reachable for the running statement.
   */
  async query(sql: string, options: { maxRows?: number } = {}): Promise<QueryResult> {
    const reached = this.files.reachLiterals(sql);
    this.files.prune();
    return this.exec(reached, options);
  }

  /**
   * Writes the rows of `selectSql` as Parquet into the staging directory,
   * split at about `targetFileBytes`; returns the files with their row counts.
   * Each write is tagged with a unique id in the file's metadata, so two
   * writes of identical rows never share a content key (delete vectors
   * address rows by file key and position).
   */
  async writeParquet(selectSql: string, targetFileBytes: number): Promise<readonly StagedFile[]> {
    selectSql = this.files.reachLiterals(selectSql);
    this.files.prune();
    const dir = join(this.stagingDir, randomId());
    mkdirSync(this.stagingDir, { recursive: true });
    const r = await this.exec(
      `COPY (${selectSql}\n) TO ${quoteLiteral(dir)} (FORMAT parquet, COMPRESSION zstd, FILE_SIZE_BYTES ${Math.max(1, Math.floor(targetFileBytes))}, KV_METADATA {mayfly_write: ${quoteLiteral(randomId())}}, RETURN_FILES true)`,
    ).catch(async (e: unknown) => {
      await rm(dir, { recursive: true, force: true });
      throw e;
    });
    const files = (r.rows[0]?.Files ?? []) as string[];
    if (files.length === 0) return [];
    // One file (the usual small write) holds every row COPY counted; only a split write needs the footers read.
    if (files.length === 1) return [{ path: files[0] ?? '', rows: Number(r.rows[0]?.Count ?? 0) }];
    const counts = await this.exec(
      `SELECT file_name AS f, SUM(num_rows)::BIGINT AS n FROM parquet_file_metadata([${files.map(quoteLiteral).join(', ')}]) GROUP BY file_name`,
    );
    const byFile = new Map(counts.rows.map((row) => [String(row.f), Number(row.n)]));
    return files.map((path) => ({ path, rows: byFile.get(path) ?? 0 }));
  }

  /** Runs internal SQL that returns nothing (temp tables of the write path); object-store literals as in {@link query}. */
  async run(sql: string): Promise<void> {
    const reached = this.files.reachLiterals(sql);
    this.files.prune();
    await this.wrap(() => this.conn.run(reached));
  }

  /** Closes the engine and removes its spill, staging and link directories. */
  close(): void {
    this.conn.closeSync();
    this.instance.closeSync();
    rmSync(this.tempDir, { recursive: true, force: true });
    rmSync(this.stagingDir, { recursive: true, force: true });
    this.files.close();
  }

  /** Runs DDL of the engine's own (views, schemas): it reads no file, so links are left as they are. */
  private async define(sql: string): Promise<void> {
    await this.wrap(() => this.conn.run(sql));
  }

  /** The table with each walled file replaced by its link, reached for the running statement. */
  private reachTable(table: BoundTable): BoundTable {
    const links = this.files.reachAll(filesOf(table));
    const n = table.files.length;
    return {
      columns: table.columns,
      files: table.files.map((f, i) => ({ ...f, path: links[i] ?? f.path })),
      deletes: table.deletes.map((d, i) => ({ ...d, path: links[n + i] ?? d.path })),
    };
  }

  /** Creates the view unless the same version is bound already (the SQL is only built when needed). */
  private async bindRelation(db: string, schema: string, name: string, sql: () => string, version: string, paths: readonly string[]): Promise<void> {
    const key = `${db}.${schema}.${name}`;
    const cached = this.bound.get(key);
    if (cached?.version === version) {
      // The view is cached; its files become reachable again for this statement.
      this.files.reachAll(cached.paths);
      this.bound.delete(key);
      this.bound.set(key, { ...cached, used: this.statementNo });
      return;
    }
    await this.ensureSchema(db, schema);
    await this.define(`CREATE OR REPLACE VIEW ${relationName(db, schema, name)} AS ${sql()}`);
    this.bound.delete(key);
    this.bound.set(key, { db, schema, name, version, paths, used: this.statementNo });
    await this.evictBound();
  }

  /** Drops the least recently bound views past the bound, never one the running statement bound (its query may read it). */
  private async evictBound(): Promise<void> {
    for (const [key, r] of this.bound) {
      if (this.bound.size <= MAX_BOUND_RELATIONS || r.used === this.statementNo) return;
      this.bound.delete(key);
      await this.define(`DROP VIEW IF EXISTS ${relationName(r.db, r.schema, r.name)}`);
    }
  }

  private async ensureSchema(db: string, schema: string): Promise<void> {
    if (!this.catalogs.has(db)) {
      await this.define(`ATTACH IF NOT EXISTS ':memory:' AS ${quoteIdent(db)}`);
      this.catalogs.add(db);
    }
    const key = `${db}.${schema}`;
    if (!this.schemas.has(key)) {
      await this.define(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(db)}.${quoteIdent(schema)}`);
      this.schemas.add(key);
    }
  }

  /** Set by {@link interrupt}: the error every engine call of the running statement fails with. */
  private stopped: MayflyError | undefined;

  /**
   * Interrupts the query running now (DuckDB's own interrupt: it stops
   * within milliseconds and rolls back what that query did) and makes every
   * further call of the running statement fail with `reason` until
   * {@link bounded} ends or {@link clearInterrupt} is called.
   */
  interrupt(reason: MayflyError = interruptedError()): void {
    this.stopped ??= reason;
    this.conn.interrupt();
  }

  /** Forgets an interrupt that arrived after the statement it was meant for had ended. */
  clearInterrupt(): void {
    this.stopped = undefined;
  }

  /**
   * Runs one statement's engine work with a deadline: past `timeoutMs`
   * (0 for none) the running query is interrupted and the statement fails
   * with SQL_TIMEOUT. An interrupt (Ctrl-C) fails it with SQL_INTERRUPTED.
   */
  async bounded<T>(work: () => Promise<T>, timeoutMs: number): Promise<T> {
    const timer = timeoutMs > 0 ? setTimeout(() => this.interrupt(timeoutError(timeoutMs)), timeoutMs) : undefined;
    try {
      return await work();
    } finally {
      clearTimeout(timer);
      this.stopped = undefined;
    }
  }

  /**
   * Runs SQL and reads its rows. `userSql` says the text is the user's own
   * query (bound and qualified), so DuckDB's caret context is worth showing;
   * for SQL Mayfly wrapped around it, the context would only confuse.
   */
  private async exec(sql: string, options: { maxRows?: number; userSql?: boolean } = {}): Promise<QueryResult> {
    const maxRows = options.maxRows;
    return this.wrap(async () => {
      // A limit streams the result and stops one row past it, so a huge result is never fully materialised.
      const r = maxRows === undefined ? await this.conn.runAndReadAll(sql) : await this.conn.streamAndReadUntil(sql, maxRows + 1);
      const names = r.columnNames();
      const duckTypes = r.columnTypes();
      const types = duckTypes.map((t) => t.toString());
      const shapes = duckTypes.map(cellShape);
      const all = r.getRowObjectsJson();
      const kept = maxRows === undefined ? all : all.slice(0, maxRows);
      const rows = kept.map((row) => {
        const out: Record<string, Cell> = {};
        names.forEach((n, i) => (out[n] = tidyCell(row[n], shapes[i] ?? 'other')));
        return out;
      });
      const columns = names.map((name, i) => ({ name, type: types[i] ?? '' }));
      return all.length > kept.length ? { columns, rows, truncated: true } : { columns, rows };
    }, options.userSql ?? false);
  }

  private async wrap<T>(fn: () => Promise<T>, userSql = false): Promise<T> {
    if (this.stopped) throw this.stopped;
    try {
      return await fn();
    } catch (e) {
      if (isMayflyError(e)) throw e;
      const error = engineError(e, userSql, this.privateDirs);
      // DuckDB says only "Interrupted!": say why (a timeout, or the user).
      throw error.code === 'SQL_INTERRUPTED' ? (this.stopped ?? error) : error;
    }
  }
}

/** A statement the user interrupted (Ctrl-C): nothing of it was applied. */
function interruptedError(): MayflyError {
  return conflict('SQL_INTERRUPTED', 'the statement was interrupted; nothing of it was applied');
}

/** A statement that ran past its time limit: nothing of it was applied. */
function timeoutError(timeoutMs: number): MayflyError {
  return conflict(
    'SQL_TIMEOUT',
    `the statement ran longer than its time limit of ${formatDuration(timeoutMs)} and was stopped; nothing of it was applied — narrow the query, or raise the limit (mayfly sql --timeout, or statementTimeout and jobStatementTimeout in mayfly.yaml)`,
  );
}

/** Turns a DuckDB error into a Mayfly error with a stable code and without engine paths (or Mayfly's wrapping SQL). */
function engineError(e: unknown, userSql: boolean, privateDirs: readonly string[]): MayflyError {
  const message = e instanceof Error ? e.message : String(e);
  const type = /^(\w[\w ]*?) Error:/.exec(message)?.[1] ?? '';
  const context = message.indexOf('\n\nLINE ');
  const shown = context >= 0 && !userSql ? message.slice(0, context) : message;
  const clean = hidePaths(shown, privateDirs);
  switch (type) {
    case 'Parser':
      return invalid('SQL_PARSE', clean);
    case 'Binder':
    case 'Catalog':
      return invalid('SQL_BIND', clean);
    case 'Conversion':
    case 'Invalid Input':
    case 'Out of Range':
    case 'Constraint':
    case 'Not implemented':
    case 'Dependency':
      return invalid('SQL_EXECUTION', clean);
    case 'Permission':
      return new MayflyError('SQL_FORBIDDEN', 'forbidden', clean);
    case 'Interrupt':
    case 'INTERRUPT':
      return interruptedError();
    case 'Out of Memory':
      return new MayflyError('ENGINE_OUT_OF_MEMORY', 'conflict', `${clean}; raise engine.memoryLimit in mayfly.yaml or narrow the query`);
    default:
      return internal('ENGINE_ERROR', clean, e);
  }
}

/**
 * Replaces the paths of Mayfly's own files in an engine message with
 * `<mayfly file>`: anything under the object store, staging or spill
 * directories (as given, with either separator, as a `file:` URL), relative
 * `objects/…` and `staging/…` paths, and bare object keys. Other paths (a
 * landing file the user named) are left as they are.
 */
export function hidePaths(message: string, privateDirs: readonly string[] = []): string {
  let out = message;
  for (const dir of privateDirs) {
    const bare = dir.replace(/[\\/]+$/, '');
    if (bare === '') continue;
    for (const form of new Set([bare, bare.replace(/\//g, '\\'), bare.replace(/\\/g, '/')])) {
      const escaped = form.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      out = out.replace(new RegExp(`(?:file:/*)?${escaped}[^\\s"'\`]*`, 'gi'), '<mayfly file>');
    }
  }
  return out
    .replace(/(?:[A-Za-z]:)?[^\s"'`]*(?:^|[\\/]|\b)(?:objects|staging)[\\/][^\s"'`]*/g, '<mayfly file>')
    .replace(/[^\s"'`]*[0-9a-f]{64}\.[a-z]+\b/g, '<mayfly file>');
}

/** Every store path a bound table reads. */
function filesOf(table: BoundTable): readonly string[] {
  return [...table.files.map((f) => f.path), ...table.deletes.map((d) => d.path)];
}
