import { invalid } from '../core/errors.js';
import type { MayflyError } from '../core/errors.js';
import { describePosition } from './sql-tokenizer.js';
import type { Token } from './sql-tokenizer.js';
import type { AtClause, ObjectName } from './statements.js';

const OPENERS: Readonly<Record<string, string>> = { '(': ')', '[': ']', '{': '}' };
const CLOSERS = new Set([')', ']', '}']);
const TIME_TRAVEL_KINDS = new Set(['timestamp', 'offset', 'statement', 'version']);

/**
 * Walks the tokens of one statement. Knows each token's nesting depth (parentheses, brackets,
 * braces and CASE … END), so clause keywords can be looked for at the top level only.
 */
export class TokenCursor {
  /** Index of the next token to read. */
  pos = 0;
  private readonly depths: number[] = [];
  private readonly matches = new Map<number, number>();

  /** `source` is the text the tokens' offsets point into (the whole script when parsing one). */
  constructor(
    readonly source: string,
    readonly tokens: readonly Token[],
  ) {
    const stack: { index: number; close: string }[] = [];
    tokens.forEach((token, index) => {
      const top = stack[stack.length - 1];
      const closes = token.type === 'punct' ? CLOSERS.has(token.text) : top?.close === 'end' && this.isKeyword('end', index);
      if (closes) {
        if (top === undefined || top.close !== token.text.toLowerCase()) {
          const problem = top === undefined ? 'has nothing to close' : `comes before the "${top.close.toUpperCase()}" closing the one at ${this.where(top.index)}`;
          throw this.failAt(index, `"${token.text}" ${problem}`);
        }
        stack.pop();
        this.matches.set(top.index, index);
      }
      this.depths.push(stack.length);
      const close = token.type === 'punct' ? OPENERS[token.text] : this.isKeyword('case', index) ? 'end' : undefined;
      if (close !== undefined) stack.push({ index, close });
    });
    const open = stack.pop();
    if (open !== undefined) throw this.failAt(open.index, `"${this.tokens[open.index]?.text}" is never closed by "${open.close.toUpperCase()}"`);
  }

  /** The token `k` places ahead of the cursor. */
  peek(k = 0): Token | undefined {
    return this.tokens[this.pos + k];
  }

  /** True when every token has been read. */
  done(): boolean {
    return this.pos >= this.tokens.length;
  }

  /** True when the token at absolute `index` is the unquoted keyword `word` (lower-case). */
  isKeyword(word: string, index = this.pos): boolean {
    const token = this.tokens[index];
    return token?.type === 'ident' && token.value === word;
  }

  /** True when the token at absolute `index` is the punctuation or operator `text`. */
  isSymbol(text: string, index = this.pos): boolean {
    const token = this.tokens[index];
    return (token?.type === 'punct' || token?.type === 'operator') && token.text === text;
  }

  /** Consumes the keywords `words` if they all come next, in order. */
  accept(...words: string[]): boolean {
    if (!words.every((word, k) => this.isKeyword(word, this.pos + k))) return false;
    this.pos += words.length;
    return true;
  }

  /** Consumes the punctuation or operator `text` if it comes next. */
  acceptSymbol(text: string): boolean {
    if (!this.isSymbol(text)) return false;
    this.pos++;
    return true;
  }

  /** Consumes the keywords `words` or fails, saying `expected`. */
  expect(expected: string, ...words: string[]): void {
    if (!this.accept(...words)) throw this.error(expected);
  }

  /** Consumes the punctuation or operator `text` or fails, saying `expected`. */
  expectSymbol(text: string, expected: string): void {
    if (!this.acceptSymbol(text)) throw this.error(expected);
  }

  /** Fails unless every token has been read; `after` says what came last (`the table name`). */
  expectEnd(after: string): void {
    if (!this.done()) throw this.error(`end of statement after ${after}`);
  }

  /** Reads one identifier token (quoted or not) or fails, saying `expected`. */
  readIdentifier(expected: string): Token {
    const token = this.peek();
    if (token?.type !== 'ident' && token?.type !== 'quoted_ident') throw this.error(expected);
    this.pos++;
    return token;
  }

  /** Reads `a[.b[.c]]` with at most `maxParts` parts; unquoted parts lower-cased, quoted kept as written. */
  readObjectName(what: string, maxParts = 3): ObjectName {
    const start = this.pos;
    const parts = [this.readIdentifier(what).value];
    while (this.isSymbol('.')) {
      this.pos++;
      parts.push(this.readIdentifier(`a name part after "."`).value);
    }
    if (parts.length > maxParts) {
      const most = maxParts === 1 ? 'is a single identifier' : `has at most ${maxParts} dotted parts`;
      throw this.failAt(start, `${what} ${most}, found ${parts.length} parts: ${clip(this.text(start, this.pos))}`);
    }
    return { parts };
  }

  /** Reads a column name, keeping its case as written (DuckDB preserves column case); quoted names are unquoted. */
  readColumnName(expected: string): string {
    const token = this.readIdentifier(expected);
    return token.type === 'ident' ? token.text : token.value;
  }

  /** Index of the token closing the bracket or CASE opened at `index`, if it opens one. */
  closing(index: number): number | undefined {
    return this.matches.get(index);
  }

  /** Nesting depth of the token at `index` (0 = top level of the statement). */
  depth(index: number): number {
    return this.depths[index] ?? 0;
  }

  /** First index in `[from, to)` at depth 0 whose token satisfies `test`, or undefined. */
  findTopLevel(test: (index: number) => boolean, from = this.pos, to = this.tokens.length): number | undefined {
    for (let i = from; i < to; i++) if (this.depth(i) === 0 && test(i)) return i;
    return undefined;
  }

  /** The exact source text from token `from` to token `to` (exclusive), comments between tokens included. */
  text(from: number, to = this.tokens.length): string {
    const first = this.tokens[from];
    const last = this.tokens[to - 1];
    return first === undefined || last === undefined || to <= from ? '' : this.source.slice(first.start, last.end);
  }

  /** True when an `AT|BEFORE ( <kind> =>` clause starts at `index`. */
  isTimeTravelClause(index = this.pos): boolean {
    const kind = this.tokens[index + 2];
    return (
      (this.isKeyword('at', index) || this.isKeyword('before', index)) &&
      this.isSymbol('(', index + 1) &&
      kind?.type === 'ident' &&
      TIME_TRAVEL_KINDS.has(kind.value) &&
      this.isSymbol('=>', index + 3)
    );
  }

  /** Reads `AT (TIMESTAMP => expr)`; the other Snowflake forms are refused as unsupported. */
  readAtClause(): AtClause {
    const clause = this.peek()?.text.toUpperCase() ?? '';
    if (this.isKeyword('before')) throw unsupportedTimeTravel(`BEFORE (…)`);
    this.expect('AT', 'at');
    const open = this.pos;
    this.expectSymbol('(', '"(" after AT');
    const kind = this.peek();
    if (kind?.type === 'ident' && TIME_TRAVEL_KINDS.has(kind.value) && kind.value !== 'timestamp') {
      throw unsupportedTimeTravel(`${clause} (${kind.value.toUpperCase()} => …)`);
    }
    this.expect('TIMESTAMP => <expression> inside AT (…)', 'timestamp');
    this.expectSymbol('=>', '"=>" after AT (TIMESTAMP');
    const close = this.closing(open) as number; // the constructor checked every "(" is closed
    if (close === this.pos) throw this.error('a timestamp expression after "=>"');
    const timestampSql = this.text(this.pos, close);
    this.pos = close + 1;
    return { timestampSql };
  }

  /** A SQL_PARSE error at the cursor, saying what was expected and what was found. */
  error(expected: string): MayflyError {
    return this.errorAt(this.pos, expected);
  }

  /** A SQL_PARSE error at token `index`. */
  errorAt(index: number, expected: string): MayflyError {
    const token = this.tokens[index];
    const found = token === undefined ? 'the end of the statement' : `"${clip(token.text)}"`;
    return this.failAt(index, `expected ${expected}, found ${found}`);
  }

  /** A SQL_PARSE error at token `index` with a free-form `problem`. */
  failAt(index: number, problem: string): MayflyError {
    return invalid('SQL_PARSE', `cannot parse "${this.opening()}" at ${this.where(index)}: ${problem}`);
  }

  /** `line L, column C` of token `index` (the end of the statement when past it). */
  where(index: number): string {
    const token = this.tokens[index] ?? this.tokens[this.tokens.length - 1];
    const offset = token === undefined ? 0 : index < this.tokens.length ? token.start : token.end;
    return describePosition(this.source, offset);
  }

  /** The statement's first few words, to name it in messages. */
  opening(words = 3): string {
    const shown = this.tokens.slice(0, words).map((t) => clip(t.text));
    return shown.join(' ') + (this.tokens.length > words ? ' …' : '');
  }
}

function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 37)}…` : text;
}

function unsupportedTimeTravel(form: string): MayflyError {
  return invalid('SQL_UNSUPPORTED', `${form} is not supported by Mayfly; time travel is written AT (TIMESTAMP => <expression>)`);
}
