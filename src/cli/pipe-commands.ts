import { syncPipes } from '../ingest/pipe-sync.js';
import { GLOBAL_OPTIONS_HELP, expectPositionals, parseCommandArgs } from './args.js';
import type { Command } from './command.js';
import { mockLandingCommand } from './mock-landing-command.js';
import { formatCell, formatCount, formatFields, formatTable, formatTime, inElapsed, plural, type Column } from './output.js';
import { DB_HELP, DB_OPTION, withPipes } from './pipe-context.js';
import { pipeRefreshCommand, pipeRunCommand } from './pipe-load-commands.js';

/** `mayfly pipe list`: the pipes of a database with their states. */
const pipeListCommand: Command = {
  words: ['pipe', 'list'],
  options: DB_OPTION,
  summary: 'list the pipes of a database with their states (running or paused)',
  help: `Usage: mayfly pipe list [--db DB]

Lists the pipes of a database: what each loads, from where, and whether it is
running or paused there. Pipes are objects of their database (cloned with it);
their state is per database, and every pipe of a new clone starts paused.

Options:
${DB_HELP}

${GLOBAL_OPTIONS_HELP}`,
  async run(args, { out }) {
    const { values, positionals } = parseCommandArgs(args, DB_OPTION);
    expectPositionals(positionals, []);
    await withPipes(values, async (pipes, db) => {
      const list = pipes.list(db);
      if (out.json) return out.printJson(list);
      const columns: Column[] = [{ header: 'pipe' }, { header: 'state' }, { header: 'table' }, { header: 'from' }, { header: 'type' }, { header: 'on_error' }];
      out.line(formatTable(columns, list.map((p) => [p.pipe, p.state, p.table, p.from + (p.pattern ? ` (${p.pattern})` : ''), p.type, p.onError])));
      out.line(`(${plural(list.length, 'pipe')} in ${db})`);
    });
  },
};

/** `mayfly pipe status`: load history totals and files waiting, per pipe. */
const pipeStatusCommand: Command = {
  words: ['pipe', 'status'],
  options: DB_OPTION,
  summary: 'show what pipes loaded into a database and what waits in their stages',
  help: `Usage: mayfly pipe status [--db DB] [PIPE…]

For each pipe (all, or those named): its state, the files and rows it loaded
into this database (its load history, inherited by clones), rejected rows,
files waiting in its stage, and files changed after they were loaded.

Options:
${DB_HELP}

${GLOBAL_OPTIONS_HELP}`,
  async run(args, { out }) {
    const { values, positionals } = parseCommandArgs(args, DB_OPTION);
    await withPipes(values, async (pipes, db) => {
      const status = await pipes.status(db, positionals);
      if (out.json) return out.printJson(status);
      if (status.length === 0) return out.line(`no pipes in ${db}`);
      status.forEach((p, i) => {
        if (i > 0) out.line();
        out.line(
          formatFields([
            ['pipe', `${db}.${p.pipe}`],
            ['state', `${p.state} since ${formatTime(p.since)}`],
            ['loads', `${p.from}${p.pattern ? ` matching ${p.pattern}` : ''} into ${p.table} (${p.type}, ON_ERROR = ${p.onError})`],
            ['loaded', `${plural(p.filesLoaded, 'file')}, ${plural(p.rowsLoaded, 'row')}${p.lastLoadedAt !== null ? `, last at ${formatTime(p.lastLoadedAt)}` : ''}`],
            ['rejected', `${plural(p.rowsRejected, 'row')}, ${plural(p.filesFailed, 'file')} not loaded${p.rowsRejected > 0 ? ` (see \`mayfly pipe errors --db ${db} ${p.pipe}\`)` : ''}`],
            ['waiting', p.pendingFiles === null ? `unknown: ${p.stageError ?? ''}` : plural(p.pendingFiles, 'file')],
            ...(p.changedFiles.length > 0 ? ([['changed', `${plural(p.changedFiles.length, 'file')} rewritten after loading (not reloaded): ${p.changedFiles.join(', ')}`]] as const) : []),
            ...(p.lastError ? ([['last error', `${formatTime(p.lastError.at)}: ${p.lastError.message}`]] as const) : []),
          ]),
        );
      });
    });
  },
};

function stateCommand(state: 'resume' | 'pause'): Command {
  const running = state === 'resume';
  return {
    words: ['pipe', state],
    options: DB_OPTION,
    summary: running ? 'set pipes of a database running (they load with refresh and run)' : 'pause pipes of a database',
    help: `Usage: mayfly pipe ${state} [--db DB] [PIPE…]

${running ? 'Sets pipes running in one database (all, or those named) and clears their last\nerror. A running pipe loads new files on `mayfly pipe refresh` and `mayfly pipe run`.' : 'Pauses pipes in one database (all, or those named): refresh and run leave them\nalone. Their load history stays.'}

Options:
${DB_HELP}

${GLOBAL_OPTIONS_HELP}`,
    async run(args, { out }) {
      const { values, positionals } = parseCommandArgs(args, DB_OPTION);
      await withPipes(values, async (pipes, db) => {
        const started = performance.now();
        const changed = running ? pipes.resume(db, positionals) : pipes.pause(db, positionals);
        const elapsedMs = performance.now() - started;
        if (out.json) return out.printJson({ db, pipes: changed, elapsedMs });
        if (changed.length === 0) return out.line(`no pipes in ${db}`);
        out.line(`${running ? 'resumed' : 'paused'} ${changed.map((p) => p.pipe).join(', ')} in ${db}${inElapsed(elapsedMs)}`);
      });
    },
  };
}

const SYNC_OPTIONS = { ...DB_OPTION, 'dry-run': { type: 'boolean', default: false }, prune: { type: 'boolean', default: false } } as const;

/** `mayfly pipe sync`: creates or replaces the pipes mayfly.yaml declares. */
const pipeSyncCommand: Command = {
  words: ['pipe', 'sync'],
  options: SYNC_OPTIONS,
  summary: 'create or replace the pipes mayfly.yaml declares in a database',
  help: `Usage: mayfly pipe sync [--db DB] [--dry-run] [--prune]

Creates or replaces the pipes declared under pipes: in mayfly.yaml, in one
transaction (every definition is checked before any is applied). New pipes
start paused.

Options:
${DB_HELP}
  --dry-run   show what would change, change nothing
  --prune     also drop pipes of the database that mayfly.yaml does not declare

${GLOBAL_OPTIONS_HELP}`,
  async run(args, { out }) {
    const { values, positionals } = parseCommandArgs(args, SYNC_OPTIONS);
    expectPositionals(positionals, []);
    await withPipes(values, async (_pipes, db, { warehouse, config }) => {
      const r = await syncPipes(warehouse, config.project.pipes, db, { dryRun: values['dry-run'], prune: values.prune });
      if (out.json) return out.printJson(r);
      const verb = r.dryRun ? 'would ' : '';
      out.line(`pipe sync of ${db}${r.dryRun ? ' (dry run)' : ''}${inElapsed(r.elapsedMs)}`);
      out.line(
        formatFields([
          [`${verb}create`, r.created.join(', ') || '-'],
          [`${verb}replace`, r.replaced.join(', ') || '-'],
          ['unchanged', r.unchanged.join(', ') || '-'],
          [r.dropped.length ? `${verb}drop` : 'not declared (kept)', (r.dropped.length ? r.dropped : r.undeclared).join(', ') || '-'],
        ]),
      );
    });
  },
};

const ERRORS_OPTIONS = { ...DB_OPTION, file: { type: 'string' }, limit: { type: 'string' } } as const;

/** `mayfly pipe errors`: rejected rows kept in the database's errors table. */
const pipeErrorsCommand: Command = {
  words: ['pipe', 'errors'],
  options: ERRORS_OPTIONS,
  summary: 'show rejected rows (file, line, reason, raw text) and changed files',
  help: `Usage: mayfly pipe errors [--db DB] [PIPE] [--file NAME] [--limit N]

Shows rows of ${'`mayfly.load_errors`'}, newest first: every rejected row with its
file, line, reason and raw text, and every file that changed after loading.
It is a table of the database: query it with \`mayfly sql\` too.

Options:
${DB_HELP}
  --file NAME  only files whose path ends with NAME
  --limit N    at most N rows (default 100)

${GLOBAL_OPTIONS_HELP}`,
  async run(args, { out }) {
    const { values, positionals } = parseCommandArgs(args, ERRORS_OPTIONS);
    expectPositionals(positionals, ['[PIPE]']);
    const limit = values.limit === undefined ? 100 : Number(values.limit);
    await withPipes(values, async (pipes, db) => {
      const rows = await pipes.errors(db, {
        ...(positionals[0] !== undefined ? { pipe: positionals[0] } : {}),
        ...(values.file !== undefined ? { file: values.file } : {}),
        limit: Number.isFinite(limit) ? limit : 100,
      });
      if (out.json) return out.printJson(rows);
      const columns: Column[] = [{ header: 'loaded' }, { header: 'pipe' }, { header: 'file' }, { header: 'line', align: 'right' }, { header: 'reason' }, { header: 'raw' }];
      out.line(formatTable(columns, rows.map((r) => [formatTime(r.loadedAt), r.pipe, r.file, r.line === null ? '-' : formatCount(r.line), formatCell(r.reason, 70), formatCell(r.raw, 40)])));
      out.line(`(${plural(rows.length, 'row')})`);
    });
  },
};

/** The commands of this area, registered in `commands.ts`. */
export const pipeCommands: readonly Command[] = [
  pipeListCommand,
  pipeStatusCommand,
  stateCommand('resume'),
  stateCommand('pause'),
  pipeRefreshCommand,
  pipeRunCommand,
  pipeSyncCommand,
  pipeErrorsCommand,
  mockLandingCommand,
];
