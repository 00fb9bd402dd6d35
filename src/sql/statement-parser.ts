import { invalid } from '../core/errors.js';
import { parseDelete, parseInsert, parseUpdate } from './dml-statements.js';
import { statementRanges, tokenize } from './sql-tokenizer.js';
import type { Token } from './sql-tokenizer.js';
import {
  checkQuery,
  FORBIDDEN_VERBS,
  forbiddenVerb,
  isQueryStart,
  readCloneEnd,
  readIfExists,
  readIfNotExists,
  UNSUPPORTED_OBJECTS,
  unsupported,
} from './statement-rules.js';
import type { StatementBody } from './statement-rules.js';
import type { Statement } from './statements.js';
import { parseCreatePipe, parseDropPipe, parseShowPipes } from './pipe-statements.js';
import { parseAlterTable, parseCreateTable, parseCreateView } from './table-statements.js';
import { TokenCursor } from './token-cursor.js';

const FORBIDDEN: ReadonlySet<string> = new Set(FORBIDDEN_VERBS);
const UNSUPPORTED: ReadonlySet<string> = new Set(UNSUPPORTED_OBJECTS);
const STATEMENT_STARTS =
  'a statement (SELECT, WITH, VALUES, FROM, TABLE, EXPLAIN, CREATE, DROP, ALTER, USE, INSERT, UPDATE, DELETE, BEGIN, COMMIT, ROLLBACK, SHOW or DESCRIBE)';

/**
 * Parses every statement of a script before returning any, so a script with one bad statement
 * fails as a whole and runs nothing. Error positions are lines and columns of the script.
 */
export function parseScript(sql: string): readonly Statement[] {
  const tokens = tokenize(sql);
  return statementRanges(tokens).map(([from, to]) => parseTokens(sql, tokens.slice(from, to)));
}

/**
 * Parses one statement (a trailing `;` is allowed). `offset` is where `text` sits in its script;
 * error positions are lines and columns of `text`.
 */
export function parseStatement(text: string, offset = 0): Statement {
  const tokens = tokenize(text);
  const ranges = statementRanges(tokens);
  const range = ranges[0];
  if (range === undefined) throw invalid('SQL_PARSE', 'expected a statement, found only whitespace or comments');
  if (ranges.length > 1) throw invalid('SQL_PARSE', `expected one statement, found ${ranges.length}; run them as a script`);
  const statement = parseTokens(text, tokens.slice(...range));
  return { ...statement, offset: offset + statement.offset };
}

function parseTokens(source: string, tokens: readonly Token[]): Statement {
  const cursor = new TokenCursor(source, tokens);
  const body = parseBody(cursor);
  return { ...body, text: cursor.text(0), offset: (tokens[0] as Token).start };
}

function parseBody(c: TokenCursor): StatementBody {
  if (isQueryStart(c, 0)) {
    checkQuery(c, 0);
    return { kind: 'query', sql: c.text(0), explain: false };
  }
  const verb = c.peek()?.type === 'ident' ? (c.peek() as Token).value : '';
  if (verb === 'update' && c.isKeyword('extensions', 1) && (c.tokens.length === 2 || c.isSymbol('(', 2))) throw forbiddenVerb('UPDATE EXTENSIONS');
  if (FORBIDDEN.has(verb)) throw forbiddenVerb(verb.toUpperCase());
  c.pos = 1;
  switch (verb) {
    case 'explain':
      return parseExplain(c);
    case 'create':
      return parseCreate(c);
    case 'drop':
      return parseDrop(c);
    case 'alter':
      return parseAlter(c);
    case 'use':
      return parseUse(c);
    case 'insert':
      return parseInsert(c);
    case 'update':
      return parseUpdate(c);
    case 'delete':
      return parseDelete(c);
    case 'begin':
    case 'start':
    case 'commit':
    case 'end':
    case 'rollback':
    case 'abort':
      return parseTransaction(c, verb);
    case 'show':
      return parseShow(c);
    case 'describe':
    case 'desc':
      c.accept('table');
      return { kind: 'describe', name: readEnd(c, () => c.readObjectName('a table or view name'), 'the name') };
    default:
      throw c.errorAt(0, STATEMENT_STARTS);
  }
}

function parseExplain(c: TokenCursor): StatementBody {
  c.accept('analyze');
  checkQuery(c, c.pos, 'a query after EXPLAIN');
  return { kind: 'query', sql: c.text(c.pos), explain: true };
}

function parseCreate(c: TokenCursor): StatementBody {
  const orReplace = c.accept('or', 'replace');
  const modifier = ['temp', 'temporary', 'persistent', 'transient'].find((m) => c.accept(m));
  const object = c.peek()?.type === 'ident' ? (c.peek() as Token).value : '';
  const shown = ['CREATE', orReplace ? 'OR REPLACE' : '', modifier?.toUpperCase() ?? '', object.toUpperCase()].filter(Boolean).join(' ');
  const temporary = modifier !== undefined && modifier !== 'transient';
  if (UNSUPPORTED.has(object) || (temporary && (object === 'table' || object === 'view'))) throw unsupported(shown);
  if (modifier !== undefined && object !== 'table') throw c.errorAt(c.pos - 1, 'DATABASE, SCHEMA, TABLE, VIEW or PIPE');
  c.pos++;
  switch (object) {
    case 'database': {
      const ifNotExists = readIfNotExists(c, orReplace);
      const name = readDatabaseName(c, 'a database name');
      return { kind: 'create_database', name, ifNotExists, orReplace, ...readCloneEnd(c, 1) };
    }
    case 'schema': {
      const ifNotExists = readIfNotExists(c, orReplace);
      const name = c.readObjectName('a schema name', 2);
      return { kind: 'create_schema', name, ifNotExists, orReplace, ...readCloneEnd(c, 2) };
    }
    case 'table':
      return parseCreateTable(c, orReplace);
    case 'view':
      return parseCreateView(c, orReplace);
    case 'pipe':
      return parseCreatePipe(c, orReplace);
    default:
      c.pos--;
      throw c.error('DATABASE, SCHEMA, TABLE, VIEW or PIPE after CREATE');
  }
}

function parseDrop(c: TokenCursor): StatementBody {
  const object = c.peek()?.type === 'ident' ? (c.peek() as Token).value : '';
  if (UNSUPPORTED.has(object)) throw unsupported(`DROP ${object.toUpperCase()}`);
  c.pos++;
  switch (object) {
    case 'database': {
      const ifExists = readIfExists(c);
      return { kind: 'drop_database', ifExists, name: readEnd(c, () => readDatabaseName(c, 'a database name'), 'the database name') };
    }
    case 'schema': {
      const ifExists = readIfExists(c);
      const name = c.readObjectName('a schema name', 2);
      const cascade = c.accept('cascade');
      if (!cascade) c.accept('restrict');
      c.expectEnd(`the schema name${cascade ? ' and CASCADE' : ''}`);
      return { kind: 'drop_schema', name, ifExists, cascade };
    }
    case 'table': {
      const ifExists = readIfExists(c);
      return { kind: 'drop_table', ifExists, name: readEnd(c, () => c.readObjectName('a table name'), 'the table name') };
    }
    case 'view': {
      const ifExists = readIfExists(c);
      return { kind: 'drop_view', ifExists, name: readEnd(c, () => c.readObjectName('a view name'), 'the view name') };
    }
    case 'pipe':
      return parseDropPipe(c);
    default:
      c.pos--;
      throw c.error('DATABASE, SCHEMA, TABLE, VIEW or PIPE after DROP');
  }
}

function parseAlter(c: TokenCursor): StatementBody {
  if (c.accept('table')) return parseAlterTable(c);
  c.expect('TABLE or DATABASE after ALTER', 'database');
  const name = readDatabaseName(c, 'a database name');
  c.expect('SWAP WITH <database> (the only ALTER DATABASE Mayfly supports)', 'swap', 'with');
  const other = readEnd(c, () => readDatabaseName(c, 'the database to swap with'), 'the database name');
  return { kind: 'swap_database', name, other };
}

function parseUse(c: TokenCursor): StatementBody {
  return { kind: 'use', name: readEnd(c, () => c.readObjectName('a database or database.schema name', 2), 'the name') };
}

function parseTransaction(c: TokenCursor, verb: string): StatementBody {
  if (verb === 'start') c.expect('TRANSACTION after START', 'transaction');
  else if (!c.accept('transaction')) c.accept('work');
  c.expectEnd(verb.toUpperCase());
  const kind = verb === 'begin' || verb === 'start' ? 'begin' : verb === 'commit' || verb === 'end' ? 'commit' : 'rollback';
  return { kind };
}

function parseShow(c: TokenCursor): StatementBody {
  if (c.accept('databases')) return readEnd(c, () => ({ kind: 'show', what: 'databases' }) as const, 'SHOW DATABASES');
  if (c.accept('pipes')) return parseShowPipes(c);
  const what = c.accept('schemas') ? 'schemas' : c.accept('tables') ? 'tables' : undefined;
  if (what === undefined) throw c.error('DATABASES, SCHEMAS, TABLES or PIPES after SHOW');
  if (!c.accept('in')) return readEnd(c, () => ({ kind: 'show', what }) as const, `SHOW ${what.toUpperCase()}`);
  const name = c.readObjectName(what === 'schemas' ? 'a database name' : 'a database or database.schema name', what === 'schemas' ? 1 : 2);
  c.expectEnd('the name');
  return { kind: 'show', what, in: name };
}

/** Reads a database name: a single identifier. */
function readDatabaseName(c: TokenCursor, what: string): string {
  return c.readObjectName(what, 1).parts[0] as string;
}

/** Runs `read` and then requires the end of the statement. */
function readEnd<T>(c: TokenCursor, read: () => T, after: string): T {
  const value = read();
  c.expectEnd(after);
  return value;
}
