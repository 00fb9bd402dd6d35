import { forbidden, invalid } from '../core/errors.js';
import { ALLOWED_FUNCTIONS, ALLOWED_TABLE_FUNCTIONS } from './function-allowlist.js';

/** A table reference found in a query: up to three name parts, as DuckDB parsed them. */
export interface TableReference {
  readonly catalog: string;
  readonly schema: string;
  readonly name: string;
  /** DuckDB's `query_location` of the reference (passed through as DuckDB reports it). */
  readonly location?: number;
}

/** How strictly a parse tree is walked. */
export interface ScopeRules {
  /** Only a constant expression is allowed (the timestamp of `AT (TIMESTAMP => …)`): no relation, no column, no subquery. */
  readonly constantOnly?: boolean;
}

/**
 * The query node types of DuckDB's serialized parse tree (`json_serialize_sql`, DuckDB 1.5).
 * Each may carry a `cte_map` whose names are visible inside it only.
 */
const QUERY_NODES = new Set(['SELECT_NODE', 'SET_OPERATION_NODE', 'RECURSIVE_CTE_NODE', 'CTE_NODE']);

/**
 * Every TableRef type DuckDB serializes (TableReferenceType): the relation-producing constructs.
 * BASE_TABLE, JOIN, SUBQUERY, TABLE_FUNCTION, EXPRESSION_LIST and EMPTY are walked; SHOW_REF
 * (DESCRIBE/SUMMARIZE/SHOW in FROM), COLUMN_DATA, DELIM_GET and any type not named here are refused.
 */
const TABLE_REFS = new Set(['BASE_TABLE', 'JOIN', 'SUBQUERY', 'TABLE_FUNCTION', 'EXPRESSION_LIST', 'PIVOT', 'EMPTY']);

/** `type` values of serialized parts that are neither relations nor query nodes (result modifiers, ORDER BY terms). */
const NOT_RELATIONS = new Set([
  'ORDER_MODIFIER',
  'LIMIT_MODIFIER',
  'LIMIT_PERCENT_MODIFIER',
  'DISTINCT_MODIFIER',
  'ORDER_DEFAULT',
  'ASCENDING',
  'DESCENDING',
]);

/** Keys whose values are types or literal values: they hold no relation or function call. */
const SKIPPED_KEYS = new Set(['cast_type', 'expected_types', 'return_type']);

/** CTE names visible at a point of the query, innermost scope first. */
type Scope = readonly ReadonlySet<string>[];

const refused = (what: string): Error => forbidden('SQL_FORBIDDEN', `${what} is not allowed: user SQL reads only Mayfly tables and views and calls only allow-listed functions`);

/**
 * Walks DuckDB's parse tree of one statement with SQL's scoping: a CTE name
 * hides a table only inside the query that defines it (recursive CTEs inside
 * their own body, earlier CTEs in later ones), never outside. Returns every
 * table reference that is not a CTE in scope; refuses files, engine
 * relations, constructs it does not know and functions not on the allow-list.
 */
export function walkStatement(statement: unknown, rules: ScopeRules = {}): TableReference[] {
  const tables: TableReference[] = [];
  new Walker(tables, rules).visit(statement, []);
  return tables;
}

class Walker {
  /** Whether the statement's own query node was entered (a constant expression allows only that one). */
  private entered = false;

  constructor(
    private readonly tables: TableReference[],
    private readonly rules: ScopeRules,
  ) {}

  visit(node: unknown, scope: Scope): void {
    if (Array.isArray(node)) {
      for (const n of node) this.visit(n, scope);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    const o = node as Record<string, unknown>;
    if (typeof o.class === 'string') return this.expression(o, scope);
    if (typeof o.type === 'string') {
      if (QUERY_NODES.has(o.type)) return this.queryNode(o, scope);
      if (TABLE_REFS.has(o.type)) return this.tableRef(o, scope);
      if (!NOT_RELATIONS.has(o.type)) throw refused(`the construct ${o.type}`);
    }
    this.fields(o, scope);
  }

  private fields(o: Record<string, unknown>, scope: Scope, skip: readonly string[] = []): void {
    for (const [key, value] of Object.entries(o)) {
      if (value === null || typeof value !== 'object' || SKIPPED_KEYS.has(key) || skip.includes(key)) continue;
      if (key === 'type') continue; // a LogicalType, never a relation
      this.visit(value, scope);
    }
  }

  /** A query node: its CTEs are visible to later CTEs and to its own body; a recursive CTE sees itself. */
  private queryNode(o: Record<string, unknown>, outer: Scope): void {
    if (this.rules.constantOnly && this.entered) throw refused('a query inside a constant expression');
    this.entered = true;
    let scope = outer;
    if (o.type === 'RECURSIVE_CTE_NODE' && typeof o.cte_name === 'string') scope = [new Set([o.cte_name.toLowerCase()]), ...scope];
    const entries = ((o.cte_map as { map?: unknown } | undefined)?.map ?? []) as { key?: unknown; value?: { query?: unknown } }[];
    if (!Array.isArray(entries)) throw refused('an unreadable WITH clause');
    const names = new Set<string>();
    for (const entry of entries) {
      if (typeof entry.key !== 'string') throw refused('an unnamed CTE');
      // The body sees the CTEs defined before it (and itself only through a RECURSIVE_CTE_NODE).
      this.visit(entry.value?.query, [new Set(names), ...scope]);
      names.add(entry.key.toLowerCase());
    }
    if (o.type === 'CTE_NODE' && typeof o.ctename === 'string') names.add(o.ctename.toLowerCase());
    this.fields(o, names.size > 0 ? [names, ...scope] : scope, ['cte_map']);
  }

  private tableRef(o: Record<string, unknown>, scope: Scope): void {
    if (this.rules.constantOnly && o.type !== 'EMPTY') throw refused('a table inside a constant expression');
    switch (o.type) {
      case 'BASE_TABLE':
        return this.baseTable(o, scope);
      case 'TABLE_FUNCTION': {
        const fn = o.function as Record<string, unknown> | undefined;
        const name = typeof fn?.function_name === 'string' ? fn.function_name.toLowerCase() : '';
        if (!ALLOWED_TABLE_FUNCTIONS.has(name) || qualified(fn)) throw refused(`table function ${name || '(unknown)'}()`);
        if (fn) this.fields(fn, scope);
        return this.fields(o, scope, ['function']);
      }
      case 'PIVOT':
        // `IN <enum type>` reads a type from the engine's catalog.
        if (Array.isArray(o.pivots) && o.pivots.some((p: unknown) => typeof (p as { pivot_enum?: unknown }).pivot_enum === 'string' && (p as { pivot_enum: string }).pivot_enum !== '')) {
          throw refused('PIVOT … IN <enum type>');
        }
        return this.fields(o, scope);
      default:
        return this.fields(o, scope);
    }
  }

  private baseTable(o: Record<string, unknown>, scope: Scope): void {
    const name = typeof o.table_name === 'string' ? o.table_name : '';
    const catalog = typeof o.catalog_name === 'string' ? o.catalog_name : '';
    const schema = typeof o.schema_name === 'string' ? o.schema_name : '';
    if (o.at_clause) throw invalid('SQL_UNSUPPORTED', 'write AT (TIMESTAMP => …) directly after the table name');
    if ([catalog, schema, name].some(looksLikePath)) throw refused('reading a file by its path');
    if (!catalog && !schema && scope.some((s) => s.has(name.toLowerCase()))) return;
    const location = typeof o.query_location === 'number' && o.query_location < Number.MAX_SAFE_INTEGER ? o.query_location : undefined;
    this.tables.push({ catalog, schema, name, ...(location !== undefined ? { location } : {}) });
  }

  private expression(o: Record<string, unknown>, scope: Scope): void {
    if (o.class === 'FUNCTION' || o.class === 'WINDOW') {
      const name = typeof o.function_name === 'string' ? o.function_name.toLowerCase() : '';
      if (!ALLOWED_FUNCTIONS.has(name) || qualified(o)) throw refused(`function ${name || '(unknown)'}()`);
    }
    // A bare name (current_timestamp is one) is allowed: with no relation in reach it can only name SQL's value functions.
    if (this.rules.constantOnly && (o.class === 'SUBQUERY' || o.class === 'STAR' || o.class === 'PARAMETER')) {
      throw refused('a subquery inside a constant expression');
    }
    // A constant's value is data, not SQL.
    this.fields(o, scope, o.class === 'CONSTANT' ? ['value'] : []);
  }
}

/** True when a function call names a schema or catalog other than DuckDB's default `main` (pg_catalog macros, `system.…`). */
function qualified(fn: Record<string, unknown> | undefined): boolean {
  const schema = typeof fn?.schema === 'string' ? fn.schema.toLowerCase() : '';
  const catalog = typeof fn?.catalog === 'string' ? fn.catalog : '';
  return catalog !== '' || (schema !== '' && schema !== 'main');
}

/** A relation name DuckDB would read as a file (replacement scan): it has a path separator, a dot or a scheme. */
function looksLikePath(name: string): boolean {
  return /[/\\.:*?~]/.test(name);
}
