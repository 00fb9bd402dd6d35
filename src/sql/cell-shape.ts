import { DuckDBTypeId, type DuckDBType } from '@duckdb/node-api';
import type { CellShape } from './query-result.js';

const NUMERIC: ReadonlySet<DuckDBTypeId> = new Set([
  DuckDBTypeId.TINYINT,
  DuckDBTypeId.SMALLINT,
  DuckDBTypeId.INTEGER,
  DuckDBTypeId.BIGINT,
  DuckDBTypeId.HUGEINT,
  DuckDBTypeId.UTINYINT,
  DuckDBTypeId.USMALLINT,
  DuckDBTypeId.UINTEGER,
  DuckDBTypeId.UBIGINT,
  DuckDBTypeId.UHUGEINT,
  DuckDBTypeId.FLOAT,
  DuckDBTypeId.DOUBLE,
  DuckDBTypeId.DECIMAL,
]);

/** Where a column of DuckDB type `type` holds numbers (see {@link CellShape}). */
export function cellShape(type: DuckDBType): CellShape {
  if (NUMERIC.has(type.typeId)) return 'number';
  switch (type.typeId) {
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.ARRAY:
      return { list: cellShape(type.valueType) };
    case DuckDBTypeId.MAP:
      return { map: { key: cellShape(type.keyType), value: cellShape(type.valueType) } };
    case DuckDBTypeId.STRUCT:
      return { struct: Object.fromEntries(type.entryNames.map((name, i) => [name, cellShape(type.entryTypes[i] as DuckDBType)])) };
    default:
      return 'other';
  }
}
