import { invalid } from '../core/errors.js';
import { describePosition, tokenize } from './sql-tokenizer.js';
import type { Token } from './sql-tokenizer.js';
import type { AtClause, ObjectName } from './statements.js';
import { TokenCursor } from './token-cursor.js';

/** The catalog that holds the placeholder relations a rewritten query reads instead of its `AT (…)` references. */
export const TIME_TRAVEL_CATALOG = '__mf_at';

/** One table read as of a past moment, replaced in the query by `"__mf_at"."<placeholder>"`. */
export interface TimeTravelTable {
  /** The relation name inside {@link TIME_TRAVEL_CATALOG}: `t1`, `t2`, … in order of appearance. */
  readonly placeholder: string;
  /** The table as the user named it. */
  readonly name: ObjectName;
  readonly at: AtClause;
}

/** A query with its time-travel references replaced by placeholders. */
export interface TimeTravelRewrite {
  readonly sql: string;
  readonly tables: readonly TimeTravelTable[];
}

/** True for identifiers Mayfly keeps for itself: those starting with `__mf` (any case). */
export function isReservedIdentifier(name: string): boolean {
  return name.toLowerCase().startsWith('__mf');
}

// Words that may follow a table reference, so they are not taken for an alias.
const NOT_ALIASES = new Set(
  ('where join inner left right full outer cross natural asof positional semi anti lateral on using group order limit offset ' +
    'having qualify window union except intersect select pivot unpivot tablesample using fetch returning set from for into values with and or')
    .split(' '),
);

/**
 * Rewrites every `<table> AT (TIMESTAMP => expr) [[AS] alias]` (and DuckDB's `<table> [AS] alias
 * AT (…)`) to `"__mf_at"."tN" AS alias`, the alias defaulting to the table's own name so the rest of
 * the query still resolves. Refuses identifiers starting with `__mf`, so user SQL cannot reach the placeholders
 * (`trusted` skips that check, for SQL Mayfly composed after checking the user's fragments).
 */
export function rewriteTimeTravel(querySql: string, options: { readonly trusted?: boolean } = {}): TimeTravelRewrite {
  const tokens = tokenize(querySql);
  if (!options.trusted) refuseReservedNames(querySql, tokens);
  const cursor = new TokenCursor(querySql, tokens);
  const tables: TimeTravelTable[] = [];
  let sql = '';
  let copied = 0;
  for (let i = 0; i < tokens.length; i++) {
    if (!cursor.isTimeTravelClause(i)) continue;
    const ref = readReference(cursor, i);
    const placeholder = `t${tables.length + 1}`;
    tables.push({ placeholder, name: ref.name, at: ref.at });
    sql += `${querySql.slice(copied, startOf(tokens, ref.from))}"${TIME_TRAVEL_CATALOG}"."${placeholder}" AS ${ref.alias}`;
    copied = endOf(tokens, ref.to - 1);
    i = ref.to - 1;
  }
  return tables.length === 0 ? { sql: querySql, tables } : { sql: sql + querySql.slice(copied), tables };
}

/** Refuses user SQL that names an identifier starting with `__mf` (Mayfly's own relations and columns). */
export function refuseReservedNames(sql: string, tokens: readonly Token[] = tokenize(sql)): void {
  const reserved = tokens.find((t) => (t.type === 'ident' || t.type === 'quoted_ident') && isReservedIdentifier(t.value));
  if (reserved !== undefined) {
    throw invalid('SQL_RESERVED_NAME', `names starting with __mf are reserved for Mayfly (${reserved.text} at ${describePosition(sql, reserved.start)})`);
  }
}

interface Reference {
  /** First and past-last token replaced. */
  readonly from: number;
  readonly to: number;
  readonly name: ObjectName;
  /** The alias as written in SQL. */
  readonly alias: string;
  readonly at: AtClause;
}

/** Reads the table reference around the AT clause starting at token `atIndex`. */
function readReference(c: TokenCursor, atIndex: number): Reference {
  c.pos = atIndex;
  const at = c.readAtClause();
  const afterAt = c.pos;
  for (let k = atIndex + 2; k < afterAt; k++) {
    if (c.isTimeTravelClause(k)) throw invalid('SQL_UNSUPPORTED', 'AT (…) inside the expression of another AT (TIMESTAMP => …) is not supported by Mayfly');
  }
  const misplaced = (): never => {
    throw c.failAt(atIndex, 'AT (TIMESTAMP => …) must follow a table name in FROM or JOIN');
  };

  // Snowflake: `FROM t AT (…)`; DuckDB: `FROM t [AS] alias AT (…)`.
  const last = chainStart(c, atIndex) ?? misplaced();
  let tableStart = last;
  let tableEnd = atIndex;
  let alias: Token | undefined;
  if (!isIntroducer(c, last - 1)) {
    if (atIndex - last !== 1) misplaced();
    alias = c.tokens[last];
    tableEnd = c.isKeyword('as', last - 1) ? last - 1 : last;
    tableStart = chainStart(c, tableEnd) ?? misplaced();
    if (!isIntroducer(c, tableStart - 1)) misplaced();
  }
  let to = afterAt;
  if (alias === undefined && c.isKeyword('as', afterAt)) {
    c.pos = afterAt + 1;
    alias = c.readIdentifier('an alias after AS');
    to = c.pos;
  } else if (alias === undefined && isAlias(c.tokens[afterAt])) {
    alias = c.tokens[afterAt];
    to = afterAt + 1;
  }
  c.pos = tableStart;
  const name = c.readObjectName('a table name');
  const shown = alias ?? (c.tokens[tableEnd - 1] as Token);
  return { from: tableStart, to, name, alias: shown.text, at };
}

/** Start of the dotted name chain `a.b.c` that ends just before token `end`, if one does. */
function chainStart(c: TokenCursor, end: number): number | undefined {
  if (!isName(c.tokens[end - 1])) return undefined;
  let start = end - 1;
  while (c.isSymbol('.', start - 1) && isName(c.tokens[start - 2])) start -= 2;
  return start;
}

/** True when a table reference can start right after token `index` (FROM, JOIN, USING, `,` or `(`). */
function isIntroducer(c: TokenCursor, index: number): boolean {
  return c.isKeyword('from', index) || c.isKeyword('join', index) || c.isKeyword('using', index) || c.isSymbol(',', index) || c.isSymbol('(', index);
}

function isName(token: Token | undefined): boolean {
  return token?.type === 'ident' || token?.type === 'quoted_ident';
}

function isAlias(token: Token | undefined): boolean {
  return token?.type === 'quoted_ident' || (token?.type === 'ident' && !NOT_ALIASES.has(token.value));
}

function startOf(tokens: readonly Token[], index: number): number {
  return (tokens[index] as Token).start;
}

function endOf(tokens: readonly Token[], index: number): number {
  return (tokens[index] as Token).end;
}
