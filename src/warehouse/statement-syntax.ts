import type { DuckEngine } from '../sql/duck-engine.js';
import type { Statement } from '../sql/statements.js';
import { rewriteTimeTravel } from '../sql/time-travel-rewrite.js';
import { fragmentTail } from './table-writes.js';

/**
 * Parses the SQL a statement carries (queries, expressions, column lists,
 * types) with DuckDB's parser, binding nothing, so a script is known to parse
 * as a whole before any statement of it runs.
 */
export async function checkStatementSyntax(engine: DuckEngine, s: Statement): Promise<void> {
  const query = (sql: string): Promise<void> => engine.checkSyntax(rewriteTimeTravel(sql).sql);
  switch (s.kind) {
    case 'query':
    case 'create_view':
      return query(s.kind === 'query' ? s.sql : s.query);
    case 'insert':
      return query(s.source);
    case 'update':
      return query(`SELECT ${s.assignments.map((a) => `(${a.valueSql}\n)`).join(', ')} FROM t AS t${fragmentTail(s.fromSql, s.whereSql)}`);
    case 'delete':
      return query(`SELECT 1 FROM t AS t${fragmentTail(s.usingSql, s.whereSql)}`);
    case 'create_table':
      if (s.asQuery !== undefined) return query(s.asQuery);
      // Column types are resolved too: an unknown type fails the script before anything runs.
      if (s.columnsSql !== undefined) await engine.columnsOf(s.columnsSql);
      return;
    case 'alter_table':
      if (s.action.kind === 'add_column') await engine.normaliseType(s.action.typeSql);
      return;
    default:
      return;
  }
}

