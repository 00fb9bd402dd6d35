import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { internal, invalid } from '../core/errors.js';
import { randomId } from '../core/ids.js';
import { quoteIdent, quoteLiteral } from '../core/names.js';
import type { ColumnDef, DataFile, DeleteFile, TableVersion } from '../catalog/model.js';
import { columnStorage } from '../sql/column-storage.js';
import type { StagedFile } from '../sql/duck-engine.js';
import type { Statement } from '../sql/statements.js';
import { FILE_COLUMN, physicalName, POS_COLUMN } from '../sql/table-relation.js';
import { refuseReservedNames } from '../sql/time-travel-rewrite.js';
import { format, quotedName, type Outcome, type QualifiedName, type Session } from './session.js';
import { findColumn, liveRows } from './table-stats.js';

type WriteStatement = Extract<Statement, { kind: 'insert' | 'update' | 'delete' }>;

/**
 * INSERT, UPDATE and DELETE as file-level changes: new rows go to new Parquet
 * files, removed rows to delete vectors over file row positions. Untouched
 * data is never rewritten, so a one-row change writes kilobytes.
 */
export async function runTableWrite(session: Session, s: WriteStatement): Promise<Outcome> {
  const target = session.qualify(s.table);
  return session.mutate(target.db, s.text, async (tree) => {
    const { version } = session.requireTable(target);
    let next: TableVersion;
    let rows: number;
    if (s.kind === 'insert') [next, rows] = await insert(session, version, s);
    else if (s.kind === 'delete') [next, rows] = await remove(session, target, version, s);
    else [next, rows] = await update(session, target, version, s);
    if (rows > 0) tree.setTable(target.schema, target.name, next);
    const verb = s.kind === 'insert' ? 'inserted' : s.kind === 'delete' ? 'deleted' : 'updated';
    return { kind: 'done', message: `${rows} row(s) ${verb} in ${format(target)}`, rowsAffected: rows };
  });
}

async function insert(session: Session, v: TableVersion, s: Extract<Statement, { kind: 'insert' }>): Promise<[TableVersion, number]> {
  const targets = s.columns ? s.columns.map((c) => column(v, c)) : v.columns;
  if (new Set(targets.map((c) => c.id)).size !== targets.length) throw invalid('DUPLICATE_COLUMN', 'a column is named twice in the INSERT column list');
  const source = await session.prepareQuery(s.source);
  const shape = await session.engine.describe(source);
  if (shape.length !== targets.length) {
    throw invalid('INSERT_ARITY', `INSERT names ${targets.length} column(s) but the values have ${shape.length}`);
  }
  // The source's columns take the target columns' names, so a cast error names the column the user knows.
  const aliases = targets.map((c) => quoteIdent(c.name));
  const select = v.columns
    .map((c) => `CAST(${targets.some((t) => t.id === c.id) ? `s.${quoteIdent(c.name)}` : 'NULL'} AS ${c.type}) AS ${physicalName(c.id)}`)
    .join(', ');
  const files = await writeDataFiles(session, `SELECT ${select} FROM (${source}\n) AS s(${aliases.join(', ')})`, v.columns);
  const rows = files.reduce((n, f) => n + f.rows, 0);
  // concat, not spread: one copy of the pointers, where a spread grows the array entry by entry (15× slower at 100k files).
  return [{ ...v, files: v.files.concat(files) }, rows];
}

async function remove(session: Session, target: QualifiedName, v: TableVersion, s: Extract<Statement, { kind: 'delete' }>): Promise<[TableVersion, number]> {
  if (s.whereSql === undefined && s.usingSql === undefined) return [{ ...v, files: [], deletes: [] }, liveRows(v)];
  const { from, row } = writeTarget(target, s.alias, [s.usingSql, s.whereSql]);
  const sql = await prepareWrite(session, target, v, `SELECT DISTINCT ${row}.${FILE_COLUMN} AS file_key, ${row}.${POS_COLUMN} AS pos FROM ${from}${fragmentTail(s.usingSql, s.whereSql)}`);
  const temp = `__mf_delete_${randomId()}`;
  await session.engine.run(`CREATE TEMP TABLE ${temp} AS ${sql}`);
  try {
    const counts = await session.engine.query(`SELECT file_key, count(*) AS n FROM temp.${temp} GROUP BY file_key`);
    const removed = new Map(counts.rows.map((r) => [String(r.file_key), Number(r.n)]));
    const rows = [...removed.values()].reduce((n, k) => n + k, 0);
    if (rows === 0) return [v, 0];
    const emptied = await emptiedFiles(session, v, removed);
    if (emptied.size === 0) {
      const dv = await writeDeleteFile(session, `SELECT file_key, pos FROM temp.${temp}`);
      return dv ? [{ ...v, deletes: [...v.deletes, dv] }, dv.rows] : [v, 0];
    }
    // Files left with no live row leave the table version; the delete vectors that named them
    // are folded, without those files' rows, into the new one, so live-row counts stay exact.
    const stale = v.deletes.filter((d) => d.targets.some((k) => emptied.has(k)));
    const gone = [...emptied].map(quoteLiteral).join(', ');
    const carried = stale.length
      ? ` UNION ALL SELECT file_key, pos FROM read_parquet([${stale.map((d) => quoteLiteral(session.warehouse.store.localPath(d.key))).join(', ')}]) WHERE file_key NOT IN (${gone})`
      : '';
    const dv = await writeDeleteFile(session, `SELECT file_key, pos FROM temp.${temp} WHERE file_key NOT IN (${gone})${carried}`);
    const next: TableVersion = {
      ...v,
      files: v.files.filter((f) => !emptied.has(f.key)),
      deletes: [...v.deletes.filter((d) => !stale.includes(d)), ...(dv ? [dv] : [])],
    };
    return [next, rows];
  } finally {
    await session.engine.run(`DROP TABLE IF EXISTS temp.${temp}`);
  }
}

/** The data files a delete leaves without a live row: rows removed now plus rows earlier delete vectors removed cover the file. */
async function emptiedFiles(session: Session, v: TableVersion, removed: ReadonlyMap<string, number>): Promise<Set<string>> {
  const earlier = new Map<string, number>();
  const prior = v.deletes.filter((d) => d.targets.some((k) => removed.has(k)));
  if (prior.length > 0) {
    const paths = prior.map((d) => quoteLiteral(session.warehouse.store.localPath(d.key))).join(', ');
    const keys = [...removed.keys()].map(quoteLiteral).join(', ');
    const r = await session.engine.query(`SELECT file_key, count(*) AS n FROM read_parquet([${paths}]) WHERE file_key IN (${keys}) GROUP BY file_key`);
    for (const row of r.rows) earlier.set(String(row.file_key), Number(row.n));
  }
  const out = new Set<string>();
  for (const f of v.files) {
    const now = removed.get(f.key);
    if (now !== undefined && now + (earlier.get(f.key) ?? 0) >= f.rows) out.add(f.key);
  }
  return out;
}

async function update(session: Session, target: QualifiedName, v: TableVersion, s: Extract<Statement, { kind: 'update' }>): Promise<[TableVersion, number]> {
  const assigned = new Map<number, string>();
  for (const a of s.assignments) {
    const c = column(v, a.column);
    if (assigned.has(c.id)) throw invalid('DUPLICATE_COLUMN', `column ${a.column} is assigned twice`);
    assigned.set(c.id, a.valueSql);
  }
  const { from, row } = writeTarget(target, s.alias, [s.fromSql, s.whereSql, ...assigned.values()]);
  const values = v.columns.map((c) => {
    const expr = assigned.get(c.id);
    return `CAST(${expr !== undefined ? `(${expr}\n)` : `${row}.${quoteIdent(c.name)}`} AS ${c.type}) AS ${physicalName(c.id)}`;
  });
  const sql = await prepareWrite(
    session,
    target,
    v,
    `SELECT DISTINCT ON (file_key, pos) ${row}.${FILE_COLUMN} AS file_key, ${row}.${POS_COLUMN} AS pos, ${values.join(', ')} FROM ${from}${fragmentTail(s.fromSql, s.whereSql)}`,
  );
  const temp = `__mf_update_${randomId()}`;
  await session.engine.run(`CREATE TEMP TABLE ${temp} AS ${sql}`);
  try {
    const dv = await writeDeleteFile(session, `SELECT file_key, pos FROM temp.${temp}`);
    if (!dv) return [v, 0];
    const files = await writeDataFiles(session, `SELECT ${v.columns.map((c) => physicalName(c.id)).join(', ')} FROM temp.${temp}`, v.columns);
    return [{ ...v, files: v.files.concat(files), deletes: v.deletes.concat(dv) }, dv.rows];
  } finally {
    await session.engine.run(`DROP TABLE IF EXISTS temp.${temp}`);
  }
}

/**
 * The FROM item of a DELETE or UPDATE and the name its rows are addressed by.
 * Checks the user's fragments first: the composed query carries Mayfly's own
 * hidden columns, so it is prepared as composed.
 */
function writeTarget(target: QualifiedName, alias: string | undefined, fragments: readonly (string | undefined)[]): { from: string; row: string } {
  for (const f of fragments) if (f !== undefined) refuseReservedNames(f);
  return alias !== undefined
    ? { from: `${quotedName(target)} AS ${quoteIdent(alias)}`, row: quoteIdent(alias) }
    : { from: quotedName(target), row: quoteIdent(target.name) };
}

/** Binds a composed write query, then re-binds its target with row positions for the run. */
async function prepareWrite(session: Session, target: QualifiedName, v: TableVersion, sql: string): Promise<string> {
  const prepared = await session.prepareQuery(sql, undefined, { composed: true });
  await session.engine.bindTableForWrite(target.db, target.schema, target.name, session.boundTable(v), session.requireTable(target).id);
  return prepared;
}

/** The user's `, <from items> WHERE (<condition>)` of a DELETE or UPDATE, each fragment closed off by a newline. */
export function fragmentTail(from: string | undefined, where: string | undefined): string {
  return `${from !== undefined ? `, ${from}\n` : ''}${where !== undefined ? ` WHERE (${where}\n)` : ''}`;
}

/**
 * Writes a query's rows (physical column names, in `columns` order) as data
 * files in the store, each column in its stored form (column-storage.ts).
 */
export async function writeDataFiles(session: Session, selectSql: string, columns: readonly ColumnDef[]): Promise<DataFile[]> {
  return storeDataFiles(session, await stageDataFiles(session, selectSql, columns), columns);
}

/**
 * The first half of {@link writeDataFiles}: writes the rows as Parquet files
 * in the engine's staging folder only, so the caller can store them
 * ({@link storeDataFiles}) while the engine goes on with other work.
 */
export async function stageDataFiles(session: Session, selectSql: string, columns: readonly ColumnDef[]): Promise<readonly StagedFile[]> {
  const storage = columns.map((c) => ({ name: physicalName(c.id), codec: columnStorage(c.type, c.name) }));
  const encoded = storage.some((s) => s.codec.encode(s.name) !== s.name)
    ? `SELECT ${storage.map((s) => `${s.codec.encode(`w.${s.name}`)} AS ${s.name}`).join(', ')} FROM (${selectSql}\n) AS w`
    : selectSql;
  return session.engine.writeParquet(encoded, session.warehouse.settings.targetFileBytes);
}

/** The second half of {@link writeDataFiles}: moves staged files into the object store (synced) as data files of `columns`. */
export async function storeDataFiles(session: Session, staged: readonly StagedFile[], columns: readonly ColumnDef[]): Promise<DataFile[]> {
  const stored = await storeStaged(session, staged);
  return stored.map((f) => ({ key: f.key, rows: f.rows, bytes: f.bytes, columnIds: columns.map((c) => c.id) }));
}

/** Removes the staging folders of staged files (stored ones were moved out already). */
export async function discardStaged(staged: readonly StagedFile[]): Promise<void> {
  for (const d of new Set(staged.map((f) => dirname(f.path)))) await rm(d, { recursive: true, force: true });
}

/** Writes (file_key, pos) rows as one delete vector; none when no row matched. */
export async function writeDeleteFile(session: Session, selectSql: string): Promise<DeleteFile | undefined> {
  const staged = await session.engine.writeParquet(selectSql, Number.MAX_SAFE_INTEGER);
  let targets: string[] = [];
  const stored = await storeStaged(session, staged, async (written) => {
    if (written.length > 1) throw internal('DELETE_VECTOR', 'expected one delete vector file');
    const first = written[0];
    if (!first) return;
    const r = await session.engine.query(`SELECT DISTINCT file_key FROM read_parquet(${quoteLiteral(first.path)}) ORDER BY 1`);
    targets = r.rows.map((row) => String(row.file_key));
  });
  return stored[0] && { ...stored[0], targets };
}

/**
 * Moves staged files into the object store (empty files are dropped) and
 * removes the staging folder, also when `inspect` (run on the non-empty files
 * before they move) or a move fails.
 */
async function storeStaged(
  session: Session,
  staged: readonly StagedFile[],
  inspect?: (written: readonly StagedFile[]) => Promise<void>,
): Promise<{ key: string; rows: number; bytes: number }[]> {
  const out: { key: string; rows: number; bytes: number }[] = [];
  try {
    const written = staged.filter((f) => f.rows > 0);
    await inspect?.(written);
    for (const f of written) {
      const o = await session.warehouse.store.put(f.path, 'parquet');
      out.push({ key: o.key, rows: f.rows, bytes: o.bytes });
    }
  } finally {
    await discardStaged(staged);
  }
  return out;
}

function column(v: TableVersion, name: string): ColumnDef {
  const c = findColumn(v, name);
  if (!c) throw invalid('UNKNOWN_COLUMN', `column ${name} does not exist (columns: ${v.columns.map((x) => x.name).join(', ')})`);
  return c;
}
