import { quoteIdent, quoteLiteral } from '../core/names.js';
import {
  checkLandingFormat,
  COMPRESSIONS,
  DEFAULT_LANDING_FORMAT,
  DEFAULT_ON_ERROR,
  FILE_TYPES,
  ON_ERROR_ACTIONS,
  toStrftime,
  type Compression,
  type FileType,
  type LandingFormat,
  type OnError,
} from './landing-format.js';
import { parseStageLocation, formatStageLocation } from './stage-location.js';
import { tokenize, type Token } from './sql-tokenizer.js';
import type { ObjectName } from './statements.js';
import { TokenCursor } from './token-cursor.js';

/**
 * A pipe's load: `COPY INTO [schema.]table FROM @stage[/path] [PATTERN = '…']
 * [FILE_FORMAT = (…)] [ON_ERROR = …]`.
 */
export interface CopyInto {
  readonly table: ObjectName;
  /** The stage's name (`raw` in `@raw/source_a/`). */
  readonly stage: string;
  /** The path inside the stage: a prefix (`source_a/customers/`), or a glob (`source_a/*.csv`); '' for the whole stage. */
  readonly path: string;
  /** A regular expression every file's stage path must match in full. */
  readonly pattern?: string;
  readonly format: LandingFormat;
  readonly onError: OnError;
}

const FORMAT_OPTIONS = ['TYPE', 'FIELD_DELIMITER', 'SKIP_HEADER', 'FIELD_OPTIONALLY_ENCLOSED_BY', 'DATE_FORMAT', 'TIMESTAMP_FORMAT', 'COMPRESSION', 'NULL_IF'] as const;
const CSV_ONLY = new Set(['FIELD_DELIMITER', 'SKIP_HEADER', 'FIELD_OPTIONALLY_ENCLOSED_BY']);

/** Parses `COPY INTO …` from the cursor to the end of the statement. */
export function parseCopyInto(c: TokenCursor): CopyInto {
  c.expect('COPY INTO <table> after AS (a pipe is defined by a COPY INTO statement)', 'copy', 'into');
  const table = c.readObjectName('the table to load into');
  if (c.isSymbol('(')) throw c.failAt(c.pos, 'COPY INTO with a column list is not supported; the file columns map to all the table columns');
  c.expect('FROM @<stage>[/<path>] after the table name', 'from');
  const location = parseStageLocation(c);
  let pattern: string | undefined;
  let format: LandingFormat | undefined;
  let onError: OnError | undefined;
  while (!c.done()) {
    const at = c.pos;
    const key = c.readIdentifier('PATTERN, FILE_FORMAT, ON_ERROR or the end of the statement').value.toUpperCase();
    c.expectSymbol('=', `"=" after ${key}`);
    if ((key === 'PATTERN' && pattern !== undefined) || (key === 'FILE_FORMAT' && format) || (key === 'ON_ERROR' && onError)) throw c.failAt(at, `${key} is given twice`);
    if (key === 'PATTERN') pattern = readPattern(c);
    else if (key === 'FILE_FORMAT') format = readFileFormat(c);
    else if (key === 'ON_ERROR') onError = readChoice(c, 'ON_ERROR', ON_ERROR_ACTIONS);
    else if (key === 'FILES') throw c.failAt(at, 'FILES = (…) is not supported in a pipe; a pipe loads every new file under its stage path (narrow it with PATTERN)');
    else throw c.failAt(at, `unknown COPY option ${key}; a pipe takes PATTERN, FILE_FORMAT and ON_ERROR`);
    c.acceptSymbol(',');
  }
  return { table, ...location, ...(pattern !== undefined ? { pattern } : {}), format: format ?? DEFAULT_LANDING_FORMAT, onError: onError ?? DEFAULT_ON_ERROR };
}

/**
 * The canonical text of a COPY INTO (default options left out), which is how
 * a pipe's definition is stored and shown: parsing it gives the same load.
 */
export function formatCopyInto(copy: CopyInto): string {
  const f = copy.format;
  const d = DEFAULT_LANDING_FORMAT;
  const options = [`TYPE = ${f.type.toUpperCase()}`];
  if (f.type === 'csv') {
    if (f.fieldDelimiter !== d.fieldDelimiter) options.push(`FIELD_DELIMITER = ${f.fieldDelimiter === '\t' ? "'\\t'" : quoteLiteral(f.fieldDelimiter)}`);
    if (f.skipHeader !== d.skipHeader) options.push(`SKIP_HEADER = ${f.skipHeader}`);
    if (f.quote !== d.quote) options.push(`FIELD_OPTIONALLY_ENCLOSED_BY = ${f.quote === '' ? 'NONE' : quoteLiteral(f.quote)}`);
  }
  if (f.dateFormat !== undefined) options.push(`DATE_FORMAT = ${quoteLiteral(f.dateFormat)}`);
  if (f.timestampFormat !== undefined) options.push(`TIMESTAMP_FORMAT = ${quoteLiteral(f.timestampFormat)}`);
  if (f.compression !== d.compression) options.push(`COMPRESSION = ${f.compression.toUpperCase()}`);
  if (f.nullIf.length > 0) options.push(`NULL_IF = (${f.nullIf.map(quoteLiteral).join(', ')})`);
  const table = copy.table.parts.map((p) => (/^[a-z_][a-z0-9_$]*$/.test(p) ? p : quoteIdent(p))).join('.');
  return [
    `COPY INTO ${table} FROM ${formatStageLocation(copy.stage, copy.path)}`,
    ...(copy.pattern !== undefined ? [`PATTERN = ${quoteLiteral(copy.pattern)}`] : []),
    `FILE_FORMAT = (${options.join(' ')})`,
    `ON_ERROR = ${copy.onError.toUpperCase()}`,
  ].join(' ');
}

function readPattern(c: TokenCursor): string {
  const token = readString(c, 'a quoted regular expression after PATTERN =');
  try {
    new RegExp(token.value);
  } catch (e) {
    throw c.failAt(c.pos - 1, `PATTERN is not a valid regular expression: ${(e as Error).message}`);
  }
  return token.value;
}

function readFileFormat(c: TokenCursor): LandingFormat {
  const open = c.pos;
  c.expectSymbol('(', '"(" after FILE_FORMAT =');
  const close = c.closing(open) as number; // the cursor checked every "(" is closed
  const seen = new Map<string, number>();
  let type: FileType = DEFAULT_LANDING_FORMAT.type;
  const f: { -readonly [K in keyof LandingFormat]: LandingFormat[K] } = { ...DEFAULT_LANDING_FORMAT };
  while (c.pos < close) {
    const at = c.pos;
    const key = c.readIdentifier(`a format option (${FORMAT_OPTIONS.join(', ')})`).value.toUpperCase();
    if (!(FORMAT_OPTIONS as readonly string[]).includes(key)) {
      if (key === 'FORMAT_NAME') throw c.failAt(at, 'named file formats are not supported; write the options inside FILE_FORMAT = (…)');
      throw c.failAt(at, `unknown format option ${key}; allowed: ${FORMAT_OPTIONS.join(', ')}`);
    }
    if (seen.has(key)) throw c.failAt(at, `${key} is given twice`);
    seen.set(key, at);
    c.expectSymbol('=', `"=" after ${key}`);
    switch (key) {
      case 'TYPE':
        type = readChoice(c, 'TYPE', FILE_TYPES);
        break;
      case 'FIELD_DELIMITER':
        f.fieldDelimiter = unescapeTab(readString(c, "a quoted delimiter such as ',' after FIELD_DELIMITER =").value);
        break;
      case 'SKIP_HEADER':
        f.skipHeader = readCount(c, 'SKIP_HEADER');
        break;
      case 'FIELD_OPTIONALLY_ENCLOSED_BY':
        f.quote = c.accept('none') ? '' : readString(c, "a quoted character such as '\"' or NONE after FIELD_OPTIONALLY_ENCLOSED_BY =").value;
        break;
      case 'DATE_FORMAT':
      case 'TIMESTAMP_FORMAT': {
        const text = c.accept('auto') ? 'AUTO' : readString(c, `a quoted format such as 'YYYY-MM-DD' or AUTO after ${key} =`).value;
        const strftime = parsing(c, at, () => toStrftime(text, key));
        if (key === 'DATE_FORMAT') setOptional(f, 'dateFormat', strftime);
        else setOptional(f, 'timestampFormat', strftime);
        break;
      }
      case 'COMPRESSION':
        f.compression = readChoice<Compression>(c, 'COMPRESSION', COMPRESSIONS);
        break;
      case 'NULL_IF':
        f.nullIf = readStringList(c);
        break;
    }
    c.acceptSymbol(',');
  }
  c.pos = close + 1;
  for (const [key, at] of seen) {
    if (type !== 'csv' && CSV_ONLY.has(key)) throw c.failAt(at, `${key} applies to TYPE = CSV only, not TYPE = ${type.toUpperCase()}`);
  }
  return checkFormat(c, open, { ...f, type });
}

function checkFormat(c: TokenCursor, at: number, f: LandingFormat): LandingFormat {
  return parsing(c, at, () => checkLandingFormat(f));
}

/** Runs a check whose error becomes a SQL_PARSE error at token `at`. */
function parsing<T>(c: TokenCursor, at: number, check: () => T): T {
  try {
    return check();
  } catch (e) {
    throw c.failAt(at, (e as Error).message);
  }
}

function setOptional(f: { dateFormat?: string; timestampFormat?: string }, key: 'dateFormat' | 'timestampFormat', value: string | undefined): void {
  if (value === undefined) delete f[key];
  else f[key] = value;
}

/** Reads an unquoted keyword or a quoted string naming one of `choices` (case-insensitive). */
function readChoice<T extends string>(c: TokenCursor, option: string, choices: readonly T[]): T {
  const token = c.peek();
  const value = token?.type === 'ident' || token?.type === 'string' ? token.value.toLowerCase() : undefined;
  const choice = choices.find((x) => x === value);
  if (choice === undefined) throw c.error(`${choices.map((x) => x.toUpperCase()).join(', ')} after ${option} =`);
  c.pos++;
  return choice;
}

function readString(c: TokenCursor, expected: string): Token {
  const token = c.peek();
  if (token?.type !== 'string') throw c.error(expected);
  c.pos++;
  return token;
}

function readCount(c: TokenCursor, option: string): number {
  const token = c.peek();
  if (token?.type !== 'number' || !/^\d+$/.test(token.text)) throw c.error(`a whole number after ${option} =`);
  c.pos++;
  return Number(token.text);
}

function readStringList(c: TokenCursor): string[] {
  const open = c.pos;
  if (!c.isSymbol('(')) return [readString(c, "a quoted string or a list ('', 'NULL') after NULL_IF =").value];
  const close = c.closing(open) as number;
  c.pos++;
  const out: string[] = [];
  while (c.pos < close) {
    out.push(readString(c, 'a quoted string in the NULL_IF list').value);
    if (c.pos < close) c.expectSymbol(',', '"," between NULL_IF values');
  }
  c.pos = close + 1;
  return out;
}

/** Snowflake writes a tab as '\t' in a plain string. */
function unescapeTab(text: string): string {
  return text === '\\t' ? '\t' : text;
}

/** Parses a stored pipe definition (the canonical text {@link formatCopyInto} wrote). */
export function parseCopyIntoText(text: string): CopyInto {
  return parseCopyInto(new TokenCursor(text, tokenize(text)));
}
