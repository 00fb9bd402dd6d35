import { invalid } from '../core/errors.js';

/** The kinds of token {@link tokenize} produces; comments and whitespace are skipped. */
export const TOKEN_TYPES = ['ident', 'quoted_ident', 'string', 'number', 'operator', 'punct', 'param'] as const;
/** One of {@link TOKEN_TYPES}. */
export type TokenType = (typeof TOKEN_TYPES)[number];

/** A lexical token of DuckDB-flavoured SQL, with its exact place in the source. */
export interface Token {
  readonly type: TokenType;
  /** The exact source slice. */
  readonly text: string;
  /** ident: lower-cased; quoted_ident and string: unescaped content; otherwise the text. */
  readonly value: string;
  /** Offset of the first character. */
  readonly start: number;
  /** Offset just past the last character. */
  readonly end: number;
}

// Longest first, so `->>` wins over `->`.
const MULTI_CHAR_OPERATORS = ['->>', '=>', '::', '<=', '>=', '<>', '!=', '||', '->', '**', '//', '<<', '>>', '@>', '<@', '&&', '^@', '!~~*', '!~~', '~~*', '~~'].sort(
  (a, b) => b.length - a.length,
);
const OPERATOR_CHARS = new Set('+-*/%<>=!~^&|#@:');
const PUNCTUATION = new Set('(),;.[]{}');

/** 1-based line and column of `offset` in `source`. */
export function lineColumn(source: string, offset: number): { readonly line: number; readonly column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < source.length; i++) {
    if (source[i] === '\n') {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/** `line L, column C` for `offset` in `source`, for error messages. */
export function describePosition(source: string, offset: number): string {
  const { line, column } = lineColumn(source, offset);
  return `line ${line}, column ${column}`;
}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const isIdentStart = (c: string | undefined): boolean =>
  c !== undefined && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_' || c.charCodeAt(0) >= 0x80);
const isIdentPart = (c: string | undefined): boolean => isIdentStart(c) || isDigit(c) || c === '$';

/** Splits SQL into tokens the way DuckDB's lexer does (nested block comments, E'' and dollar quotes). */
export function tokenize(sql: string): readonly Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const push = (type: TokenType, start: number, end: number, value?: string): void => {
    const text = sql.slice(start, end);
    tokens.push({ type, text, value: value ?? text, start, end });
  };
  const unterminated = (what: string, start: number): never => {
    throw invalid('SQL_PARSE', `unterminated ${what} starting at ${describePosition(sql, start)}`);
  };

  while (i < sql.length) {
    const c = sql[i] as string;
    const next = sql[i + 1];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v') {
      i++;
    } else if (c === '-' && next === '-') {
      const eol = sql.indexOf('\n', i);
      i = eol === -1 ? sql.length : eol + 1;
    } else if (c === '/' && next === '*') {
      i = skipBlockComment(sql, i) ?? unterminated('comment', i);
    } else if (c === "'") {
      const end = readQuoted(sql, i, "'") ?? unterminated('string', i);
      push('string', i, end, sql.slice(i + 1, end - 1).replaceAll("''", "'"));
      i = end;
    } else if ((c === 'e' || c === 'E') && next === "'") {
      const end = readEscapeString(sql, i + 1) ?? unterminated('string', i);
      push('string', i, end, unescapeBackslashes(sql.slice(i + 2, end - 1)));
      i = end;
    } else if (c === '"') {
      const end = readQuoted(sql, i, '"') ?? unterminated('quoted identifier', i);
      if (end === i + 2) throw invalid('SQL_PARSE', `empty quoted identifier "" at ${describePosition(sql, i)}`);
      push('quoted_ident', i, end, sql.slice(i + 1, end - 1).replaceAll('""', '"'));
      i = end;
    } else if (isIdentStart(c)) {
      let end = i + 1;
      while (isIdentPart(sql[end])) end++;
      push('ident', i, end, sql.slice(i, end).toLowerCase());
      i = end;
    } else if (isDigit(c) || (c === '.' && isDigit(next))) {
      const end = readNumber(sql, i);
      push('number', i, end);
      i = end;
    } else if (c === '$') {
      i = readDollar(sql, i, push) ?? unterminated('dollar-quoted string', i);
    } else if (c === '?') {
      push('param', i, i + 1);
      i++;
    } else if (PUNCTUATION.has(c)) {
      push('punct', i, i + 1);
      i++;
    } else if (OPERATOR_CHARS.has(c)) {
      const op = MULTI_CHAR_OPERATORS.find((o) => sql.startsWith(o, i)) ?? c;
      push('operator', i, i + op.length);
      i += op.length;
    } else {
      throw invalid('SQL_PARSE', `unexpected character ${JSON.stringify(c)} at ${describePosition(sql, i)}`);
    }
  }
  return tokens;
}

/** Offset after a (nested, as in DuckDB) block comment starting at `start`, or undefined if unterminated. */
function skipBlockComment(sql: string, start: number): number | undefined {
  let depth = 0;
  let i = start;
  while (i < sql.length) {
    if (sql.startsWith('/*', i)) {
      depth++;
      i += 2;
    } else if (sql.startsWith('*/', i)) {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else {
      i++;
    }
  }
  return undefined;
}

/** Offset after a `quote`-delimited run where a doubled quote escapes itself. */
function readQuoted(sql: string, start: number, quote: string): number | undefined {
  let i = start + 1;
  for (;;) {
    const close = sql.indexOf(quote, i);
    if (close === -1) return undefined;
    if (sql[close + 1] !== quote) return close + 1;
    i = close + 2;
  }
}

/** Offset after the body of an E'…' string whose opening quote is at `quoteAt`. */
function readEscapeString(sql: string, quoteAt: number): number | undefined {
  for (let i = quoteAt + 1; i < sql.length; i++) {
    const c = sql[i];
    if (c === '\\') i++;
    else if (c === "'") {
      if (sql[i + 1] !== "'") return i + 1;
      i++;
    }
  }
  return undefined;
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

/** The content of an E'…' string: backslash escapes and doubled quotes resolved. */
function unescapeBackslashes(body: string): string {
  return body
    .replace(/\\(x[0-9a-fA-F]{1,2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{1,3}|[\s\S])/g, (_, esc: string) => {
      if (/^[xuU]/.test(esc) && esc.length > 1) return String.fromCodePoint(parseInt(esc.slice(1), 16));
      if (/^[0-7]+$/.test(esc)) return String.fromCodePoint(parseInt(esc, 8));
      return SIMPLE_ESCAPES[esc] ?? esc;
    })
    .replaceAll("''", "'");
}

/** Offset after a number: `1`, `1_000`, `1.5`, `.5`, `1.`, `1e10`, `1.5E-3`. */
function readNumber(sql: string, start: number): number {
  let i = start;
  const digits = (): void => {
    while (isDigit(sql[i]) || (sql[i] === '_' && isDigit(sql[i + 1]))) i++;
  };
  digits();
  if (sql[i] === '.' && sql[i + 1] !== '.') {
    i++;
    digits();
  }
  if ((sql[i] === 'e' || sql[i] === 'E') && (isDigit(sql[i + 1]) || ((sql[i + 1] === '+' || sql[i + 1] === '-') && isDigit(sql[i + 2])))) {
    i += 2;
    digits();
  }
  return i;
}

/** Reads `$1`, `$name` (parameters) or `$$…$$` / `$tag$…$tag$` (strings); the offset after, or undefined if unterminated. */
function readDollar(sql: string, start: number, push: (type: TokenType, start: number, end: number, value?: string) => void): number | undefined {
  let i = start + 1;
  if (isDigit(sql[i])) {
    while (isDigit(sql[i])) i++;
    push('param', start, i);
    return i;
  }
  if (isIdentStart(sql[i])) {
    // A tag cannot contain `$`, so stop there: `$tag$` opens a string, `$name` is a parameter.
    while (isIdentPart(sql[i]) && sql[i] !== '$') i++;
    if (sql[i] !== '$') {
      push('param', start, i);
      return i;
    }
  }
  if (sql[i] !== '$') throw invalid('SQL_PARSE', `unexpected character "$" at ${describePosition(sql, start)}`);
  const delimiter = sql.slice(start, i + 1);
  const close = sql.indexOf(delimiter, i + 1);
  if (close === -1) return undefined;
  const end = close + delimiter.length;
  push('string', start, end, sql.slice(i + 1, close));
  return end;
}

/** The token index ranges `[from, to)` of each non-empty statement, split on every `;` token. */
export function statementRanges(tokens: readonly Token[]): readonly (readonly [number, number])[] {
  const ranges: (readonly [number, number])[] = [];
  let from = 0;
  tokens.forEach((token, index) => {
    if (token.type === 'punct' && token.text === ';') {
      if (index > from) ranges.push([from, index]);
      from = index + 1;
    }
  });
  if (tokens.length > from) ranges.push([from, tokens.length]);
  return ranges;
}

/**
 * Splits a script into statements on `;` outside strings, comments and quoted names. Each text runs
 * from its first token to its last, so leading and trailing comments are dropped, as are empty statements.
 */
export function splitStatements(sql: string): readonly { readonly text: string; readonly offset: number }[] {
  const tokens = tokenize(sql);
  return statementRanges(tokens).map(([from, to]) => {
    const start = (tokens[from] as Token).start;
    return { text: sql.slice(start, (tokens[to - 1] as Token).end), offset: start };
  });
}
