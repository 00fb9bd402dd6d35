/**
 * A light look at SQL text for the checks orchestration makes before handing
 * it to the warehouse (which parses it for real): string literals and
 * comments blanked out, so that a `;`, a name or a keyword inside them is not
 * taken for code. Positions are kept, so offsets still point into the text.
 */
export function maskLiteralsAndComments(sql: string, options: { readonly keepQuotes?: boolean } = {}): string {
  const out: string[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    const next = sql[i + 1];
    if (c === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      const stop = end === -1 ? sql.length : end;
      out.push(' '.repeat(stop - i));
      i = stop;
    } else if (c === '/' && next === '*') {
      const end = sql.indexOf('*/', i + 2);
      const stop = end === -1 ? sql.length : end + 2;
      out.push(blank(sql.slice(i, stop)));
      i = stop;
    } else if (c === "'") {
      const stop = closingQuote(sql, i, "'");
      const text = blank(sql.slice(i, stop));
      // With keepQuotes a literal stays visible as '   ' (its text blanked), so its place in the query can be checked.
      out.push(options.keepQuotes && stop - i >= 2 ? `'${text.slice(1, -1)}'` : text);
      i = stop;
    } else if (c === '"') {
      // A quoted identifier stays (it is code), without its quotes so names compare plainly.
      const stop = closingQuote(sql, i, '"');
      out.push(` ${sql.slice(i + 1, stop - 1).replaceAll('""', '"').toLowerCase().padEnd(stop - i - 2)} `);
      i = stop;
    } else {
      out.push(c ?? '');
      i++;
    }
  }
  return out.join('');
}

/** The index just past the quote closing the one at `start` (`''` and `""` escape a quote). */
function closingQuote(sql: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < sql.length) {
    if (sql[i] === quote) {
      if (sql[i + 1] === quote) i += 2;
      else return i + 1;
    } else i++;
  }
  return sql.length;
}

/** Spaces in place of text, newlines kept (so line numbers survive). */
function blank(text: string): string {
  return text.replace(/[^\n]/g, ' ');
}

/** The 1-based line of an offset, for messages. */
export function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text[i] === '\n') line++;
  return line;
}

/**
 * Dotted names in masked SQL (`rdv.hub_customer`, `prod.rdv.hub`), lower-cased,
 * each as its parts: what a query may name as a table.
 */
export function dottedNames(masked: string): readonly (readonly string[])[] {
  const out: string[][] = [];
  const re = /(?<![\w$.])([a-z_][\w$]*)\s*\.\s*([a-z_][\w$]*)(?:\s*\.\s*([a-z_][\w$]*))?(?![\w$]|\s*\()/gi;
  for (const m of masked.matchAll(re)) {
    out.push([m[1], m[2], m[3]].filter((p): p is string => p !== undefined).map((p) => p.toLowerCase()));
  }
  return out;
}
