import { checkQuery, isQueryStart, refuseWriteClauses, unsupported } from './statement-rules.js';
import type { StatementBody } from './statement-rules.js';
import type { TokenCursor } from './token-cursor.js';

/** Parses `INSERT INTO name [(columns)] <VALUES … | query>` from just after INSERT. */
export function parseInsert(c: TokenCursor): StatementBody {
  if (c.isKeyword('or')) throw unsupported(`INSERT OR ${c.peek(1)?.text.toUpperCase() ?? '…'}`);
  if (c.isKeyword('overwrite')) throw unsupported('INSERT OVERWRITE');
  c.expect('INTO after INSERT', 'into');
  const table = c.readObjectName('a table name');
  let columns: string[] | undefined;
  // `(` opens a column list unless a query follows it: INSERT INTO t (SELECT …).
  if (c.isSymbol('(') && !isQueryStart(c, c.pos + 1)) {
    const close = c.closing(c.pos) as number;
    c.pos++;
    columns = [c.readColumnName('a column name')];
    while (c.acceptSymbol(',')) columns.push(c.readColumnName('a column name'));
    if (c.pos !== close) throw c.error('"," or ")" in the column list');
    c.pos++;
  }
  if (c.isKeyword('default') && c.isKeyword('values', c.pos + 1)) throw unsupported('INSERT … DEFAULT VALUES');
  checkQuery(c, c.pos, 'VALUES or a query after the table name');
  refuseWriteClauses(c, c.pos, 'INSERT');
  const source = c.text(c.pos);
  return columns === undefined ? { kind: 'insert', table, source } : { kind: 'insert', table, columns, source };
}

/** Parses `UPDATE name [[AS] alias] SET col = expr, … [FROM …] [WHERE …]` from just after UPDATE. */
export function parseUpdate(c: TokenCursor): StatementBody {
  const table = c.readObjectName('a table name');
  const alias = readAlias(c, ['set']);
  c.expect('SET after the table name', 'set');
  refuseWriteClauses(c, c.pos, 'UPDATE');
  const end = c.tokens.length;
  const where = c.findTopLevel((k) => c.isKeyword('where', k));
  // `a IS DISTINCT FROM b` is an expression, not the FROM clause.
  const from = c.findTopLevel((k) => c.isKeyword('from', k) && !c.isKeyword('distinct', k - 1), c.pos, where);
  const assignments = readAssignments(c, from ?? where ?? end);
  return {
    kind: 'update',
    table,
    ...(alias === undefined ? {} : { alias }),
    assignments,
    ...(from === undefined ? {} : { fromSql: clauseText(c, from, where ?? end, 'FROM') }),
    ...(where === undefined ? {} : { whereSql: clauseText(c, where, end, 'WHERE') }),
  };
}

/** Parses `DELETE FROM name [[AS] alias] [USING …] [WHERE …]` from just after DELETE. */
export function parseDelete(c: TokenCursor): StatementBody {
  c.expect('FROM after DELETE', 'from');
  const table = c.readObjectName('a table name');
  const alias = readAlias(c, ['using', 'where', 'returning']);
  refuseWriteClauses(c, c.pos, 'DELETE');
  const end = c.tokens.length;
  const where = c.findTopLevel((k) => c.isKeyword('where', k));
  let usingSql: string | undefined;
  if (c.isKeyword('using')) usingSql = clauseText(c, c.pos, where ?? end, 'USING');
  else if (c.pos !== (where ?? end)) throw c.error('USING, WHERE or the end of the statement');
  return {
    kind: 'delete',
    table,
    ...(alias === undefined ? {} : { alias }),
    ...(usingSql === undefined ? {} : { usingSql }),
    ...(where === undefined ? {} : { whereSql: clauseText(c, where, end, 'WHERE') }),
  };
}

/** Reads an optional `[AS] alias`; an unquoted word in `stopWords` starts the next clause instead. */
function readAlias(c: TokenCursor, stopWords: readonly string[]): string | undefined {
  if (c.accept('as')) return c.readColumnName('an alias after AS');
  const token = c.peek();
  if (token?.type === 'quoted_ident' || (token?.type === 'ident' && !stopWords.includes(token.value))) return c.readColumnName('an alias');
  return undefined;
}

/** Reads `col = expr, …` up to token `end`, splitting on commas outside brackets and CASE … END. */
function readAssignments(c: TokenCursor, end: number): { readonly column: string; readonly valueSql: string }[] {
  const assignments: { column: string; valueSql: string }[] = [];
  let start = c.pos;
  for (;;) {
    const comma = c.findTopLevel((k) => c.isSymbol(',', k), start, end) ?? end;
    c.pos = start;
    if (start >= comma) throw c.error('column = value');
    // A qualified target (`t.col`) names a column of the updated table: keep the last part.
    let column = c.readColumnName('a column name');
    while (c.pos < comma && c.acceptSymbol('.')) column = c.readColumnName('a column name after "."');
    if (c.pos >= comma || !c.acceptSymbol('=')) throw c.error('"=" after the column name');
    if (c.pos >= comma) throw c.error('an expression after "="');
    assignments.push({ column, valueSql: c.text(c.pos, comma) });
    if (comma >= end) break;
    start = comma + 1;
  }
  c.pos = end;
  return assignments;
}

/** The text after the clause keyword at `keyword`, up to token `to`; an empty clause is an error. */
function clauseText(c: TokenCursor, keyword: number, to: number, clause: string): string {
  if (keyword + 1 >= to) throw c.errorAt(keyword + 1, `something after ${clause}`);
  c.pos = to;
  return c.text(keyword + 1, to);
}
