import { invalid } from './errors.js';

const NAME = /^[a-z_][a-z0-9_$]{0,127}$/;
/** Names DuckDB or Mayfly keep for themselves. */
const RESERVED = new Set(['system', 'temp', 'memory', 'main', 'information_schema', 'pg_catalog']);

/** What a name names, for error messages. */
export type NameKind = 'database' | 'schema' | 'table' | 'view' | 'object';

/**
 * Checks a database, schema, table or view name: lower-case letters, digits,
 * `_` and `$`, starting with a letter or `_`, at most 128 characters, and not
 * reserved. Hostile names (`"; DROP`, `../../x`) never reach a path or SQL.
 */
export function checkName(name: string, kind: NameKind): string {
  if (!NAME.test(name) || name.startsWith('__mf')) {
    throw invalid(
      'INVALID_NAME',
      `invalid ${kind} name ${JSON.stringify(name)}: use lower-case letters, digits, _ and $, starting with a letter or _ (at most 128 characters)`,
    );
  }
  if (kind === 'database' && RESERVED.has(name)) {
    throw invalid('INVALID_NAME', `${JSON.stringify(name)} is reserved; choose another database name`);
  }
  return name;
}

/** Checks a column name: any text without control characters, at most 255 characters. */
export function checkColumnName(name: string): string {
  // eslint-disable-next-line no-control-regex
  if (name.length === 0 || name.length > 255 || /[\u0000-\u001f]/.test(name) || name.startsWith('__mf')) {
    throw invalid('INVALID_NAME', `invalid column name ${JSON.stringify(name)}`);
  }
  return name;
}

/** Characters a valid name holds ({@link NAME}'s), and nothing else. */
const NAME_CHARS = /^[a-z0-9_$]*$/;

/**
 * Orders two names as `a.localeCompare(b)` does, without loading ICU's
 * collator (tens of milliseconds of start-up for `clone list`). Valid names
 * hold only `a-z`, `0-9`, `_` and `$`, each with its own primary weight in
 * the root collation, ordered `_` < `$` < digits < letters (code points put
 * `$` and the digits before `_`): moving `_` and `$` below `0` gives that
 * order by code point. Any other text is left to localeCompare.
 */
export function compareNames(a: string, b: string): number {
  if (!NAME_CHARS.test(a) || !NAME_CHARS.test(b)) return a.localeCompare(b);
  const x = collationKey(a);
  const y = collationKey(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function collationKey(name: string): string {
  return name.replace(/[_$]/g, (c) => (c === '_' ? '\u0001' : '\u0002'));
}

/** Quotes an identifier for DuckDB. Only for names already checked. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Quotes a string literal for DuckDB. */
export function quoteLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}
