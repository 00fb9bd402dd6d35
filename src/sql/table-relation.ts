import { quoteIdent, quoteLiteral } from '../core/names.js';
import { decodeColumn } from './column-storage.js';

/** A column as the engine binds it. */
export interface BoundColumn {
  readonly id: number;
  readonly name: string;
  readonly type: string;
}

/** A table as the engine reads it: columns, data files and delete vectors with local paths. */
export interface BoundTable {
  readonly columns: readonly BoundColumn[];
  readonly files: readonly { readonly key: string; readonly path: string; readonly columnIds: readonly number[] }[];
  readonly deletes: readonly { readonly path: string; readonly targets: readonly string[] }[];
}

/** The physical name of a column inside data files: stable across renames. */
export function physicalName(columnId: number): string {
  return `c${columnId}`;
}

/** Hidden column of the write path: the key of the data file a row is in. */
export const FILE_COLUMN = '__mf_file';
/** Hidden column of the write path: the row's position in its data file. */
export const POS_COLUMN = '__mf_pos';

/**
 * The SQL of a relation that reads a table: its data files minus the rows its
 * delete vectors name, with columns renamed from physical ids to user names.
 * Files written under different column sets are read in groups and unioned,
 * columns a group lacks read as NULL, and columns whose type is stored in
 * another form (column-storage.ts) are cast back. With `withPositions`, the relation also
 * yields each row's file key and row number (for DELETE and UPDATE).
 */
export function tableRelationSql(table: BoundTable, withPositions = false): string {
  const hidden = withPositions ? `, NULL::VARCHAR AS ${FILE_COLUMN}, NULL::BIGINT AS ${POS_COLUMN}` : '';
  if (table.files.length === 0) {
    const cols = table.columns.map((c) => `CAST(NULL AS ${c.type}) AS ${quoteIdent(c.name)}`);
    return `SELECT ${cols.join(', ') || 'NULL AS __mf_empty'}${hidden} LIMIT 0`;
  }
  const groups = new Map<string, { key: string; path: string; columnIds: readonly number[] }[]>();
  for (const f of table.files) {
    const sig = [...f.columnIds].sort((a, b) => a - b).join(',');
    const g = groups.get(sig);
    if (g) g.push(f);
    else groups.set(sig, [f]);
  }
  const parts: string[] = [];
  // Files no delete vector names are read as they are; only the others pay for the anti-join.
  const touched = new Set(table.deletes.flatMap((d) => d.targets));
  for (const files of groups.values()) {
    const clean = files.filter((f) => !touched.has(f.key));
    const dirty = files.filter((f) => touched.has(f.key));
    if (clean.length > 0) parts.push(groupSql(table, clean, [], withPositions));
    if (dirty.length > 0) {
      const keys = new Set(dirty.map((f) => f.key));
      parts.push(groupSql(table, dirty, table.deletes.filter((d) => d.targets.some((k) => keys.has(k))), withPositions));
    }
  }
  return parts.join('\nUNION ALL\n');
}

function groupSql(
  table: BoundTable,
  files: readonly { key: string; path: string; columnIds: readonly number[] }[],
  deletes: readonly { path: string }[],
  withPositions: boolean,
): string {
  const present = new Set(files[0]?.columnIds ?? []);
  const cols = table.columns.map((c) =>
    present.has(c.id) ? `${decodeColumn(`t.${physicalName(c.id)}`, c.type, c.name)} AS ${quoteIdent(c.name)}` : `CAST(NULL AS ${c.type}) AS ${quoteIdent(c.name)}`,
  );
  if (withPositions) cols.push(`parse_filename(t.filename) AS ${FILE_COLUMN}`, `t.file_row_number AS ${POS_COLUMN}`);
  const paths = files.map((f) => quoteLiteral(f.path)).join(', ');
  const options = withPositions ? ', filename = true, file_row_number = true' : deletes.length ? ', file_row_number = true' : '';
  let sql = `SELECT ${cols.join(', ') || 'NULL AS __mf_empty'} FROM read_parquet([${paths}]${options}) t`;
  if (deletes.length > 0) {
    // Delete vectors name files by key; map keys to this read's file_index so the anti-join compares integers.
    // The index is cast to file_index's own type (UBIGINT): an INTEGER would make DuckDB compare both
    // sides as HUGEINT, casting every row of the scan before probing.
    const keys = files.map((f, i) => `(${quoteLiteral(f.key)}, ${i})`).join(', ');
    const dvPaths = deletes.map((d) => quoteLiteral(d.path)).join(', ');
    sql +=
      ` ANTI JOIN (SELECT CAST(m.i AS UBIGINT) AS i, d.pos FROM read_parquet([${dvPaths}]) d JOIN (VALUES ${keys}) m(k, i) ON d.file_key = m.k) dv` +
      ` ON t.file_index = dv.i AND t.file_row_number = dv.pos`;
  }
  return sql;
}
