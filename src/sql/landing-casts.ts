import { quoteIdent, quoteLiteral } from '../core/names.js';
import type { LandingFormat } from './landing-format.js';

/** A column a landing file is loaded into: its name (matched in the file), its DuckDB type and its id. */
export interface LandingColumn {
  readonly id: number;
  readonly name: string;
  readonly type: string;
}

/** A rejected row: its line in the file (null for the file as a whole), why, and its text. */
export interface LandingReject {
  readonly line: number | null;
  readonly reason: string;
  readonly raw: string | null;
}

/**
 * SQL that turns one raw value (`rawSql`, VARCHAR or a Parquet value) into
 * the column's type: NULL_IF values become NULL, DATE and TIMESTAMP columns
 * use the format's strftime patterns when given, everything else TRY_CAST.
 */
export function castSql(rawSql: string, column: LandingColumn, format: LandingFormat, isText: boolean): string {
  let raw = rawSql;
  if (isText && format.nullIf.length > 0) raw = `(CASE WHEN ${rawSql} IN (${format.nullIf.map(quoteLiteral).join(', ')}) THEN NULL ELSE ${rawSql} END)`;
  const type = column.type.toUpperCase();
  const pattern = type === 'DATE' ? format.dateFormat : type.startsWith('TIMESTAMP') ? format.timestampFormat : undefined;
  if (isText && pattern !== undefined) return `TRY_CAST(TRY_STRPTIME(${raw}, ${quoteLiteral(pattern)}) AS ${column.type})`;
  return `TRY_CAST(${raw} AS ${column.type})`;
}

/**
 * SQL for the reason a value was rejected, or NULL: the raw value was not
 * NULL (nor a NULL_IF value) but did not convert. Names the column, the value
 * and the type, the way DuckDB's CSV reader does.
 */
export function castReasonSql(rawSql: string, typedSql: string, column: LandingColumn, format: LandingFormat, isText: boolean): string {
  const nulls = isText && format.nullIf.length > 0 ? ` AND ${rawSql} NOT IN (${format.nullIf.map(quoteLiteral).join(', ')})` : '';
  const value = isText ? rawSql : `CAST(${rawSql} AS VARCHAR)`;
  const message = `'Error when converting column ' || ${quoteLiteral(JSON.stringify(column.name))} || '. Could not convert ' || to_json(${value})::VARCHAR || ' to ${column.type.replaceAll("'", "''")}'`;
  return `CASE WHEN ${rawSql} IS NOT NULL${nulls} AND ${typedSql} IS NULL THEN ${message} END`;
}

/** `"name"`: a column reference in SQL. */
export function columnRef(table: string, name: string): string {
  return `${table}.${quoteIdent(name)}`;
}

/** The first paragraph of an engine error, without DuckDB's hints and SQL context. */
export function firstParagraph(message: string): string {
  const cut = message.split(/\n\s*\n|\nLINE \d+:|\nPossible (fixes|solutions):/)[0] ?? message;
  const text = cut.trim();
  return text.length > 500 ? `${text.slice(0, 499)}…` : text;
}
