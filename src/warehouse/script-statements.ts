import { parseScript } from '../sql/statement-parser.js';
import { endsWithStatementEnd, splitStatements, tokenize } from '../sql/sql-tokenizer.js';
import type { Statement } from '../sql/statements.js';

// The control plane's view of SQL text (models, deployment scripts) comes from the same tokenizer and
// parser the session runs statements with, so a check and the run never disagree on where a statement
// ends or what is a string (issue 8: `$$'$$ as x; ALTER DATABASE …` looked like one string to a check).

export type { Statement } from '../sql/statements.js';
/** Whether typed text ends a statement, by the session's tokenizer (for the REPL). */
export const endsStatement: (sql: string) => boolean = endsWithStatementEnd;

/** A statement's text (first token to last, without the `;`) and its offset in the script. */
export interface ScriptStatement {
  readonly text: string;
  readonly offset: number;
}

/** Splits a script into statements exactly where a session will (SQL_PARSE for an unterminated string or comment). */
export function scriptStatementTexts(sql: string): readonly ScriptStatement[] {
  return splitStatements(sql);
}

/** Parses every statement of a script as a session will run it (SQL_PARSE / SQL_FORBIDDEN / SQL_UNSUPPORTED as the session would). */
export function parseScriptStatements(sql: string): readonly Statement[] {
  return parseScript(sql);
}

/** Statement kinds that change databases as a whole (create, clone, drop, swap): never part of a model or a deployment. */
export const DATABASE_STATEMENT_KINDS = ['create_database', 'drop_database', 'swap_database'] as const;

/** Whether a statement changes databases as a whole. */
export function isDatabaseStatement(s: Statement): boolean {
  return (DATABASE_STATEMENT_KINDS as readonly string[]).includes(s.kind);
}

/**
 * The database a statement names explicitly as the one it changes or switches to (`prod` in
 * `INSERT INTO prod.s.t`, `CREATE SCHEMA prod.s`, `USE prod.s`); undefined when it names none.
 */
export function namedWriteDatabase(s: Statement): string | undefined {
  switch (s.kind) {
    case 'insert':
    case 'update':
    case 'delete':
      return s.table.parts.length === 3 ? s.table.parts[0] : undefined;
    case 'create_table':
    case 'drop_table':
    case 'alter_table':
    case 'create_view':
    case 'drop_view':
    case 'create_pipe':
    case 'drop_pipe':
      return s.name.parts.length === 3 ? s.name.parts[0] : undefined;
    case 'create_schema':
    case 'drop_schema':
    case 'use':
      return s.name.parts.length === 2 ? s.name.parts[0] : undefined;
    default:
      return undefined;
  }
}

/**
 * SQL text with string literals and comments blanked (quoted identifiers unquoted and lower-cased),
 * positions and newlines kept, as the session's tokenizer reads it: for the control plane's name
 * and keyword scans. With `keepQuotes`, a literal stays visible as `'   '`.
 */
export function maskLiteralsAndComments(sql: string, options: { readonly keepQuotes?: boolean } = {}): string {
  const out = sql.replace(/[^\n]/g, ' ').split('');
  for (const t of tokenize(sql)) {
    const width = t.end - t.start;
    let shown: string;
    if (t.type === 'string') shown = options.keepQuotes && width >= 2 ? `'${' '.repeat(width - 2)}'` : ' '.repeat(width);
    else if (t.type === 'quoted_ident') shown = ` ${t.value.toLowerCase()}`.slice(0, width - 1).padEnd(width);
    else shown = t.text;
    for (let i = 0; i < width; i++) {
      // Newlines inside a literal stay, so line numbers survive.
      out[t.start + i] = sql[t.start + i] === '\n' ? '\n' : (shown[i] ?? ' ');
    }
  }
  return out.join('');
}
