import { invalid } from '../core/errors.js';
import { quoteLiteral } from '../core/names.js';
import type { ColumnDef } from '../catalog/model.js';
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

/**
 * Appends the rows of a landing file to a table, and its rejected rows to
 * the rejects table, as one change of the session's current database: inside
 * the open transaction (so a caller commits its own records with the rows),
 * or as a commit of its own.
 */
export async function loadFile(session: Session, load: FileLoad): Promise<FileLoadResult> {
  const db = session.database;
  const target: QualifiedName = { db, ...load.table };
  const { version } = session.requireTable(target);
  const rejectsTarget: QualifiedName | undefined = load.rejects && { db, ...load.rejects.table };
  const rejectsVersion = rejectsTarget && session.requireTable(rejectsTarget).version;
  if (rejectsVersion && !rejectsVersion.columns.some((c) => c.name === 'reason')) {
    throw invalid('REJECTS_TABLE', `${formatName(rejectsTarget as QualifiedName)} cannot take rejected rows: it has no column named reason`);
  }
  const scan = LandingScan.open(session.engine, load.path, load.format, version.columns);
  try {
    const written = (await scan.writeRows((sql) => writeDataFiles(session, sql, version.columns))) ?? [];
    const rowsRejected = await scan.rejectCount();
    // Files of a refused load stay unreferenced; GC removes them after its grace period.
    const kept = rowsRejected > 0 && !load.keepGoodRows ? [] : written;
    const rejectFiles =
      rowsRejected > 0 && rejectsVersion && load.rejects
        ? await writeDataFiles(session, `SELECT ${rejectColumns(rejectsVersion.columns, load.rejects.values)} FROM (${scan.rejectsSql()}) AS r`, rejectsVersion.columns)
        : [];
    const firstRejects = rowsRejected > 0 ? await scan.rejects(REJECT_PREVIEW) : [];
    await session.mutate(db, `load ${load.path}`, async (tree) => {
      if (kept.length > 0) tree.setTable(target.schema, target.name, { ...version, files: [...version.files, ...kept] });
      if (rejectsTarget && rejectsVersion && rejectFiles.length > 0) {
        tree.setTable(rejectsTarget.schema, rejectsTarget.name, { ...rejectsVersion, files: [...rejectsVersion.files, ...rejectFiles] });
      }
    });
    return { rowsLoaded: kept.reduce((n, f) => n + f.rows, 0), rowsRejected, firstRejects, unreadable: scan.unreadable };
  } finally {
    await scan.close();
  }
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
