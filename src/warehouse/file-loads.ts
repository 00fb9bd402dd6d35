import { invalid } from '../core/errors.js';
import { quoteLiteral } from '../core/names.js';
import { randomId } from '../core/ids.js';
import type { ColumnDef, DataFile, TableVersion } from '../catalog/model.js';
import { LandingScan, type LandingReject } from '../sql/landing-reader.js';
import type { LandingFormat } from '../sql/landing-format.js';
import { physicalName } from '../sql/table-relation.js';
import { format as formatName, type QualifiedName, type Session } from './session.js';
import { writeDataFiles } from './table-writes.js';

export type { LandingReject } from '../sql/landing-reader.js';

/** A table of the session's current database, by schema and name. */
export interface SchemaTable {
  readonly schema: string;
  readonly name: string;
}

/** One landing file to append to a table. */
export interface FileLoad {
  readonly table: SchemaTable;
  /** A local file in a directory the session may read. */
  readonly path: string;
  readonly format: LandingFormat;
  /** False: a file with any rejected row loads no row. True: its good rows load. */
  readonly keepGoodRows: boolean;
  /**
   * Where rejected rows go: a table whose columns named `line`, `reason` and
   * `raw` get each reject's values, columns named in `values` get those
   * (cast to the column's type), and any other column NULL.
   */
  readonly rejects?: { readonly table: SchemaTable; readonly values: Readonly<Record<string, string | number | null>> };
}

/** What a load did. */
export interface FileLoadResult {
  readonly rowsLoaded: number;
  readonly rowsRejected: number;
  /** The first rejected rows (at most {@link REJECT_PREVIEW}), for messages; all of them are in the rejects table. */
  readonly firstRejects: readonly LandingReject[];
  /** The file could not be read at all (it counts as one rejected row). */
  readonly unreadable: boolean;
}

/** How many rejected rows a load result carries. */
export const REJECT_PREVIEW = 5;

/** A load of several files that threw at one of them: nothing of any of them was applied. */
export class FileLoadFailure extends Error {
  constructor(
    /** The index of the load that threw. */
    readonly index: number,
    readonly error: unknown,
  ) {
    super(error instanceof Error ? error.message : String(error));
  }
}

/** Options of {@link loadFiles}. */
export interface LoadFilesOptions {
  /** Called after each file is read: true stops the load there (the files read so far are applied). */
  readonly stopAfter?: (result: FileLoadResult, index: number) => boolean;
}

/**
 * Appends the rows of a landing file to a table, and its rejected rows to
 * the rejects table, as one change of the session's current database: inside
 * the open transaction (so a caller commits its own records with the rows),
 * or as a commit of its own.
 */
export async function loadFile(session: Session, load: FileLoad): Promise<FileLoadResult> {
  try {
    const [result] = await loadFiles(session, [load]);
    return result as FileLoadResult;
  } catch (e) {
    throw e instanceof FileLoadFailure ? e.error : e;
  }
}

/**
 * Appends the rows of several landing files as one change: each file is read
 * into a temporary table (its rows counted, its rejects kept), then the rows
 * of every file that keeps them are written together, one set of data files
 * per table (and one for the rejected rows), so a batch pays one store write
 * and one sync, not one per file. A file that throws (FileLoadFailure says
 * which) applies nothing of the batch.
 */
export async function loadFiles(session: Session, loads: readonly FileLoad[], options: LoadFilesOptions = {}): Promise<readonly FileLoadResult[]> {
  const db = session.database;
  const batch = randomId().slice(0, 12);
  const scans: LandingScan[] = [];
  const temps: string[] = [];
  const results: FileLoadResult[] = [];
  // Per target (and rejects) table: its version and the SELECTs of the rows it gets.
  const rowsOf = new Map<string, { target: QualifiedName; version: TableVersion; selects: string[] }>();
  const rejectsOf = new Map<string, { target: QualifiedName; version: TableVersion; selects: string[] }>();
  try {
    for (const [i, load] of loads.entries()) {
      try {
        const target: QualifiedName = { db, ...load.table };
        const { version } = session.requireTable(target);
        const rejectsTarget: QualifiedName | undefined = load.rejects && { db, ...load.rejects.table };
        const rejectsVersion = rejectsTarget && session.requireTable(rejectsTarget).version;
        if (rejectsVersion && !rejectsVersion.columns.some((c) => c.name === 'reason')) {
          throw invalid('REJECTS_TABLE', `${formatName(rejectsTarget as QualifiedName)} cannot take rejected rows: it has no column named reason`);
        }
        const scan = LandingScan.open(session.engine, load.path, load.format, version.columns);
        scans.push(scan);
        const temp = `__mf_batch_${batch}_${i}`;
        const read = await scan.writeRows(async (sql) => {
          await session.engine.run(`CREATE TEMP TABLE ${temp} AS ${sql}`);
          temps.push(temp);
          const r = await session.engine.query(`SELECT count(*)::BIGINT AS n FROM temp.${temp}`);
          return Number(r.rows[0]?.n ?? 0);
        });
        const rowsRejected = await scan.rejectCount();
        const keep = read !== undefined && read > 0 && !(rowsRejected > 0 && !load.keepGoodRows);
        if (keep) entry(rowsOf, target, version).selects.push(`SELECT * FROM temp.${temp}`);
        if (rowsRejected > 0 && rejectsTarget && rejectsVersion && load.rejects) {
          entry(rejectsOf, rejectsTarget, rejectsVersion).selects.push(`SELECT ${rejectColumns(rejectsVersion.columns, load.rejects.values)} FROM (${scan.rejectsSql()}) AS r`);
        }
        const firstRejects = rowsRejected > 0 ? await scan.rejects(REJECT_PREVIEW) : [];
        const result = { rowsLoaded: keep ? (read ?? 0) : 0, rowsRejected, firstRejects, unreadable: scan.unreadable };
        results.push(result);
        if (options.stopAfter?.(result, i)) break;
      } catch (e) {
        throw new FileLoadFailure(i, e);
      }
    }
    // Files of a refused load are never written; those written for a load that fails later stay unreferenced until GC.
    const written = new Map<string, { target: QualifiedName; version: TableVersion; files: DataFile[] }>();
    for (const [key, t] of [...rowsOf, ...rejectsOf]) {
      if (t.selects.length === 0) continue;
      const files = await writeDataFiles(session, t.selects.join('\nUNION ALL\n'), t.version.columns);
      const prior = written.get(key);
      written.set(key, { target: t.target, version: t.version, files: [...(prior?.files ?? []), ...files] });
    }
    await session.mutate(db, loads.length === 1 ? `load ${loads[0]?.path ?? ''}` : `load ${results.length} files`, async (tree) => {
      for (const { target, version, files } of written.values()) {
        if (files.length > 0) tree.setTable(target.schema, target.name, { ...version, files: [...version.files, ...files] });
      }
    });
    return results;
  } finally {
    for (const t of temps) await session.engine.run(`DROP TABLE IF EXISTS temp.${t}`);
    for (const scan of scans) await scan.close();
  }
}

function entry(
  map: Map<string, { target: QualifiedName; version: TableVersion; selects: string[] }>,
  target: QualifiedName,
  version: TableVersion,
): { target: QualifiedName; version: TableVersion; selects: string[] } {
  const key = `${target.schema}.${target.name}`;
  let e = map.get(key);
  if (!e) map.set(key, (e = { target, version, selects: [] }));
  return e;
}

/** The select list that maps a reject (`r.line`, `r.reason`, `r.raw`) and fixed values onto the rejects table's columns. */
function rejectColumns(columns: readonly ColumnDef[], values: Readonly<Record<string, string | number | null>>): string {
  return columns
    .map((c) => {
      const fixed = values[c.name];
      const value = ['line', 'reason', 'raw'].includes(c.name) ? `r.${c.name}` : fixed === undefined || fixed === null ? 'NULL' : typeof fixed === 'number' ? String(fixed) : quoteLiteral(fixed);
      return `CAST(${value} AS ${c.type}) AS ${physicalName(c.id)}`;
    })
    .join(', ');
}
