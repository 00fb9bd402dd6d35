import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDuration } from '../core/duration.js';
import { invalid } from '../core/errors.js';
import { GLOBAL_OPTIONS_HELP, parseCommandArgs, usageError } from './args.js';
import type { Command, CommandContext } from './command.js';
import { withMayfly, withSession } from './open-warehouse.js';
import { runRepl } from './repl.js';
import { interruptibly } from './statement-interrupt.js';
import { DEFAULT_MAX_ROWS, runScript } from './statement-output.js';

const OPTIONS = {
  db: { type: 'string' },
  file: { type: 'string', short: 'f' },
  interactive: { type: 'boolean', short: 'i', default: false },
  'max-rows': { type: 'string' },
  timeout: { type: 'string' },
} as const;

/** Where the prompt keeps its history, inside the warehouse home. */
export const HISTORY_FILE = '.mayfly_history';

/** `mayfly sql`: runs a script, or opens the interactive prompt. */
export const sqlCommand: Command = {
  words: ['sql'],
  options: OPTIONS,
  summary: 'run SQL against a database (a script, -f FILE, standard input, or an interactive prompt)',
  help: `Usage: mayfly sql [--db NAME] ["SQL; SQL; …"] [-f FILE] [-i]

Runs a script of ;-separated statements. Every statement is parsed before any
runs, so a script that does not parse runs nothing. Each statement commits on
its own (group them with BEGIN … COMMIT); the first failing statement stops the
script, and the statements before it stay committed. Without SQL or -f, reads
standard input, or opens an interactive prompt on a terminal (statements end
with ;, \\q or Ctrl-D quits, history in <home>/${HISTORY_FILE}).

Options:
  --db NAME          the current database (default: production)
  -f, --file FILE    read the script from FILE (- for standard input)
  -i, --interactive  the prompt even when standard input is not a terminal
  --max-rows N       rows a text table shows (default ${DEFAULT_MAX_ROWS}; 0 for all)
  --timeout D        longest one statement may run, e.g. 30s or 10m (default:
                     statementTimeout in mayfly.yaml, 5m); past it the statement
                     stops with SQL_TIMEOUT and nothing of it is applied

Ctrl-C stops the running statement at once (SQL_INTERRUPTED, exit 1): nothing
of it is applied, statements before it stay committed, and an open
transaction is rolled back. In the prompt, the prompt goes on; at an idle
prompt, Ctrl-C twice quits.

With --json: a query's rows as an array of objects when exactly one statement
returns rows; otherwise an array of {statement, kind, rows | message,
rowsAffected, elapsedMs}.

${GLOBAL_OPTIONS_HELP}`,
  async run(args, ctx) {
    const { values, positionals } = parseCommandArgs(args, OPTIONS);
    const maxRows = parseMaxRows(values['max-rows']);
    const timeout = values.timeout === undefined ? {} : { statementTimeoutMs: parseTimeout(values.timeout) };
    if (values.file !== undefined && positionals.length > 0) throw usageError('give the SQL as an argument or with -f FILE, not both');
    if (values.interactive && (values.file !== undefined || positionals.length > 0)) throw usageError('-i opens the prompt; it takes no SQL or -f FILE');
    const interactive = values.interactive || (values.file === undefined && positionals.length === 0 && ctx.stdin.isTTY === true);
    const script = interactive ? '' : await readScript(positionals, values.file, ctx);
    await withMayfly(values, (mayfly) =>
      withSession(
        mayfly,
        values.db,
        async (session) => {
          if (interactive) {
            await runRepl(session, { out: ctx.out, input: ctx.stdin, historyFile: join(mayfly.config.home, HISTORY_FILE), maxRows });
            return;
          }
          await interruptibly(session, () => runScript(ctx.out, session, script, maxRows));
        },
        timeout,
      ),
    );
  },
};

async function readScript(positionals: readonly string[], file: string | undefined, ctx: CommandContext): Promise<string> {
  if (positionals.length > 0) return positionals.join(' ');
  if (file === undefined || file === '-') return readAll(ctx.stdin);
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'it does not exist' : (e as Error).message;
    throw invalid('FILE_UNREADABLE', `cannot read the SQL file ${file}: ${reason}`);
  }
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

function parseTimeout(text: string): number {
  const ms = /^\s*\d+(\.\d+)?\s*(ms|s|m|h|d|w)\s*$/.test(text) ? parseDuration(text, '--timeout') : NaN;
  if (!(ms > 0)) throw usageError(`--timeout takes a duration above zero such as 30s, 10m or 1h, not ${JSON.stringify(text)}`);
  return ms;
}

function parseMaxRows(text: string | undefined): number {
  if (text === undefined) return DEFAULT_MAX_ROWS;
  if (!/^\d+$/.test(text)) throw usageError(`--max-rows takes a whole number (0 for all), not ${JSON.stringify(text)}`);
  return Number(text);
}
