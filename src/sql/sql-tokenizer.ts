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
  // Columns count characters as people see them in an editor (code points), not UTF-16 units: an emoji is one column.
  return { line, column: [...source.slice(lineStart, Math.min(offset, source.length))].length + 1 };
}

/** `line L, column C` for `offset` in `source`, for error messages. */
export function describePosition(source: string, offset: number): string {
  const { line, column } = lineColumn(source, offset);
  return `line ${line}, column ${column}`;
}

/**
 * The Unicode spaces DuckDB turns into plain spaces outside quotes before it parses (measured against
 * DuckDB 1.5: U+1680, U+180E, U+2028, U+2029, U+200C and U+200D are not among them, they stay identifier characters).
 */
const UNICODE_SPACES = new Set('\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u200b\u202f\u205f\u2060\u3000\ufeff');
const isSpace = (c: string): boolean =>
  c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v' || (c.charCodeAt(0) >= 0xa0 && UNICODE_SPACES.has(c));
const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
/** Letters, `_` and every non-ASCII character: DuckDB's lexer works on bytes, and UTF-8 bytes past ASCII are identifier bytes. */
const isTagStart = (c: string | undefined): boolean =>
  c !== undefined && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_' || c.charCodeAt(0) >= 0x80);
const isIdentStart = (c: string | undefined): boolean => isTagStart(c) && ((c as string).charCodeAt(0) < 0xa0 || !UNICODE_SPACES.has(c as string));
const isIdentPart = (c: string | undefined): boolean => isIdentStart(c) || isDigit(c) || c === '$';
/** A character of a dollar-quote tag: a Unicode space is one too, since DuckDB keeps `$a\u00a0$` as a tag. */
const isTagPart = (c: string | undefined): boolean => isTagStart(c) || isDigit(c);

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
    if (isSpace(c)) {
      i++;
    } else if (c === '-' && next === '-') {
      // DuckDB's lexer ends a line comment at either line break: `--x\r;` leaves the `;` as code.
      i = lineCommentEnd(sql, i);
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
      // As in DuckDB's lexer, an operator stops where a comment starts (`//*` is `/` and a comment).
      const op = MULTI_CHAR_OPERATORS.find((o) => sql.startsWith(o, i) && !opensCommentWithin(sql, i, o.length)) ?? c;
      push('operator', i, i + op.length);
      i += op.length;
    } else {
      throw invalid('SQL_PARSE', `unexpected character ${JSON.stringify(c)} at ${describePosition(sql, i)}`);
    }
  }
  return tokens;
}

/** Offset just past the line break ending the line comment at `start` (`\n` or `\r`), or the end of the text. */
function lineCommentEnd(sql: string, start: number): number {
  for (let i = start + 2; i < sql.length; i++) if (sql[i] === '\n' || sql[i] === '\r') return i + 1;
  return sql.length;
}

/** Whether `/*` or `--` starts inside the `length` characters at `start` (after its first). */
function opensCommentWithin(sql: string, start: number, length: number): boolean {
  for (let i = start + 1; i < start + length; i++) if (sql.startsWith('/*', i) || sql.startsWith('--', i)) return true;
  return false;
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
  if (isTagStart(sql[i])) {
    // A tag cannot contain `$`, so stop there: `$tag$` opens a string, `$name` is a parameter.
    while (isTagPart(sql[i])) i++;
    if (sql[i] !== '$') {
      let end = start + 1;
      while (isIdentPart(sql[end]) && sql[end] !== '$') end++;
      if (end === start + 1) throw invalid('SQL_PARSE', `unexpected character "$" at ${describePosition(sql, start)}`);
      push('param', start, end);
      return end;
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

/**
 * Whether text typed so far ends a statement: its last token is a `;` outside any string, comment or
 * quoted name (an unterminated one means more is coming). Text that cannot be tokenized for another
 * reason counts as ended when it ends with `;`, so its error is shown rather than waited on.
 */
export function endsWithStatementEnd(sql: string): boolean {
  try {
    const last = tokenize(sql).at(-1);
    return last?.type === 'punct' && last.text === ';';
  } catch (e) {
    if (e instanceof Error && e.message.startsWith('unterminated')) return false;
    return sql.trimEnd().endsWith(';');
  }
}
