import { invalid } from '../core/errors.js';
import { tokenize } from './sql-tokenizer.js';

/**
 * How each DuckDB column type is kept in Parquet data files so that it reads
 * back exactly. DuckDB's Parquet writer keeps most types as they are; some it
 * changes (measured on DuckDB 1.5: HUGEINT/UHUGEINT become DOUBLE, TIMETZ loses
 * its offset, negative INTERVALs cannot be written, BIT and BIGNUM come back as
 * VARCHAR, ENUM as VARCHAR, TIMESTAMP_S/MS as TIMESTAMP, ARRAY as LIST). Those
 * are written as text (or as they are) and cast back where the table becomes a
 * relation. Types with no exact form are refused when a column is defined.
 */

/** A column type, parsed from the text DuckDB prints for it (`DESCRIBE`, `typeof`). */
type TypeNode =
  | { readonly kind: 'leaf'; readonly name: string; readonly text: string }
  | { readonly kind: 'list'; readonly child: TypeNode }
  | { readonly kind: 'array'; readonly child: TypeNode; readonly size: string }
  | { readonly kind: 'struct' | 'union'; readonly fields: readonly { readonly name: string; readonly type: TypeNode }[] }
  | { readonly kind: 'map'; readonly key: TypeNode; readonly value: TypeNode };

/** Kept in Parquet as they are and read back as the same type. */
const EXACT = new Set([
  'BOOLEAN',
  'TINYINT',
  'SMALLINT',
  'INTEGER',
  'BIGINT',
  'UTINYINT',
  'USMALLINT',
  'UINTEGER',
  'UBIGINT',
  'FLOAT',
  'DOUBLE',
  'DECIMAL',
  'VARCHAR',
  'BLOB',
  'DATE',
  'TIME',
  'TIME_NS',
  'TIMESTAMP',
  'TIMESTAMP_NS',
  'TIMESTAMP WITH TIME ZONE',
  'UUID',
  'JSON',
]);
/** Written as they are, read back as a wider or plainer type: cast back on read. */
const CAST_ON_READ = new Set(['TIMESTAMP_S', 'TIMESTAMP_MS', 'ENUM']);
/** Written as their text form (which casts back exactly), cast back on read. */
const AS_TEXT = new Set(['HUGEINT', 'UHUGEINT', 'BIGNUM', 'BIT', 'TIME WITH TIME ZONE', 'INTERVAL']);
/** Refused, with what to use instead. */
const REFUSED: Readonly<Record<string, string>> = {
  UNION: 'Parquet keeps a UNION as a STRUCT without its tag; use a STRUCT with a tag field, or separate columns',
  VARIANT: 'use JSON',
  GEOMETRY: 'store WKT text (VARCHAR) or WKB (BLOB)',
};

/** How one column is stored: the Parquet-side type and the SQL that converts each way. */
export interface ColumnStorage {
  /** The type written into data files. */
  readonly storedType: string;
  /** SQL turning `expr` (of the column's type) into what is written; `expr` itself when nothing changes. */
  encode(expr: string): string;
  /** SQL turning `expr` (as read from a data file) back into the column's type; `expr` itself when nothing changes. */
  decode(expr: string): string;
}

/** Storage forms by type text: bounded (cleared past 1,000 distinct types), and type texts do not grow with commits. */
const cache = new Map<string, ColumnStorage>();

/**
 * How a column of `type` is stored, or a TYPE_UNSUPPORTED error naming the
 * column and the type when no exact form exists.
 */
export function columnStorage(type: string, column: string): ColumnStorage {
  const known = cache.get(type);
  if (known) return known;
  const node = parseType(type, column);
  const refusal = findRefusal(node);
  if (refusal !== undefined) {
    throw invalid('TYPE_UNSUPPORTED', `column ${column}: type ${type} cannot be stored exactly (${refusal})`);
  }
  const stored = render(node, true);
  const logical = render(node, false);
  const encode = stored !== logical;
  const decode = encode || needsCast(node);
  const storage: ColumnStorage = {
    storedType: stored,
    encode: (expr) => (encode ? `CAST(${expr} AS ${stored})` : expr),
    decode: (expr) => (decode ? `CAST(${expr} AS ${type})` : expr),
  };
  if (cache.size > 1000) cache.clear();
  cache.set(type, storage);
  return storage;
}

/** Refuses columns whose type cannot round-trip through a data file (CREATE TABLE, CTAS, ADD COLUMN). */
export function checkStorable(columns: readonly { readonly name: string; readonly type: string }[]): void {
  for (const c of columns) columnStorage(c.type, c.name);
}

function findRefusal(node: TypeNode): string | undefined {
  switch (node.kind) {
    case 'leaf': {
      if (EXACT.has(node.name) || CAST_ON_READ.has(node.name) || AS_TEXT.has(node.name)) return undefined;
      return REFUSED[node.name] ?? 'Mayfly has no exact Parquet form for it; see the type table in README.md';
    }
    case 'list':
    case 'array':
      return findRefusal(node.child);
    case 'union':
      return REFUSED.UNION;
    case 'struct':
      for (const f of node.fields) {
        const r = findRefusal(f.type);
        if (r !== undefined) return r;
      }
      return undefined;
    case 'map':
      return findRefusal(node.key) ?? findRefusal(node.value);
  }
}

/** True when reading the stored form back gives another type than the column's. */
function needsCast(node: TypeNode): boolean {
  switch (node.kind) {
    case 'leaf':
      return CAST_ON_READ.has(node.name) || AS_TEXT.has(node.name);
    case 'list':
      return needsCast(node.child);
    case 'array':
      return true;
    case 'struct':
    case 'union':
      return node.fields.some((f) => needsCast(f.type));
    case 'map':
      return needsCast(node.key) || needsCast(node.value);
  }
}

/** The type's text, either as the column has it or (`stored`) as it is written. */
function render(node: TypeNode, stored: boolean): string {
  switch (node.kind) {
    case 'leaf':
      return stored && AS_TEXT.has(node.name) ? 'VARCHAR' : node.text;
    case 'list':
      return `${render(node.child, stored)}[]`;
    case 'array':
      return `${render(node.child, stored)}[${node.size}]`;
    case 'struct':
    case 'union':
      return `${node.kind.toUpperCase()}(${node.fields.map((f) => `${f.name} ${render(f.type, stored)}`).join(', ')})`;
    case 'map':
      return `MAP(${render(node.key, stored)}, ${render(node.value, stored)})`;
  }
}

/** Parses a type as DuckDB prints it: `INTEGER`, `DECIMAL(18,3)`, `STRUCT("a b" INTEGER)[3][]`, `MAP(VARCHAR, INTEGER[])`, `ENUM('a', 'b')`. */
function parseType(text: string, column: string): TypeNode {
  let pos = 0;
  const fail = (): never => {
    throw invalid('TYPE_UNSUPPORTED', `column ${column}: type ${text} is not one Mayfly can store`);
  };
  const skipSpaces = (): void => {
    while (text[pos] === ' ') pos++;
  };
  const expect = (ch: string): void => {
    skipSpaces();
    if (text[pos] !== ch) fail();
    pos++;
  };
  /** A `"quoted"` or bare field name, as printed. */
  const fieldName = (): string => {
    skipSpaces();
    const start = pos;
    if (text[pos] === '"') {
      pos++;
      while (pos < text.length && !(text[pos] === '"' && text[pos + 1] !== '"')) pos += text[pos] === '"' ? 2 : 1;
      if (text[pos] !== '"') fail();
      pos++;
    } else {
      while (pos < text.length && /[^\s,()[\]"]/.test(text[pos] as string)) pos++;
    }
    if (pos === start) fail();
    return text.slice(start, pos);
  };
  /** The text of a balanced `( … )` group from `pos` (quotes respected), for ENUM, DECIMAL and the like. */
  const group = (): string => {
    const start = pos;
    let depth = 0;
    let quote: string | undefined;
    for (; pos < text.length; pos++) {
      const ch = text[pos] as string;
      if (quote !== undefined) {
        if (ch === quote && text[pos + 1] === quote) pos++;
        else if (ch === quote) quote = undefined;
      } else if (ch === "'" || ch === '"') quote = ch;
      else if (ch === '(') depth++;
      else if (ch === ')' && --depth === 0) return text.slice(start, ++pos);
    }
    return fail();
  };
  const fields = (): { name: string; type: TypeNode }[] => {
    expect('(');
    const out: { name: string; type: TypeNode }[] = [];
    for (;;) {
      const name = fieldName();
      out.push({ name, type: type() });
      skipSpaces();
      if (text[pos] === ',') pos++;
      else break;
    }
    expect(')');
    return out;
  };
  const base = (): TypeNode => {
    skipSpaces();
    const start = pos;
    while (pos < text.length && /[A-Za-z0-9_]/.test(text[pos] as string)) pos++;
    let name = text.slice(start, pos).toUpperCase();
    if (name === '') fail();
    // `TIME WITH TIME ZONE`, `TIMESTAMP WITH TIME ZONE`: the only types printed as several words.
    if (text.slice(pos).toUpperCase().startsWith(' WITH TIME ZONE')) {
      pos += ' WITH TIME ZONE'.length;
      name += ' WITH TIME ZONE';
    }
    if (name === 'STRUCT' || name === 'UNION') return { kind: name === 'STRUCT' ? 'struct' : 'union', fields: fields() };
    if (name === 'MAP') {
      expect('(');
      const key = type();
      expect(',');
      const value = type();
      expect(')');
      return { kind: 'map', key, value };
    }
    if (text[pos] === '(') group();
    return { kind: 'leaf', name, text: text.slice(start, pos) };
  };
  const type = (): TypeNode => {
    let node = base();
    for (;;) {
      if (text[pos] !== '[') return node;
      const close = text.indexOf(']', pos);
      if (close < 0) fail();
      const size = text.slice(pos + 1, close);
      if (size !== '' && !/^\d+$/.test(size)) fail();
      node = size === '' ? { kind: 'list', child: node } : { kind: 'array', child: node, size };
      pos = close + 1;
    }
  };
  const node = type();
  skipSpaces();
  if (pos !== text.length) fail();
  return node;
}

/**
 * The SQL reading a stored column back as its type. A column whose type is
 * refused today (only tables made before types were checked have one) is
 * read as it was written, so such a table stays readable.
 */
export function decodeColumn(expr: string, type: string, column: string): string {
  try {
    return columnStorage(type, column).decode(expr);
  } catch {
    return expr;
  }
}

/**
 * Refuses `COLLATE` in column definitions: DuckDB reports such a column as
 * plain VARCHAR, so the collation would silently stop applying.
 */
export function refuseCollation(columnsSql: string): void {
  const collate = tokenize(columnsSql).find((t) => t.type === 'ident' && t.value === 'collate');
  if (collate !== undefined) {
    throw invalid('TYPE_UNSUPPORTED', 'COLLATE is not supported on Mayfly columns (the collation would not be kept); compare with lower() or a collation in the query instead');
  }
}
