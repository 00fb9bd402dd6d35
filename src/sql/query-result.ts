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
 * Numbers arrive from DuckDB's JSON conversion as strings (BIGINT, DECIMAL);
 * turn them into numbers when that loses nothing, so `--json` prints `42`, not `"42"`.
 */
export function tidyCell(value: unknown): Cell {
  if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value)) {
    const n = Number(value);
    if (String(n) === value) return n;
  }
  if (Array.isArray(value)) return value.map(tidyCell);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, Cell> = {};
    for (const [k, v] of Object.entries(value)) out[k] = tidyCell(v);
    return out;
  }
  return value as Cell;
}
