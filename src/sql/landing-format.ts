import { invalid } from '../core/errors.js';

/** The landing file types a pipe reads: CSV, JSON lines, Parquet. */
export const FILE_TYPES = ['csv', 'json', 'parquet'] as const;
/** One of {@link FILE_TYPES}. */
export type FileType = (typeof FILE_TYPES)[number];

/** How landing files are compressed (`auto`: by the file's extension, `.gz` or `.zst`). */
export const COMPRESSIONS = ['auto', 'gzip', 'zstd', 'none'] as const;
/** One of {@link COMPRESSIONS}. */
export type Compression = (typeof COMPRESSIONS)[number];

/**
 * What a pipe does with a file that has rejected rows: `abort_statement`
 * loads nothing of it and stops the refresh (the file is retried next time),
 * `skip_file` loads nothing of it and moves on, `continue` loads its good rows.
 * Every rejected row is kept in the errors table in all three cases.
 */
export const ON_ERROR_ACTIONS = ['abort_statement', 'skip_file', 'continue'] as const;
/** One of {@link ON_ERROR_ACTIONS}. */
export type OnError = (typeof ON_ERROR_ACTIONS)[number];

/** Snowpipe's default: a bad file is skipped (and reported), the pipe goes on. */
export const DEFAULT_ON_ERROR: OnError = 'skip_file';

/** How to read a landing file. */
export interface LandingFormat {
  readonly type: FileType;
  /** CSV: the field delimiter (1 to 4 characters). */
  readonly fieldDelimiter: string;
  /** CSV: lines skipped at the top of each file (a header). */
  readonly skipHeader: number;
  /** CSV: the quote character, or '' for none. */
  readonly quote: string;
  /** DATE columns: a strftime format (`%d/%m/%Y`); ISO 8601 when absent. */
  readonly dateFormat?: string;
  /** TIMESTAMP columns: a strftime format; ISO 8601 when absent. */
  readonly timestampFormat?: string;
  readonly compression: Compression;
  /** Values read as NULL besides empty CSV fields (and JSON null). */
  readonly nullIf: readonly string[];
}

/** The format of a pipe that names none: CSV, comma-separated, no header. */
export const DEFAULT_LANDING_FORMAT: LandingFormat = { type: 'csv', fieldDelimiter: ',', skipHeader: 0, quote: '"', compression: 'auto', nullIf: [] };

/** Checks a format's fields together; returns it. */
export function checkLandingFormat(f: LandingFormat): LandingFormat {
  if (f.fieldDelimiter.length < 1 || f.fieldDelimiter.length > 4 || /[\r\n]/.test(f.fieldDelimiter)) {
    throw invalid('PIPE_FORMAT', `FIELD_DELIMITER must be 1 to 4 characters and no line break, got ${JSON.stringify(f.fieldDelimiter)}`);
  }
  if (f.quote.length > 1) throw invalid('PIPE_FORMAT', `FIELD_OPTIONALLY_ENCLOSED_BY must be one character or NONE, got ${JSON.stringify(f.quote)}`);
  if (f.quote !== '' && f.fieldDelimiter.includes(f.quote)) throw invalid('PIPE_FORMAT', 'FIELD_DELIMITER and FIELD_OPTIONALLY_ENCLOSED_BY must differ');
  if (!Number.isInteger(f.skipHeader) || f.skipHeader < 0 || f.skipHeader > 1000) throw invalid('PIPE_FORMAT', `SKIP_HEADER must be a whole number from 0 to 1000, got ${f.skipHeader}`);
  if (f.type === 'parquet' && f.compression !== 'auto') throw invalid('PIPE_FORMAT', 'COMPRESSION does not apply to TYPE = PARQUET (Parquet compresses inside the file); leave it AUTO');
  return f;
}

const SNOWFLAKE_TOKENS: readonly (readonly [string, string])[] = [
  ['YYYY', '%Y'],
  ['HH24', '%H'],
  ['HH12', '%I'],
  ['FF9', '%n'],
  ['FF6', '%f'],
  ['FF3', '%g'],
  ['MON', '%b'],
  ['DY', '%a'],
  ['YY', '%y'],
  ['MM', '%m'],
  ['DD', '%d'],
  ['HH', '%H'],
  ['MI', '%M'],
  ['SS', '%S'],
  ['FF', '%f'],
  ['AM', '%p'],
  ['PM', '%p'],
  ['TZH:TZM', '%z'],
];

/**
 * A DATE_FORMAT or TIMESTAMP_FORMAT as a strftime format: strftime text
 * (`%d/%m/%Y`) is kept, Snowflake's (`DD/MM/YYYY`, `YYYY-MM-DD HH24:MI:SS`)
 * is translated, `AUTO` means ISO 8601 (undefined).
 */
export function toStrftime(format: string, option: string): string | undefined {
  const f = format.trim();
  if (f === '' || f.toUpperCase() === 'AUTO') return undefined;
  if (f.includes('%')) return f;
  let out = '';
  let i = 0;
  while (i < f.length) {
    const rest = f.slice(i).toUpperCase();
    const token = SNOWFLAKE_TOKENS.find(([t]) => rest.startsWith(t));
    if (token) {
      out += token[1];
      i += token[0].length;
      continue;
    }
    const ch = f[i] as string;
    if (/[A-Za-z]/.test(ch)) {
      throw invalid('PIPE_FORMAT', `${option} ${JSON.stringify(format)}: unknown element at ${JSON.stringify(f.slice(i))}; use YYYY, MM, DD, HH24, MI, SS, FF or a strftime format such as '%Y-%m-%d'`);
    }
    out += ch;
    i++;
  }
  return out;
}

/** The path's compression for `auto`: gzip for `.gz`, zstd for `.zst`, else none. */
export function compressionOf(path: string, compression: Compression): Exclude<Compression, 'auto'> {
  if (compression !== 'auto') return compression;
  if (/\.gz$/i.test(path)) return 'gzip';
  if (/\.zst$/i.test(path)) return 'zstd';
  return 'none';
}
