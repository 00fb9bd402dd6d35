import type { Warehouse } from '../src/index.js';
import type { ColumnDef, DataFile, TableVersion } from '../src/catalog/model.js';
import type { ObjectStore } from '../src/storage/object-store.js';
import { commitTree } from '../src/warehouse/committer.js';
import { mapPool } from './bench-util.js';
import type { GeneratedColumn, GeneratedFile } from './data-gen.js';

/** A table to register: its columns and the data files already in the object store. */
export interface LoadedTable {
  readonly schema: string;
  readonly name: string;
  readonly columns: readonly ColumnDef[];
  readonly files: readonly DataFile[];
}

/** Column definitions with ids 1…n, so column `i` lives in the files as `c<i+1>` (what the generator writes). */
export function columnDefs(columns: readonly GeneratedColumn[]): ColumnDef[] {
  return columns.map((c, i) => ({ id: i + 1, name: c.name, type: c.type }));
}

/**
 * Moves generated files into the object store the way a write does
 * (`put`: content hash, fsync, rename), many at a time; returns them as the
 * data files of a table with the given columns.
 */
export async function storeFiles(store: ObjectStore, files: readonly GeneratedFile[], columns: readonly ColumnDef[], concurrency = 64): Promise<DataFile[]> {
  const columnIds = columns.map((c) => c.id);
  return mapPool(files, concurrency, async (f) => {
    const o = await store.put(f.path, 'parquet');
    return { key: o.key, rows: f.rows, bytes: o.bytes, columnIds };
  });
}

/**
 * Registers tables in database `db` with one commit, as a write statement
 * would (working tree from the head, table versions, compare-and-swap of the
 * ref). The bench-only path that lets 100,000 files in without SQL.
 */
export function commitTables(warehouse: Warehouse, db: string, tables: readonly LoadedTable[], message: string): string {
  const head = warehouse.requireRef(db).commitId;
  const tree = warehouse.tree(head);
  for (const t of tables) {
    const version: TableVersion = {
      columns: t.columns,
      nextColumnId: Math.max(0, ...t.columns.map((c) => c.id)) + 1,
      files: t.files,
      deletes: [],
    };
    tree.setTable(t.schema, t.name, version);
  }
  return commitTree(warehouse, db, head, tree, message).id;
}

/** The local paths of the data files of `db.schema.table` (for raw DuckDB and physical copies). */
export function tableFilePaths(warehouse: Warehouse, db: string, schema: string, table: string): string[] {
  const obj = warehouse.tree(warehouse.requireRef(db).commitId).object(schema, table);
  if (obj?.kind !== 'table') throw new Error(`bench: ${db}.${schema}.${table} is not a table`);
  return obj.version.files.map((f) => warehouse.store.localPath(f.key));
}

/** Every data and delete file key `db` references, with sizes. */
export function databaseFiles(warehouse: Warehouse, db: string): Map<string, number> {
  return new Map(warehouse.databaseFiles(db).map((f) => [f.key, f.bytes]));
}
