/**
 * Generates src/sql/function-allowlist.ts from `duckdb_functions()` of the
 * DuckDB this package pins. Run after a DuckDB upgrade:
 *
 *   npx tsc -p tsconfig.json && node dist/src/sql/generate-function-allowlist.js
 *
 * and review the diff: a function new in the upgrade appears there (and is
 * refused until it does). Rules, by category:
 * - scalar, aggregate and window functions of the `main` schema are allowed,
 *   except those named in DENIED (files, settings, the catalog, plans,
 *   sequences, logs, engine internals);
 * - built-in scalar macros of `main` are allowed only when their body, parsed
 *   by DuckDB, reads no relation and calls only allowed functions;
 * - the special forms `unnest`/`unlist` in a select list are allowed;
 * - pg_catalog macros, table macros, pragmas and every table function are
 *   refused, except the row generators in GENERATORS.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';

/** Table functions user SQL may call: they generate rows from their arguments and touch no file. */
const GENERATORS = ['generate_series', 'json_each', 'json_tree', 'range', 'unnest'];

/** Names the parser produces for special forms the binder handles itself (`unnest(…)` in a select list): not in duckdb_functions() as scalars. */
const SPECIAL_FORMS = ['unlist', 'unnest'];

/** Functions that reveal or change the engine, its settings, catalog, plans or files. */
const DENIED =
  /^(__internal_|current_setting$|getvariable$|getenv$|current_database$|current_schema|current_query|current_connection_id$|current_transaction_id$|txid_current$|in_search_path$|currval$|nextval$|setval$|json_serialize_plan$|json_serialize_sql$|json_deserialize_sql$|json_execute_serialized_sql$|parse_duckdb_log_message$|write_log$|stats$|finalize$|combine$|read_|parquet_|duckdb_|pragma_|glob$|query$|query_table$|sniff_csv$|which_secret$|checkpoint$|force_checkpoint$)/;

interface FunctionRow {
  readonly name: string;
  readonly type: string;
  readonly schema: string;
  readonly definition: string | null;
}

async function main(): Promise<void> {
  const instance = await DuckDBInstance.create(':memory:', { autoload_known_extensions: 'false', autoinstall_known_extensions: 'false' });
  const conn = await instance.connect();
  try {
    const version = String((await conn.runAndReadAll('SELECT version() AS v')).getRowObjectsJson()[0]?.v);
    const rows = (
      await conn.runAndReadAll('SELECT DISTINCT function_name AS name, function_type AS type, schema_name AS schema, macro_definition AS definition FROM duckdb_functions()')
    ).getRowObjectsJson() as unknown as FunctionRow[];
    const allowed = new Set<string>(SPECIAL_FORMS);
    for (const r of rows) if (r.schema === 'main' && (r.type === 'scalar' || r.type === 'aggregate') && !DENIED.test(r.name)) allowed.add(r.name);
    // A macro is allowed once every function its body calls is; repeat until nothing changes (macros call macros).
    const macros = rows.filter((r) => r.schema === 'main' && r.type === 'macro' && !DENIED.test(r.name) && r.definition !== null);
    for (let changed = true; changed; ) {
      changed = false;
      for (const m of macros) {
        if (allowed.has(m.name)) continue;
        const json = (await conn.runAndReadAll(`SELECT json_serialize_sql($mf$SELECT ${m.definition ?? ''}$mf$) AS j`)).getRowObjectsJson()[0]?.j;
        if (typeof json === 'string' && macroBodyAllowed(JSON.parse(json) as unknown, allowed)) {
          allowed.add(m.name);
          changed = true;
        }
      }
    }
    const names = [...allowed].sort();
    const out = fileURLToPath(new URL('../../../src/sql/function-allowlist.ts', import.meta.url));
    writeFileSync(out, render(version, names));
    console.log(`${names.length} functions and ${GENERATORS.length} generators allowed for DuckDB ${version}; wrote ${out}`);
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

/** True when a parsed macro body reads no relation and calls only allowed functions. */
function macroBodyAllowed(node: unknown, allowed: ReadonlySet<string>): boolean {
  if (Array.isArray(node)) return node.every((n) => macroBodyAllowed(n, allowed));
  if (node === null || typeof node !== 'object') return true;
  const o = node as Record<string, unknown>;
  if (o.error === true) return false;
  if (o.class === 'SUBQUERY') return false;
  if (typeof o.type === 'string' && o.class === undefined && o.type !== 'EMPTY' && /^(BASE_TABLE|JOIN|SUBQUERY|TABLE_FUNCTION|EXPRESSION_LIST|PIVOT|SHOW_REF|COLUMN_DATA|DELIM_GET)$/.test(o.type)) return false;
  if ((o.class === 'FUNCTION' || o.class === 'WINDOW') && typeof o.function_name === 'string') {
    if (o.schema !== '' && o.schema !== undefined && o.schema !== 'main') return false;
    if (o.catalog !== '' && o.catalog !== undefined) return false;
    if (!allowed.has(o.function_name) && !o.is_operator) return false;
  }
  return Object.values(o).every((v) => macroBodyAllowed(v, allowed));
}

function render(version: string, names: readonly string[]): string {
  const lines = names.map((n) => `  ${JSON.stringify(n)},`).join('\n');
  return `// Generated by src/sql/generate-function-allowlist.ts from duckdb_functions() of DuckDB ${version}; do not edit by hand.
// A function missing here is refused in user SQL: review the generator's rules before adding one.

/** The DuckDB version the allow-list was generated from. */
export const ALLOWLIST_DUCKDB_VERSION = ${JSON.stringify(version)};

/** Scalar, aggregate and window functions (and safe built-in macros) user SQL may call, lower case. */
export const ALLOWED_FUNCTIONS: ReadonlySet<string> = new Set([
${lines}
]);

/** Names in ALLOWED_FUNCTIONS that are parser special forms, not catalog functions. */
export const SPECIAL_FORMS: ReadonlySet<string> = new Set(${JSON.stringify(SPECIAL_FORMS)});

/** Table functions user SQL may call: row generators that touch no file. */
export const ALLOWED_TABLE_FUNCTIONS: ReadonlySet<string> = new Set(${JSON.stringify(GENERATORS)});
`;
}

await main();
