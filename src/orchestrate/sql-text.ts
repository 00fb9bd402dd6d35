// Literals and comments are found by the session's own tokenizer (never by a scanner of our own, which
// once disagreed with it about `$$…$$` strings).
export { maskLiteralsAndComments } from '../warehouse/script-statements.js';

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
