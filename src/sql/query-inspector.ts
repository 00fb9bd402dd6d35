import { forbidden, invalid } from '../core/errors.js';
import { describePosition } from './sql-tokenizer.js';
import { codePointOffsetToIndex } from './text-offsets.js';

/** A table reference found in a query: up to three name parts, as DuckDB parsed them. */
export interface TableReference {
  readonly catalog: string;
  readonly schema: string;
  readonly name: string;
  /** Character offset of the reference in the query, when DuckDB reports it. */
  readonly location?: number;
}

/** What a query reads, once it passed the sandbox. */
export interface InspectedQuery {
  readonly tables: readonly TableReference[];
  /** CTE names defined anywhere in the query (unqualified references to them are not tables). */
  readonly ctes: ReadonlySet<string>;
}

/** Table functions user SQL may call: they generate rows and touch no file. */
const ALLOWED_TABLE_FUNCTIONS = new Set(['range', 'generate_series', 'unnest', 'json_each', 'json_tree']);

/** Scalar functions refused in user SQL: they reveal the machine or the engine's internals. */
const DENIED_FUNCTION = /^(read_|parquet_|duckdb_|pragma_|sniff_csv|glob$|query$|query_table$|getenv$|current_setting$|which_secret$|icu_|iceberg_|delta_|sqlite_|postgres_|mysql_)/;

/**
 * Checks a query's parse tree (DuckDB's `json_serialize_sql`) against the
 * sandbox and lists the tables it reads. The engine still runs with external
 * access disabled; this check adds clear errors and hides the engine's own
 * catalog functions.
 */
export function inspectParseTree(json: string, sql: string, options: { readonly trusted?: boolean } = {}): InspectedQuery {
  const tree = JSON.parse(json) as { error: boolean; error_message?: string; error_type?: string; position?: string; statements?: unknown[] };
  if (tree.error) {
    const where = tree.position !== undefined ? ` at ${describePosition(sql, codePointOffsetToIndex(sql, Number(tree.position)))}` : '';
    if (tree.error_type === 'not implemented') throw invalid('SQL_UNSUPPORTED', `only queries are allowed here: ${tree.error_message ?? ''}`);
    throw invalid('SQL_PARSE', `${tree.error_message ?? 'syntax error'}${where}`);
  }
  if ((tree.statements ?? []).length !== 1) throw invalid('SQL_PARSE', 'expected exactly one query');
  const tables: TableReference[] = [];
  const ctes = new Set<string>();
  walk(tree.statements, tables, ctes, options.trusted ?? false);
  return { tables, ctes };
}

function walk(node: unknown, tables: TableReference[], ctes: Set<string>, trusted: boolean): void {
  if (Array.isArray(node)) {
    for (const n of node) walk(n, tables, ctes, trusted);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const o = node as Record<string, unknown>;
  if (o.type === 'BASE_TABLE' && typeof o.table_name === 'string') {
    const location = typeof o.query_location === 'number' && o.query_location < Number.MAX_SAFE_INTEGER ? o.query_location : undefined;
    tables.push({ catalog: String(o.catalog_name ?? ''), schema: String(o.schema_name ?? ''), name: o.table_name, ...(location !== undefined ? { location } : {}) });
    if (o.at_clause) throw invalid('SQL_UNSUPPORTED', 'write AT (TIMESTAMP => …) directly after the table name');
  }
  if (o.type === 'TABLE_FUNCTION' && !trusted) {
    const fn = (o.function as Record<string, unknown> | undefined)?.function_name;
    if (typeof fn !== 'string' || !ALLOWED_TABLE_FUNCTIONS.has(fn.toLowerCase())) {
      throw forbidden('SQL_FORBIDDEN', `table function ${String(fn)}() is not allowed: user SQL cannot read files or engine internals`);
    }
  }
  if (o.class === 'FUNCTION' && !trusted && typeof o.function_name === 'string' && DENIED_FUNCTION.test(o.function_name.toLowerCase())) {
    throw forbidden('SQL_FORBIDDEN', `function ${o.function_name}() is not allowed: user SQL cannot read files or engine internals`);
  }
  const cteMap = o.cte_map as { map?: { key?: unknown }[] } | undefined;
  for (const entry of cteMap?.map ?? []) if (typeof entry.key === 'string') ctes.add(entry.key.toLowerCase());
  for (const value of Object.values(o)) if (value !== null && typeof value === 'object') walk(value, tables, ctes, trusted);
}
