import { checkQuery, readCloneEnd, readIfExists, readIfNotExists, unsupported } from './statement-rules.js';
import type { StatementBody } from './statement-rules.js';
import type { AlterAction } from './statements.js';
import type { TokenCursor } from './token-cursor.js';

/** Parses `CREATE [OR REPLACE] [TRANSIENT] TABLE` from just after TABLE: a column list, `AS <query>` or `CLONE <source>`. */
export function parseCreateTable(c: TokenCursor, orReplace: boolean): StatementBody {
  const ifNotExists = readIfNotExists(c, orReplace);
  const name = c.readObjectName('a table name');
  const base = { kind: 'create_table', name, ifNotExists, orReplace } as const;
  if (c.isSymbol('(')) {
    const close = c.closing(c.pos) as number;
    const columnsSql = c.text(c.pos, close + 1);
    c.pos = close + 1;
    c.expectEnd('the column list');
    return { ...base, columnsSql };
  }
  if (c.accept('as')) return { ...base, asQuery: readQueryToEnd(c) };
  if (c.isKeyword('clone')) return { ...base, ...readCloneEnd(c, 3) };
  throw c.error('(columns), AS <query> or CLONE <source> after the table name');
}

/** Parses `CREATE [OR REPLACE] VIEW` from just after VIEW. */
export function parseCreateView(c: TokenCursor, orReplace: boolean): StatementBody {
  const ifNotExists = readIfNotExists(c, orReplace);
  const name = c.readObjectName('a view name');
  if (c.isSymbol('(')) throw unsupported('CREATE VIEW with a column list');
  c.expect('AS <query> after the view name', 'as');
  return { kind: 'create_view', name, orReplace, ifNotExists, query: readQueryToEnd(c) };
}

/** Reads the query that ends the statement; `(query)` spanning it all is unwrapped. */
function readQueryToEnd(c: TokenCursor): string {
  let from = c.pos;
  let to = c.tokens.length;
  if (c.isSymbol('(', from) && c.closing(from) === to - 1) {
    from++;
    to--;
  }
  checkQuery(c, from);
  c.pos = c.tokens.length;
  return c.text(from, to);
}

/** Parses `ALTER TABLE` from just after TABLE: ADD / DROP / RENAME a column, or RENAME TO. */
export function parseAlterTable(c: TokenCursor): StatementBody {
  const ifExists = readIfExists(c);
  const name = c.readObjectName('a table name');
  const action = readAlterAction(c);
  return { kind: 'alter_table', name, ifExists, action };
}

function readAlterAction(c: TokenCursor): AlterAction {
  if (c.accept('add')) {
    if (c.isKeyword('constraint') || c.isKeyword('primary') || c.isKeyword('unique') || c.isKeyword('foreign')) {
      throw unsupported('ALTER TABLE … ADD CONSTRAINT');
    }
    c.accept('column');
    const ifNotExists = c.accept('if', 'not', 'exists');
    const column = c.readColumnName('a column name');
    if (c.done()) throw c.error('a column type');
    const typeSql = c.text(c.pos);
    c.pos = c.tokens.length;
    return { kind: 'add_column', column, typeSql, ifNotExists };
  }
  if (c.accept('drop')) {
    c.accept('column');
    const ifExists = readIfExists(c);
    const column = c.readColumnName('a column name');
    c.expectEnd('the column name');
    return { kind: 'drop_column', column, ifExists };
  }
  if (c.accept('rename')) {
    // `RENAME TO x` renames the table; `RENAME [COLUMN] a TO b` a column.
    if (c.isKeyword('to') && !c.isKeyword('to', c.pos + 1)) {
      c.pos++;
      const parts = c.readObjectName('the new table name').parts;
      c.expectEnd('the new table name');
      return { kind: 'rename_table', to: parts[parts.length - 1] as string };
    }
    c.accept('column');
    const from = c.readColumnName('a column name');
    c.expect('TO <new name>', 'to');
    const to = c.readColumnName('the new column name');
    c.expectEnd('the new column name');
    return { kind: 'rename_column', from, to };
  }
  throw c.error('ADD [COLUMN], DROP [COLUMN] or RENAME after the table name');
}
