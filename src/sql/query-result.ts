/** A JSON-safe cell value. */
export type Cell = string | number | boolean | null | readonly Cell[] | { readonly [k: string]: Cell };

/** Rows of a query, JSON-safe, with column names and DuckDB types. */
export interface QueryResult {
  readonly columns: readonly { readonly name: string; readonly type: string }[];
  readonly rows: readonly Readonly<Record<string, Cell>>[];
  /** True when the query had more rows than were fetched (see `maxRows`). */
  readonly truncated?: boolean;
}

/**
 * Where a result's values are numbers, read from the column's DuckDB type:
 * `number` for numeric types, `other` for everything else, and the parts of
 * nested types. Only numeric values are ever turned into numbers, so a
 * VARCHAR `'42'` stays the string it is.
 */
export type CellShape =
  | 'number'
  | 'other'
  | { readonly list: CellShape }
  | { readonly struct: Readonly<Record<string, CellShape>> }
  | { readonly map: { readonly key: CellShape; readonly value: CellShape } };

/**
 * Numbers arrive from DuckDB's JSON conversion as strings (BIGINT, HUGEINT,
 * DECIMAL); turn those of numeric columns into numbers when that loses
 * nothing, so `--json` prints `42`, not `"42"`.
 */
export function tidyCell(value: unknown, shape: CellShape): Cell {
  if (value === null || value === undefined) return null;
  if (shape === 'number') {
    if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value)) {
      const n = Number(value);
      if (String(n) === value) return n;
    }
    return value as Cell;
  }
  if (shape === 'other') return value as Cell;
  if ('list' in shape) return Array.isArray(value) ? value.map((v) => tidyCell(v, shape.list)) : (value as Cell);
  if ('map' in shape) {
    if (!Array.isArray(value)) return value as Cell;
    return value.map((e: { key?: unknown; value?: unknown }) => ({ key: tidyCell(e.key, shape.map.key), value: tidyCell(e.value, shape.map.value) }));
  }
  if (typeof value !== 'object') return value as Cell;
  const out: Record<string, Cell> = {};
  for (const [k, v] of Object.entries(value)) out[k] = tidyCell(v, shape.struct[k] ?? 'other');
  return out;
}
