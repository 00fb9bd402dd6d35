import { tokenize, type Token } from './sql-tokenizer.js';

/** A table reference to replace: where it starts in the query and the name to write instead. */
export interface QualifiedReference {
  readonly location: number;
  readonly text: string;
}

const isName = (t: Token | undefined): boolean => t !== undefined && (t.type === 'ident' || t.type === 'quoted_ident');

/**
 * Replaces each table reference (the name chain starting at `location`) with
 * its fully qualified name, so DuckDB reads exactly the table Mayfly resolved
 * even when a database and a schema share a name. References at unknown
 * locations are left as written.
 */
export function qualifyReferences(sql: string, references: readonly QualifiedReference[]): string {
  if (references.length === 0) return sql;
  const tokens = tokenize(sql);
  const byStart = new Map(tokens.map((t, i) => [t.start, i]));
  const spans: { from: number; to: number; text: string }[] = [];
  for (const r of references) {
    const first = byStart.get(r.location);
    if (first === undefined || !isName(tokens[first])) continue;
    let last = first;
    while (tokens[last + 1]?.text === '.' && isName(tokens[last + 2])) last += 2;
    const from = tokens[first]?.start ?? 0;
    const to = tokens[last]?.end ?? from;
    if (!spans.some((s) => s.from === from)) spans.push({ from, to, text: r.text });
  }
  spans.sort((a, b) => b.from - a.from);
  let out = sql;
  for (const s of spans) out = out.slice(0, s.from) + s.text + out.slice(s.to);
  return out;
}
