import { forbidden, invalid } from '../core/errors.js';
import type { MayflyError } from '../core/errors.js';
import type { TokenCursor } from './token-cursor.js';
import type { CloneClause, Statement } from './statements.js';

/** A statement without the `text` and `offset` every statement has; what each grammar rule returns. */
export type StatementBody = Statement extends infer S ? (S extends Statement ? Omit<S, 'text' | 'offset'> : never) : never;

/** Keywords a query may start with (besides `(`). */
export const QUERY_KEYWORDS = ['select', 'with', 'values', 'from', 'table', 'pivot', 'unpivot'] as const;
const QUERY_STARTS: ReadonlySet<string> = new Set(QUERY_KEYWORDS);

/** Statement verbs refused outright: they reach files, extensions or engine settings. */
export const FORBIDDEN_VERBS = ['copy', 'attach', 'detach', 'install', 'load', 'set', 'reset', 'pragma', 'export', 'import', 'call', 'checkpoint', 'force'] as const;

/** Object kinds DuckDB can create or drop that Mayfly does not manage. */
export const UNSUPPORTED_OBJECTS = ['secret', 'macro', 'function', 'sequence', 'type', 'index', 'unique'] as const;

const SUPPORTED_STATEMENTS =
  'SELECT/WITH/VALUES/FROM/TABLE/PIVOT/UNPIVOT queries, EXPLAIN [ANALYZE] <query>, ' +
  'CREATE/DROP DATABASE, ALTER DATABASE … SWAP WITH, USE, CREATE/DROP SCHEMA, CREATE/DROP/ALTER TABLE, CREATE/DROP VIEW, ' +
  'CREATE/DROP PIPE, INSERT, UPDATE, DELETE, BEGIN/COMMIT/ROLLBACK, SHOW DATABASES/SCHEMAS/TABLES/PIPES, DESCRIBE';

/** The SQL_FORBIDDEN error for a sandbox-breaking statement such as `COPY`. */
export function forbiddenVerb(verb: string): MayflyError {
  return forbidden(
    'SQL_FORBIDDEN',
    `${verb} is not allowed: Mayfly sandboxes SQL so it cannot read or write files on this machine or change engine settings`,
  );
}

/** The SQL_UNSUPPORTED error for valid DuckDB SQL that Mayfly does not handle, such as `CREATE MACRO`. */
export function unsupported(what: string): MayflyError {
  return invalid('SQL_UNSUPPORTED', `${what} is not supported by Mayfly; supported statements are: ${SUPPORTED_STATEMENTS}`);
}

/** True when a query can start at token `index`. */
export function isQueryStart(cursor: TokenCursor, index: number): boolean {
  const token = cursor.tokens[index];
  return cursor.isSymbol('(', index) || (token?.type === 'ident' && QUERY_STARTS.has(token.value));
}

/**
 * Checks that a query starts at token `index`, and that a WITH clause leads to a query: DuckDB
 * also runs `WITH … INSERT/UPDATE/DELETE`, which would bypass Mayfly's handling of writes.
 */
export function checkQuery(cursor: TokenCursor, index: number, expected = 'a query (SELECT, WITH, VALUES, FROM, TABLE, PIVOT or UNPIVOT)'): void {
  if (!isQueryStart(cursor, index)) throw cursor.errorAt(index, expected);
  if (!cursor.isKeyword('with', index)) return;
  const main = statementAfterWith(cursor, index);
  if (main >= cursor.tokens.length) throw cursor.errorAt(main, 'a query after the WITH clause');
  if (!isQueryStart(cursor, main) || cursor.isKeyword('with', main)) {
    throw unsupported(`WITH … ${cursor.tokens[main]?.text.toUpperCase()}`);
  }
}

/** Index of the first token after the common table expressions of the WITH at `withIndex`. */
function statementAfterWith(cursor: TokenCursor, withIndex: number): number {
  let i = cursor.isKeyword('recursive', withIndex + 1) ? withIndex + 2 : withIndex + 1;
  for (;;) {
    // name [(columns)] [USING KEY (…)] AS [NOT] [MATERIALIZED] ( query )
    const as = cursor.findTopLevel((k) => cursor.isKeyword('as', k), i);
    if (as === undefined) throw cursor.errorAt(i, 'name AS (query) in the WITH clause');
    let open = as + 1;
    if (cursor.isKeyword('not', open)) open++;
    if (cursor.isKeyword('materialized', open)) open++;
    const close = cursor.closing(open);
    if (!cursor.isSymbol('(', open) || close === undefined) throw cursor.errorAt(open, '"(" starting the body of a WITH query');
    i = close + 1;
    if (!cursor.isSymbol(',', i)) return i;
    i++;
  }
}

/** Fails with SQL_UNSUPPORTED if `RETURNING` or `ON CONFLICT` appears at the top level from `from` on. */
export function refuseWriteClauses(cursor: TokenCursor, from: number, statement: string): void {
  const at = cursor.findTopLevel((k) => cursor.isKeyword('returning', k) || (cursor.isKeyword('on', k) && cursor.isKeyword('conflict', k + 1)), from);
  if (at !== undefined) {
    const clause = cursor.isKeyword('returning', at) ? 'RETURNING' : 'ON CONFLICT';
    throw unsupported(`${statement} … ${clause}`);
  }
}

/** Reads an optional `IF NOT EXISTS`, which cannot be combined with OR REPLACE. */
export function readIfNotExists(c: TokenCursor, orReplace: boolean): boolean {
  const at = c.pos;
  const ifNotExists = c.accept('if', 'not', 'exists');
  if (ifNotExists && orReplace) throw c.failAt(at, 'OR REPLACE and IF NOT EXISTS cannot be combined');
  return ifNotExists;
}

/** Reads an optional `IF EXISTS`. */
export function readIfExists(c: TokenCursor): boolean {
  return c.accept('if', 'exists');
}

/** Reads an optional `CLONE source [AT (…)]` that ends the statement; the source has at most `maxParts` parts. */
export function readCloneEnd(c: TokenCursor, maxParts: number): { clone?: CloneClause } {
  if (c.done()) return {};
  c.expect('CLONE <source> or the end of the statement', 'clone');
  const source = c.readObjectName('the name of the object to clone', maxParts);
  const clone: CloneClause = c.isKeyword('at') || c.isKeyword('before') ? { source, at: c.readAtClause() } : { source };
  c.expectEnd('the CLONE clause');
  return { clone };
}
