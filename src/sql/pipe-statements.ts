import { parseCopyInto } from './copy-into.js';
import { readIfExists, readIfNotExists } from './statement-rules.js';
import type { StatementBody } from './statement-rules.js';
import type { TokenCursor } from './token-cursor.js';

/** Parses `CREATE [OR REPLACE] PIPE [IF NOT EXISTS] name AS COPY INTO …` from just after PIPE. */
export function parseCreatePipe(c: TokenCursor, orReplace: boolean): StatementBody {
  const ifNotExists = readIfNotExists(c, orReplace);
  const name = c.readObjectName('a pipe name');
  if (c.isKeyword('auto_ingest') || c.isKeyword('comment') || c.isKeyword('error_integration')) {
    throw c.failAt(c.pos, `${c.peek()?.text.toUpperCase() ?? ''} is not supported; a pipe is resumed, paused and refreshed with \`mayfly pipe\``);
  }
  c.expect('AS COPY INTO … after the pipe name', 'as');
  return { kind: 'create_pipe', name, orReplace, ifNotExists, copy: parseCopyInto(c) };
}

/** Parses `DROP PIPE [IF EXISTS] name` from just after PIPE. */
export function parseDropPipe(c: TokenCursor): StatementBody {
  const ifExists = readIfExists(c);
  const name = c.readObjectName('a pipe name');
  c.expectEnd('the pipe name');
  return { kind: 'drop_pipe', name, ifExists };
}

/** Parses `SHOW PIPES [IN DATABASE db | IN [SCHEMA] [db.]schema]` from just after PIPES. */
export function parseShowPipes(c: TokenCursor): StatementBody {
  if (!c.accept('in')) {
    c.expectEnd('SHOW PIPES');
    return { kind: 'show_pipes' };
  }
  if (c.accept('database')) {
    const database = c.readObjectName('a database name', 1).parts[0] as string;
    c.expectEnd('the database name');
    return { kind: 'show_pipes', database };
  }
  c.accept('schema');
  const schema = c.readObjectName('a schema or database.schema name', 2);
  c.expectEnd('the schema name');
  return { kind: 'show_pipes', schema };
}
