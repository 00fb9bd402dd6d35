import { invalid } from '../core/errors.js';
import { quoteLiteral } from '../core/names.js';
import type { ColumnDef, DataFile, TableVersion } from '../catalog/model.js';
import { dropTables, LandingScan, type LandingReject } from '../sql/landing-reader.js';
import type { LandingFormat } from '../sql/landing-format.js';
import { physicalName } from '../sql/table-relation.js';
import { format as formatName, type QualifiedName, type Session } from './session.js';
import { discardStaged, stageDataFiles, storeDataFiles } from './table-writes.js';

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
 * Appends the rows of several landing files as one change (inside the open
 * transaction, or one commit): each file is read once, straight into its own
 * data files, its rejected rows into the rejects table's; the table versions
 * change once, at the end. A file's data files are moved into the object
 * store (hashed and synced) while the engine reads the next file, and every
 * one of them is stored before the change is made, so the commit never names
 * a file a crash could lose. (Reading every file into a temporary table to
 * write the batch as one file cost more than the syncs it saved:
 * docs/scale.md.) A file that throws, in its read or its store
 * (FileLoadFailure says which), applies nothing of the batch.
 */
export async function loadFiles(session: Session, loads: readonly FileLoad[], options: LoadFilesOptions = {}): Promise<readonly FileLoadResult[]> {
  const db = session.database;
  const results: FileLoadResult[] = [];
  // Per table (rows and rejects alike): its version when first seen and the data files it gets, in load order.
  const added = new Map<string, TableFiles>();
  const stores = new StoresInFlight();
  // The reject tables of CSV reads, dropped together once the batch is read.
  const temps: string[] = [];
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
        try {
          const written = (await scan.writeRows((sql) => stageDataFiles(session, sql, version.columns))) ?? [];
          const rowsRejected = await scan.rejectCount();
          // The rows of a refused load are never stored.
          const refused = rowsRejected > 0 && !load.keepGoodRows;
          if (refused) await discardStaged(written);
          else entry(added, target, version).files.push(stores.start(i, storeDataFiles(session, written, version.columns)));
          if (rowsRejected > 0 && rejectsTarget && rejectsVersion && load.rejects) {
            const sql = `SELECT ${rejectColumns(rejectsVersion.columns, load.rejects.values)} FROM (${scan.rejectsSql()}) AS r`;
            const rejected = await stageDataFiles(session, sql, rejectsVersion.columns);
            entry(added, rejectsTarget, rejectsVersion).files.push(stores.start(i, storeDataFiles(session, rejected, rejectsVersion.columns)));
          }
          const firstRejects = rowsRejected > 0 ? await scan.rejects(REJECT_PREVIEW) : [];
          const rowsLoaded = refused ? 0 : written.reduce((n, f) => n + f.rows, 0);
          results.push({ rowsLoaded, rowsRejected, firstRejects, unreadable: scan.unreadable });
        } finally {
          await scan.close(temps);
        }
      } catch (e) {
        throw new FileLoadFailure(i, e);
      }
      if (options.stopAfter?.(results[i] as FileLoadResult, i)) break;
    }
  } finally {
    // Nothing is left writing into the store once this returns or throws.
    await stores.settled();
  }
  // Dropped on success only: after a failure they go with the session, and the failure is what surfaces.
  await dropTables(session.engine, temps);
  stores.throwFirstFailure();
  const tables: { target: QualifiedName; version: TableVersion; files: DataFile[] }[] = [];
  for (const t of added.values()) tables.push({ target: t.target, version: t.version, files: (await Promise.all(t.files)).flat() });
  await session.mutate(db, loads.length === 1 ? `load ${loads[0]?.path ?? ''}` : `load ${results.length} files`, async (tree) => {
    for (const { target, version, files } of tables) {
      if (files.length > 0) tree.setTable(target.schema, target.name, { ...version, files: version.files.concat(files) });
    }
  });
  return results;
}

/** A table a load adds data files to: its version when first seen, and its files being stored. */
interface TableFiles {
  readonly target: QualifiedName;
  readonly version: TableVersion;
  readonly files: Promise<DataFile[]>[];
}

/** Stores of loads' data files running while the engine reads on; each failure is kept with the index of its load. */
class StoresInFlight {
  private readonly running: Promise<unknown>[] = [];
  private readonly failures: FileLoadFailure[] = [];

  /** Tracks `store`, the store of load `index`'s files; the promise returned is only awaited once {@link settled} found no failure. */
  start(index: number, store: Promise<DataFile[]>): Promise<DataFile[]> {
    this.running.push(store.catch((e: unknown) => this.failures.push(new FileLoadFailure(index, e))));
    return store;
  }

  /** Waits until every store finished, failed or not. */
  async settled(): Promise<void> {
    await Promise.all(this.running);
  }

  /** Throws the failure of the earliest load whose store failed, if any. */
  throwFirstFailure(): void {
    const first = this.failures.sort((a, b) => a.index - b.index)[0];
    if (first) throw first;
  }
}

function entry(map: Map<string, TableFiles>, target: QualifiedName, version: TableVersion): TableFiles {
  const key = `${target.schema}.${target.name}`;
  let e = map.get(key);
  if (!e) map.set(key, (e = { target, version, files: [] }));
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
