import { conflict, forbidden, invalid, notFound } from '../core/errors.js';
import { checkColumnName, checkName } from '../core/names.js';
import type { ColumnDef, TableVersion } from '../catalog/model.js';
import { checkStorable, refuseCollation } from '../sql/column-storage.js';
import type { CloneClause, Statement } from '../sql/statements.js';
import { physicalName } from '../sql/table-relation.js';
import { rewriteTimeTravel } from '../sql/time-travel-rewrite.js';
import { parseCopyIntoText, formatCopyInto } from '../sql/copy-into.js';
import { applyHistory, carriedHistory, type ClonedTables } from './clone-history.js';
import { format, type Outcome, type QualifiedName, type Session } from './session.js';
import type { WorkingTree } from './working-tree.js';
import { writeDataFiles } from './table-writes.js';
import { findColumn, liveRows, tableBytes } from './table-stats.js';

type SchemaStatement = Exclude<
  Statement,
  { kind: 'query' | 'begin' | 'commit' | 'rollback' | 'use' | 'insert' | 'update' | 'delete' | 'create_pipe' | 'drop_pipe' | 'show_pipes' }
>;

/** Databases, schemas, tables and views: create, clone, alter, drop, swap, show, describe. */
export async function runSchemaStatement(session: Session, s: SchemaStatement): Promise<Outcome> {
  const wh = session.warehouse;
  switch (s.kind) {
    case 'create_database': {
      session.refuseDatabaseChange('CREATE DATABASE');
      session.outsideTransaction('CREATE DATABASE');
      checkName(s.name, 'database');
      if (s.ifNotExists && wh.catalog.getRef(s.name)) return done(`database ${s.name} already exists`);
      if (!s.clone) {
        wh.createDatabase(s.name, { replace: s.orReplace });
        return done(`database ${s.name} created`);
      }
      const [source, ...rest] = s.clone.source.parts;
      if (source === undefined || rest.length > 0) throw invalid('SQL_PARSE', 'CREATE DATABASE … CLONE takes a database name');
      const at = s.clone.at && (await session.timestamp(s.clone.at));
      const info = wh.cloneDatabase(s.name, source, { ...(at !== undefined ? { at } : {}), replace: s.orReplace });
      return done(`database ${s.name} cloned from ${source} at commit ${info.commitId.slice(0, 12)}`);
    }
    case 'drop_database': {
      session.refuseDatabaseChange('DROP DATABASE');
      session.outsideTransaction('DROP DATABASE');
      if (s.ifExists && !wh.catalog.getRef(s.name)) return done(`database ${s.name} does not exist`);
      wh.dropDatabase(s.name);
      if (session.database === s.name) session.fallBackTo(wh.settings.production);
      return done(`database ${s.name} dropped`);
    }
    case 'swap_database':
      session.refuseDatabaseChange('ALTER DATABASE … SWAP');
      session.outsideTransaction('ALTER DATABASE … SWAP');
      wh.swapDatabases(s.name, s.other);
      return done(`databases ${s.name} and ${s.other} swapped`);
    case 'create_schema':
      return createSchema(session, s);
    case 'drop_schema': {
      const q = schemaName(session, s.name.parts);
      return session.mutate(q.db, s.text, async (tree) => {
        const sc = tree.schemas.get(q.schema);
        if (!sc) {
          if (s.ifExists) return done(`schema ${q.db}.${q.schema} does not exist`);
          throw notFound('SCHEMA_NOT_FOUND', `schema ${q.db}.${q.schema} does not exist`);
        }
        if (q.schema === 'main') throw forbidden('SCHEMA_MAIN', 'the main schema cannot be dropped');
        if (!s.cascade && sc.tables.size + sc.views.size + (sc.pipes?.size ?? 0) > 0) {
          throw conflict('SCHEMA_NOT_EMPTY', `schema ${q.db}.${q.schema} is not empty; use DROP SCHEMA … CASCADE`);
        }
        tree.dropSchema(q.schema);
        return done(`schema ${q.db}.${q.schema} dropped`);
      });
    }
    case 'create_table':
      return createTable(session, s);
    case 'drop_table':
    case 'drop_view': {
      const q = session.qualify(s.name);
      const kind = s.kind === 'drop_table' ? 'table' : 'view';
      return session.mutate(q.db, s.text, async (tree) => {
        const obj = tree.object(q.schema, q.name);
        if (obj?.kind !== kind) {
          if (s.ifExists && !obj) return done(`${kind} ${format(q)} does not exist`);
          throw notFound(kind === 'table' ? 'TABLE_NOT_FOUND' : 'VIEW_NOT_FOUND', `${kind} ${format(q)} does not exist${obj ? ` (it is a ${obj.kind})` : ''}`);
        }
        tree.dropObject(q.schema, q.name);
        return done(`${kind} ${format(q)} dropped`);
      });
    }
    case 'alter_table':
      return alterTable(session, s);
    case 'create_view': {
      const q = session.qualify(s.name);
      checkName(q.name, 'view');
      if (rewriteTimeTravel(s.query).tables.length > 0) {
        throw invalid('SQL_UNSUPPORTED', 'a view cannot use AT (TIMESTAMP => …); clone the table at that time instead');
      }
      await session.prepareQuery(s.query, { db: q.db, schema: q.schema });
      await session.engine.bindView(q.db, q.schema, q.name, s.query);
      return session.mutate(q.db, s.text, async (tree) => {
        requireSchema(tree.schemas.has(q.schema), q);
        const existing = tree.object(q.schema, q.name);
        if (existing && s.ifNotExists) return done(`view ${format(q)} already exists`);
        if (existing && (!s.orReplace || existing.kind !== 'view')) throw conflict('OBJECT_EXISTS', `${existing.kind} ${format(q)} already exists`);
        tree.setView(q.schema, q.name, { sql: s.query });
        return done(`view ${format(q)} created`);
      });
    }
    case 'show':
      return show(session, s);
    case 'describe': {
      const q = session.qualify(s.name);
      const obj = session.lookup(q);
      if (!obj) throw notFound('TABLE_NOT_FOUND', `table or view ${format(q)} does not exist`);
      const columns =
        obj.kind === 'table'
          ? obj.version.columns.map((c) => ({ name: c.name, type: c.type }))
          : await session.engine.describe(await session.prepareQuery(obj.view.sql, { db: q.db, schema: q.schema }));
      return rows(['column_name', 'column_type'], columns.map((c) => [c.name, c.type]));
    }
  }
}

async function createSchema(session: Session, s: Extract<Statement, { kind: 'create_schema' }>): Promise<Outcome> {
  const q = schemaName(session, s.name.parts);
  const source = s.clone && (await cloneSource(session, s.clone, 'schema'));
  let history: ReadonlyMap<string, TableVersion> = new Map();
  return session.mutate(
    q.db,
    s.text,
    async (tree) => {
      if (tree.schemas.has(q.schema)) {
        if (s.ifNotExists) return done(`schema ${q.db}.${q.schema} already exists`);
        if (!s.orReplace) throw conflict('SCHEMA_EXISTS', `schema ${q.db}.${q.schema} already exists`);
      }
      if (!source) {
        tree.setSchema(q.schema, { tables: new Map(), views: new Map() });
        return done(`schema ${q.db}.${q.schema} created`);
      }
      const from = source.tree.schemas.get(source.name.schema);
      if (!from) throw notFound('SCHEMA_NOT_FOUND', `schema ${source.name.db}.${source.name.schema} does not exist`);
      const renamed = q.schema !== source.name.schema;
      const cloned: ClonedTables = {
        tables: new Map([...from.tables.keys()].map((t) => [`${source.name.schema}.${t}`, `${q.schema}.${t}`])),
        pipes: new Map([...(from.pipes?.keys() ?? [])].map((p) => [`${source.name.schema}.${p}`, `${q.schema}.${p}`])),
        schema: q.schema,
      };
      // Read before the schema changes: the source may be this very tree.
      history = await carriedHistory(session, source.tree, tree, cloned);
      tree.setSchema(q.schema, from);
      // A pipe loading a table of the cloned schema loads the clone's table, so it resumes where the source stopped.
      if (renamed) {
        for (const [name, def] of from.pipes ?? []) {
          const copy = parseCopyIntoText(def.sql);
          const [schema, table] = copy.table.parts;
          if (schema === source.name.schema && table !== undefined) tree.setPipe(q.schema, name, { sql: formatCopyInto({ ...copy, table: { parts: [q.schema, table] } }) });
        }
      }
      return done(`schema ${q.db}.${q.schema} cloned from ${source.name.db}.${source.name.schema} (${from.tables.size} tables, ${from.views.size} views)`);
    },
    (tree) => applyHistory(tree, history),
  );
}

async function createTable(session: Session, s: Extract<Statement, { kind: 'create_table' }>): Promise<Outcome> {
  const q = session.qualify(s.name);
  checkName(q.name, 'table');
  const existing = session.lookup(q);
  if (existing && s.ifNotExists) return done(`${existing.kind} ${format(q)} already exists`);
  if (existing && (!s.orReplace || existing.kind !== 'table')) throw conflict('OBJECT_EXISTS', `${existing.kind} ${format(q)} already exists`);
  // The new table: an existing version (a clone) or one whose files are written now, before the commit.
  let table: { id: string } | { version: TableVersion };
  let message: string;
  let cloneOf: { tree: WorkingTree; cloned: ClonedTables } | undefined;
  if (s.clone) {
    const source = await cloneSource(session, s.clone, 'table');
    const obj = source.tree.object(source.name.schema, source.name.name);
    if (obj?.kind !== 'table') throw notFound('TABLE_NOT_FOUND', `table ${format(source.name)} does not exist`);
    table = { id: obj.id };
    cloneOf = { tree: source.tree, cloned: { tables: new Map([[`${source.name.schema}.${source.name.name}`, `${q.schema}.${q.name}`]]) } };
    message = `table ${format(q)} cloned from ${format(source.name)} (${liveRows(obj.version)} rows, 0 bytes copied)`;
  } else if (s.asQuery !== undefined) {
    const sql = await session.prepareQuery(s.asQuery);
    const columns = toColumns(await session.engine.describe(sql));
    const aliases = columns.map((c) => physicalName(c.id));
    const files = await writeDataFiles(session, `SELECT * FROM (${sql}\n) AS s(${aliases.join(', ')})`, columns);
    table = { version: { columns, nextColumnId: columns.length + 1, files, deletes: [] } };
    message = `table ${format(q)} created with ${liveRows(table.version)} rows`;
  } else if (s.columnsSql !== undefined) {
    refuseCollation(s.columnsSql);
    const columns = toColumns(await session.engine.columnsOf(s.columnsSql));
    table = { version: { columns, nextColumnId: columns.length + 1, files: [], deletes: [] } };
    message = `table ${format(q)} created`;
  } else throw invalid('SQL_PARSE', 'CREATE TABLE needs columns, AS <query> or CLONE <table>');
  let history: ReadonlyMap<string, TableVersion> = new Map();
  return session.mutate(
    q.db,
    s.text,
    async (tree) => {
      requireSchema(tree.schemas.has(q.schema), q);
      const now = tree.object(q.schema, q.name);
      if (now && !s.orReplace) throw conflict('OBJECT_EXISTS', `${now.kind} ${format(q)} already exists`);
      // A cloned table brings the load history of its rows, and replaces whatever history the name had.
      if (cloneOf) history = await carriedHistory(session, cloneOf.tree, tree, cloneOf.cloned);
      if ('id' in table) tree.setTableId(q.schema, q.name, table.id);
      else tree.setTable(q.schema, q.name, table.version);
      return done(message);
    },
    (tree) => applyHistory(tree, history),
  );
}

async function alterTable(session: Session, s: Extract<Statement, { kind: 'alter_table' }>): Promise<Outcome> {
  const q = session.qualify(s.name);
  const a = s.action;
  if (a.kind === 'add_column') refuseCollation(a.typeSql);
  const type = a.kind === 'add_column' ? await session.engine.normaliseType(a.typeSql) : '';
  if (a.kind === 'add_column') checkStorable([{ name: a.column, type }]);
  return session.mutate(q.db, s.text, async (tree) => {
    const obj = tree.object(q.schema, q.name);
    if (obj?.kind !== 'table') {
      if (s.ifExists && !obj) return done(`table ${format(q)} does not exist`);
      throw notFound('TABLE_NOT_FOUND', `table ${format(q)} does not exist`);
    }
    const v = obj.version;
    switch (a.kind) {
      case 'add_column': {
        if (findColumn(v, a.column)) {
          if (a.ifNotExists) return done(`column ${a.column} already exists`);
          throw conflict('COLUMN_EXISTS', `column ${a.column} already exists in ${format(q)}`);
        }
        const column = { id: v.nextColumnId, name: checkColumnName(a.column), type };
        tree.setTable(q.schema, q.name, { ...v, columns: [...v.columns, column], nextColumnId: v.nextColumnId + 1 });
        return done(`column ${a.column} ${type} added to ${format(q)}`);
      }
      case 'drop_column': {
        const c = findColumn(v, a.column);
        if (!c) {
          if (a.ifExists) return done(`column ${a.column} does not exist`);
          throw notFound('UNKNOWN_COLUMN', `column ${a.column} does not exist in ${format(q)}`);
        }
        if (v.columns.length === 1) throw invalid('LAST_COLUMN', `cannot drop the only column of ${format(q)}; drop the table instead`);
        tree.setTable(q.schema, q.name, { ...v, columns: v.columns.filter((x) => x.id !== c.id) });
        return done(`column ${a.column} dropped from ${format(q)}`);
      }
      case 'rename_column': {
        const c = findColumn(v, a.from);
        if (!c) throw notFound('UNKNOWN_COLUMN', `column ${a.from} does not exist in ${format(q)}`);
        if (findColumn(v, a.to) && a.to.toLowerCase() !== a.from.toLowerCase()) throw conflict('COLUMN_EXISTS', `column ${a.to} already exists in ${format(q)}`);
        const renamed = v.columns.map((x) => (x.id === c.id ? { ...x, name: checkColumnName(a.to) } : x));
        tree.setTable(q.schema, q.name, { ...v, columns: renamed });
        return done(`column ${a.from} renamed to ${a.to}`);
      }
      case 'rename_table': {
        const to = checkName(a.to, 'table');
        if (tree.object(q.schema, to)) throw conflict('OBJECT_EXISTS', `${q.db}.${q.schema}.${to} already exists`);
        tree.dropObject(q.schema, q.name);
        tree.setTableId(q.schema, to, obj.id);
        return done(`table ${format(q)} renamed to ${to}`);
      }
    }
  });
}

function show(session: Session, s: Extract<Statement, { kind: 'show' }>): Outcome {
  const wh = session.warehouse;
  if (s.what === 'databases') {
    return rows(['name', 'source', 'tables'], wh.listDatabases().map((d) => [d.name, d.source?.database ?? null, d.tables]));
  }
  const parts = s.in?.parts ?? [];
  if (s.what === 'schemas') {
    const db = parts[0] ?? session.database;
    return rows(['database', 'schema'], [...session.snapshot(db).tree.schemas.keys()].sort().map((n) => [db, n]));
  }
  const q = parts.length === 0 ? { db: session.database, schema: session.currentSchema } : schemaName(session, parts);
  const sc = session.snapshot(q.db).tree.schemas.get(q.schema);
  if (!sc) throw notFound('SCHEMA_NOT_FOUND', `schema ${q.db}.${q.schema} does not exist`);
  const tree = session.snapshot(q.db).tree;
  const out: (string | number)[][] = [];
  for (const [name, id] of [...sc.tables].sort()) {
    const v = tree.tableVersion(id);
    out.push([q.schema, name, 'table', liveRows(v), tableBytes(v)]);
  }
  for (const name of [...sc.views.keys()].sort()) out.push([q.schema, name, 'view', 0, 0]);
  return rows(['schema', 'name', 'kind', 'rows', 'bytes'], out);
}

/** The database state and name a CLONE clause points at (AT resolved within the time-travel window). */
async function cloneSource(session: Session, clone: CloneClause, kind: 'schema' | 'table') {
  const name: QualifiedName = kind === 'schema' ? { ...schemaName(session, clone.source.parts), name: '' } : session.qualify(clone.source);
  const wh = session.warehouse;
  if (!clone.at) return { name, tree: session.snapshot(name.db).tree };
  const scope = kind === 'schema' ? { schemas: [name.schema] } : { schema: name.schema, table: name.name };
  const commitId = wh.commitAt(name.db, await session.timestamp(clone.at), scope);
  return { name, tree: wh.tree(commitId) };
}

/** `schema` or `db.schema` against the session's current database. */
function schemaName(session: Session, parts: readonly string[]): { db: string; schema: string } {
  if (parts.length > 2 || parts.length === 0) throw invalid('SQL_PARSE', 'a schema name is `schema` or `database.schema`');
  const [a = '', b] = parts;
  const q = b === undefined ? { db: session.database, schema: a } : { db: a, schema: b };
  checkName(q.db, 'database');
  checkName(q.schema, 'schema');
  session.warehouse.requireRef(q.db);
  return q;
}

function requireSchema(exists: boolean, q: QualifiedName): void {
  if (!exists) throw notFound('SCHEMA_NOT_FOUND', `schema ${q.db}.${q.schema} does not exist; CREATE SCHEMA ${q.schema} first`);
}

/** Column definitions from a query's or a column list's shape; refuses a type no data file keeps exactly. */
function toColumns(shape: readonly { name: string; type: string }[]): ColumnDef[] {
  if (shape.length === 0) throw invalid('NO_COLUMNS', 'a table needs at least one column');
  checkStorable(shape);
  const seen = new Set<string>();
  return shape.map((c, i) => {
    const key = c.name.toLowerCase();
    if (seen.has(key)) throw invalid('DUPLICATE_COLUMN', `column ${c.name} appears twice; give each column its own name`);
    seen.add(key);
    return { id: i + 1, name: checkColumnName(c.name), type: c.type };
  });
}

function done(message: string): Outcome {
  return { kind: 'done', message };
}

function rows(columns: readonly string[], values: readonly (readonly (string | number | null)[])[]): Outcome {
  return {
    kind: 'rows',
    columns: columns.map((name) => ({ name, type: 'VARCHAR' })),
    rows: values.map((v) => Object.fromEntries(columns.map((c, i) => [c, v[i] ?? null]))),
  };
}
