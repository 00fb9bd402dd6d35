import { invalid } from '../core/errors.js';
import { describePosition, tokenize, type Token } from './sql-tokenizer.js';
import { duckdbLocationIndexer } from './text-offsets.js';

/** A table reference to replace: where it starts in the query and the name to write instead. */
export interface QualifiedReference {
  /** DuckDB's `query_location`: a byte offset into the query's UTF-8 text (see text-offsets.ts). */
  readonly location: number;
  readonly text: string;
}

/** The characters DuckDB's parser turns into spaces (see text-offsets.ts). */
const UNICODE_SPACE = /[\u00a0\u2000-\u200b\u202f\u205f\u2060\u3000\ufeff]/;

const isName = (t: Token | undefined): boolean => t !== undefined && (t.type === 'ident' || t.type === 'quoted_ident');

/**
 * Replaces each table reference (the name chain starting at `location`) with
 * its fully qualified name, so DuckDB reads exactly the table Mayfly resolved
 * even when a database and a schema share a name. Locations are DuckDB's
 * (UTF-8 bytes after its Unicode-space replacement) and converted here; one
 * that does not start a name is a disagreement between Mayfly's tokenizer and
 * DuckDB's parser, refused rather than guessed, since a guess could read
 * another table.
 */
export function qualifyReferences(sql: string, references: readonly QualifiedReference[]): string {
  if (references.length === 0) return sql;
  const tokens = tokenize(sql);
  const byStart = new Map(tokens.map((t, i) => [t.start, i]));
  const toIndex = duckdbLocationIndexer(sql);
  const spans: { from: number; to: number; text: string }[] = [];
  for (const r of references) {
    const index = toIndex(r.location);
    const first = index === undefined ? undefined : byStart.get(index);
    if (first === undefined || !isName(tokens[first])) {
      const near = index === undefined ? '' : ` at ${describePosition(sql, index)}`;
      throw invalid('SQL_UNSUPPORTED', `Mayfly cannot place a table reference of this query${near} (unusual whitespace or characters around a table name?); nothing was run`);
    }
    let last = first;
    while (tokens[last + 1]?.text === '.' && isName(tokens[last + 2])) last += 2;
    const from = tokens[first]?.start ?? 0;
    const to = tokens[last]?.end ?? from;
    // DuckDB reads these as spaces, Mayfly's tokenizer as part of a name: `a\u00a0x` is table a aliased x to one, a name to the other.
    if (UNICODE_SPACE.test(sql.slice(from, to))) {
      throw invalid('SQL_UNSUPPORTED', `a table name at ${describePosition(sql, from)} touches a Unicode space (such as a no-break space); write an ordinary space there`);
    }
    if (!spans.some((s) => s.from === from)) spans.push({ from, to, text: r.text });
  }
  spans.sort((a, b) => b.from - a.from);
  let out = sql;
  for (const s of spans) out = out.slice(0, s.from) + s.text + out.slice(s.to);
  return out;
}
