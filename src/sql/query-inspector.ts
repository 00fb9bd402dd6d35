import { invalid } from '../core/errors.js';
import { walkStatement, type ScopeRules, type TableReference } from './relation-scope.js';
import { describePosition } from './sql-tokenizer.js';
import { codePointOffsetToIndex } from './text-offsets.js';

export type { TableReference } from './relation-scope.js';

/** What a query reads, once it passed the sandbox: every relation that is not a CTE in scope. */
export interface InspectedQuery {
  readonly tables: readonly TableReference[];
}

/**
 * Checks a query's parse tree (DuckDB's `json_serialize_sql`) against the
 * sandbox and lists the tables it reads, with SQL's scoping (see
 * relation-scope.ts). Each listed table must then resolve to a Mayfly table
 * or view; anything else is refused by the caller.
 */
export function inspectParseTree(json: string, sql: string, rules: ScopeRules = {}): InspectedQuery {
  const tree = JSON.parse(json) as { error: boolean; error_message?: string; error_type?: string; position?: string; statements?: unknown[] };
  if (tree.error) {
    const where = tree.position !== undefined ? ` at ${describePosition(sql, codePointOffsetToIndex(sql, Number(tree.position)))}` : '';
    if (tree.error_type === 'not implemented') throw invalid('SQL_UNSUPPORTED', `only queries are allowed here: ${tree.error_message ?? ''}`);
    throw invalid('SQL_PARSE', `${tree.error_message ?? 'syntax error'}${where}`);
  }
  if ((tree.statements ?? []).length !== 1) throw invalid('SQL_PARSE', 'expected exactly one query');
  return { tables: walkStatement(tree.statements?.[0], rules) };
}
