import { quoteLiteral } from '../core/names.js';

/** Separates the values of one column inside its one string literal (ASCII unit separator). */
const SEPARATOR = '\u001f';

/**
 * An INSERT of a batch of rows given column by column, each column sent as a
 * single string literal that DuckDB splits and unnests (its values cast to the
 * column's type by the insert). Measured against `VALUES (…),(…)` for 100,000
 * rows of six columns: about 10× faster, because the parsers see six tokens
 * per batch instead of six per row. A column whose values contain the
 * separator is sent as a list literal instead; a column of NULLs
 * (unsupported types) as NULL.
 *
 * @param table the target, already quoted (`"db"."schema"."table"`)
 * @param columns one array per column, each holding the batch's values in row order
 */
export function columnarInsert(table: string, columns: readonly (readonly (string | null)[])[], rows: number): string {
  const selected = columns.map((values, i) => `${columnExpression(values)} AS c${i + 1}`);
  // Without any unnest the select would make one row; range() makes the batch's rows.
  const from = columns.every((values) => values.every((v) => v === null)) ? ` FROM range(${rows})` : '';
  return `INSERT INTO ${table} SELECT ${selected.join(', ')}${from}`;
}

function columnExpression(values: readonly (string | null)[]): string {
  if (values.every((v) => v === null)) return 'NULL';
  // The list form keeps a value holding the separator (possible in sampled keys) or a lone NULL intact.
  if (values.some((v) => v === null || v.includes(SEPARATOR))) {
    return `unnest([${values.map((v) => (v === null ? 'NULL' : quoteLiteral(v))).join(', ')}])`;
  }
  return `unnest(string_split(${quoteLiteral(values.join(SEPARATOR))}, chr(31)))`;
}
