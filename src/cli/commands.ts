import type { Command, CommandEntry } from './command.js';

/**
 * Every command, in the order `mayfly help` lists them: what selecting and
 * listing it needs (words, summary, options), and how to load it. A command's
 * module is imported only when it runs or shows its help, so `mayfly --help`
 * and `--version` load none of them and a command loads only what it uses
 * (DuckDB only for SQL). A test keeps these entries equal to the modules'.
 */
export const COMMANDS: readonly CommandEntry[] = [
  {
    words: ['init'],
    summary: 'create the warehouse and its production database (does nothing if they exist)',
    options: {},
    load: () => import('./init-command.js'),
  },
  {
    words: ['sql'],
    summary: 'run SQL against a database (a script, -f FILE, standard input, or an interactive prompt)',
    options: { db: { type: 'string' }, file: { type: 'string', short: 'f' }, interactive: { type: 'boolean', short: 'i', default: false }, 'max-rows': { type: 'string' }, timeout: { type: 'string' } },
    load: () => import('./sql-command.js'),
  },
  {
    words: ['db', 'list'],
    summary: 'list the databases (production and clones)',
    options: {},
    load: () => import('./db-command.js'),
  },
  {
    words: ['db', 'show'],
    summary: 'show a database and its tables (rows, files, bytes)',
    options: {},
    load: () => import('./db-command.js'),
  },
  {
    words: ['db', 'drop'],
    summary: 'drop a database (never production); its files go at the next gc',
    options: {},
    load: () => import('./db-command.js'),
  },
  {
    words: ['clone', 'create'],
    summary: 'create a timeboxed zero-copy clone for a squad, family or cross-family exercise',
    options: { from: { type: 'string' }, scope: { type: 'string' }, ttl: { type: 'string' }, purpose: { type: 'string' }, ticket: { type: 'string' }, owner: { type: 'string' }, at: { type: 'string' }, schema: { type: 'string', multiple: true } },
    load: () => import('./clone-command.js'),
  },
  {
    words: ['clone', 'list'],
    summary: 'list clones: scope, owner, state, days left, retention deadline, size, cost',
    options: { scope: { type: 'string' }, owner: { type: 'string' }, state: { type: 'string' }, sort: { type: 'string', default: 'expiry' } },
    load: () => import('./clone-inventory-commands.js'),
  },
  {
    words: ['clone', 'show'],
    summary: 'show a clone: lifecycle, policy, retention deadline, storage split, cost so far, history',
    options: {},
    load: () => import('./clone-inventory-commands.js'),
  },
  {
    words: ['clone', 'extend'],
    summary: "move a clone's expiry further, within its scope's maximum TTL",
    options: { ttl: { type: 'string' } },
    load: () => import('./clone-lease-commands.js'),
  },
  {
    words: ['clone', 'pin'],
    summary: 'lease a clone until a date: never reaped before then (retention still applies)',
    options: { until: { type: 'string' } },
    load: () => import('./clone-lease-commands.js'),
  },
  {
    words: ['clone', 'unpin'],
    summary: "end a clone's lease",
    options: {},
    load: () => import('./clone-lease-commands.js'),
  },
  {
    words: ['clone', 'refresh'],
    summary: "reset a clone to its source's latest state (atomic), reporting what it discarded",
    options: { reapply: { type: 'boolean', default: false } },
    load: () => import('./clone-reset-commands.js'),
  },
  {
    words: ['clone', 'destroy'],
    summary: 'remove a clone and everything created in it',
    options: {},
    load: () => import('./clone-reset-commands.js'),
  },
  {
    words: ['reap'],
    summary: 'expire, refresh and warn clones by policy, deliver hooks, collect garbage',
    options: { 'dry-run': { type: 'boolean', default: false } },
    load: () => import('./reap-command.js'),
  },
  {
    words: ['retention', 'apply'],
    summary: "purge production's data past retention (whole files where their dates allow)",
    options: { 'dry-run': { type: 'boolean', default: false } },
    load: () => import('./retention-commands.js'),
  },
  {
    words: ['retention', 'report'],
    summary: 'clones holding data past retention or near their deadline, and bytes kept only for clones',
    options: { within: { type: 'string', default: '7d' } },
    load: () => import('./retention-commands.js'),
  },
  {
    words: ['report', 'cost'],
    summary: 'what clones cost per clone, scope or owner, next to persisted full copies',
    options: { by: { type: 'string', default: 'clone' }, since: { type: 'string' }, until: { type: 'string' }, format: { type: 'string' } },
    load: () => import('./cost-commands.js'),
  },
  {
    words: ['pipe', 'list'],
    summary: 'list the pipes of a database with their states (running or paused)',
    options: { db: { type: 'string' } },
    load: () => import('./pipe-commands.js'),
  },
  {
    words: ['pipe', 'status'],
    summary: 'show what pipes loaded into a database and what waits in their stages',
    options: { db: { type: 'string' } },
    load: () => import('./pipe-commands.js'),
  },
  {
    words: ['pipe', 'resume'],
    summary: 'set pipes of a database running (they load with refresh and run)',
    options: { db: { type: 'string' } },
    load: () => import('./pipe-commands.js'),
  },
  {
    words: ['pipe', 'pause'],
    summary: 'pause pipes of a database',
    options: { db: { type: 'string' } },
    load: () => import('./pipe-commands.js'),
  },
  {
    words: ['pipe', 'refresh'],
    summary: 'load the files that arrived since, for running pipes of a database',
    options: { db: { type: 'string' }, 'check-changed': { type: 'boolean', default: false } },
    load: () => import('./pipe-load-commands.js'),
  },
  {
    words: ['pipe', 'run'],
    summary: 'keep loading new files into a database as they arrive (Ctrl-C stops)',
    options: { db: { type: 'string' }, interval: { type: 'string' }, polls: { type: 'string' } },
    load: () => import('./pipe-load-commands.js'),
  },
  {
    words: ['pipe', 'sync'],
    summary: 'create or replace the pipes mayfly.yaml declares in a database',
    options: { db: { type: 'string' }, 'dry-run': { type: 'boolean', default: false }, prune: { type: 'boolean', default: false } },
    load: () => import('./pipe-commands.js'),
  },
  {
    words: ['pipe', 'errors'],
    summary: 'show rejected rows (file, line, reason, raw text) and changed files',
    options: { db: { type: 'string' }, file: { type: 'string' }, limit: { type: 'string' } },
    load: () => import('./pipe-commands.js'),
  },
  {
    words: ['mock', 'landing'],
    summary: "write N days of the sample project's landing files (customers, orders, payments)",
    options: { dir: { type: 'string' }, stage: { type: 'string' }, days: { type: 'string' }, scale: { type: 'string' }, seed: { type: 'string' }, from: { type: 'string' }, 'only-from': { type: 'string' }, 'bad-rows': { type: 'string' } },
    load: () => import('./mock-landing-command.js'),
  },
  {
    words: ['dag', 'run'],
    summary: 'run a DAG (its models, in dependency order) against a database',
    options: { db: { type: 'string' }, version: { type: 'string' }, select: { type: 'string', multiple: true }, threads: { type: 'string' }, 'full-refresh': { type: 'boolean', default: false } },
    load: () => import('./dag-commands.js'),
  },
  {
    words: ['dag', 'runs'],
    summary: 'list DAG runs, newest first (of one database with --db)',
    options: { db: { type: 'string' }, limit: { type: 'string' } },
    load: () => import('./dag-commands.js'),
  },
  {
    words: ['dag', 'show'],
    summary: "show a DAG run: each model's status, rows, time, error and log",
    options: { db: { type: 'string' }, sql: { type: 'boolean', default: false } },
    load: () => import('./dag-commands.js'),
  },
  {
    words: ['dag', 'list'],
    summary: 'list the DAGs and model versions, or the models of one DAG in run order',
    options: { version: { type: 'string' }, select: { type: 'string', multiple: true } },
    load: () => import('./dag-commands.js'),
  },
  {
    words: ['deploy'],
    summary: 'apply pending migration scripts (V<n>__x.sql, R__x.sql) to one database',
    options: { db: { type: 'string' }, 'dry-run': { type: 'boolean', default: false }, prod: { type: 'boolean', default: false } },
    load: () => import('./deploy-commands.js'),
  },
  {
    words: ['deployments'],
    summary: "show a database's deployment log (what was applied, when, by whom, to which database)",
    options: { db: { type: 'string' } },
    load: () => import('./deploy-commands.js'),
  },
  {
    words: ['seed'],
    summary: 'insert realistic mock rows into a table (names, emails, dates, amounts, keys that join)',
    options: { db: { type: 'string' }, rows: { type: 'string' }, seed: { type: 'string' }, batch: { type: 'string' }, 'as-of': { type: 'string' }, 'null-unsupported': { type: 'boolean', default: false }, prod: { type: 'boolean', default: false } },
    load: () => import('./seed-command.js'),
  },
  {
    words: ['metrics'],
    summary: 'bytes per database and table: logical, shared, exclusive, retained for clones',
    options: { db: { type: 'string' } },
    load: () => import('./maintenance-commands.js'),
  },
  {
    words: ['gc'],
    summary: 'remove files no database and no commit in the time-travel window uses',
    options: { 'dry-run': { type: 'boolean', default: false } },
    load: () => import('./maintenance-commands.js'),
  },
  {
    words: ['compact'],
    summary: 'rewrite files with many deleted rows and merge small files (production, one database, or all)',
    options: {
      db: { type: 'string' },
      all: { type: 'boolean', default: false },
      full: { type: 'boolean', default: false },
      'deleted-fraction': { type: 'string' },
      'small-file-size': { type: 'string' },
    },
    load: () => import('./maintenance-commands.js'),
  },
  {
    words: ['demo'],
    summary: 'run the sample data-vault project: pipes, DAGs and a clone that receives fresh data and runs DAG V2',
    options: {},
    load: () => import('./demo-command.js'),
  },
];

/** Words that start a group of commands (`db list`, `clone create`). */
export const GROUPS: ReadonlySet<string> = new Set(COMMANDS.filter((c) => c.words.length > 1).map((c) => c.words[0] ?? ''));

/** The command named by `words`, if any. */
export function findCommand(words: readonly string[]): CommandEntry | undefined {
  return COMMANDS.find((c) => sameWords(c.words, words));
}

/** The commands of a group. */
export function groupCommands(group: string): readonly CommandEntry[] {
  return COMMANDS.filter((c) => c.words.length > 1 && c.words[0] === group);
}

/** Imports the module of `entry` and returns its command (an export of its own or in an exported list). */
export async function loadCommand(entry: CommandEntry): Promise<Command> {
  const exported = Object.values(await entry.load()).flatMap((v: unknown) => (Array.isArray(v) ? (v as unknown[]) : [v]));
  const command = exported.find((v): v is Command => isCommand(v) && sameWords(v.words, entry.words));
  if (!command) throw new Error(`the module of \`mayfly ${entry.words.join(' ')}\` exports no such command`);
  return command;
}

function isCommand(v: unknown): v is Command {
  return typeof v === 'object' && v !== null && 'words' in v && Array.isArray(v.words) && 'run' in v && typeof v.run === 'function';
}

function sameWords(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((w, i) => w === b[i]);
}
