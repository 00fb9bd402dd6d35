import type { ColumnDef, TableVersion } from '../catalog/model.js';

/** Rows a table version shows. */
export function liveRows(v: TableVersion): number {
  return v.files.reduce((n, f) => n + f.rows, 0) - v.deletes.reduce((n, d) => n + d.rows, 0);
}

/** Bytes of a table version's data files and delete vectors. */
export function tableBytes(v: TableVersion): number {
  return v.files.reduce((n, f) => n + f.bytes, 0) + v.deletes.reduce((n, d) => n + d.bytes, 0);
}

/** A table's column by name, case-insensitively (as DuckDB resolves column names). */
export function findColumn(v: TableVersion, name: string): ColumnDef | undefined {
  return v.columns.find((c) => c.name.toLowerCase() === name.toLowerCase());
}
