import { conflict } from '../core/errors.js';
import { parseDuration } from '../core/duration.js';
import type { FileOutcome } from '../ingest/file-loader.js';
import type { RefreshEvent } from '../ingest/pipe-refresh.js';
import { intervalProblem, runPipes } from '../ingest/pipe-runner.js';
import type { RefreshReport } from '../ingest/pipe-service.js';
import { GLOBAL_OPTIONS_HELP, expectPositionals, parseCommandArgs, usageError } from './args.js';
import type { Command } from './command.js';
import { formatCount, formatTable, formatTime, inElapsed, plural, type Column, type Output } from './output.js';
import { DB_HELP, DB_OPTION, withPipes } from './pipe-context.js';
import { progressBar } from './progress.js';

const SHOWN_FILES = 20;

const REFRESH_OPTIONS = { ...DB_OPTION, 'check-changed': { type: 'boolean', default: false } } as const;

/** `mayfly pipe refresh`: loads the new files of running pipes, each file exactly once. */
export const pipeRefreshCommand: Command = {
  words: ['pipe', 'refresh'],
  options: REFRESH_OPTIONS,
  summary: 'load the files that arrived since, for running pipes of a database',
  help: `Usage: mayfly pipe refresh [--db DB] [--check-changed] [PIPE…]

Loads every file of the pipes' stages that this database never loaded (all
running pipes, or those named, which must be running), one transaction per
file: the rows, the rejected rows and the load history commit together, so
each file is loaded exactly once per database, even by two refreshes at once
or by a refresh that was killed and run again. A clone inherits its source's
load history, so it loads only what arrived since it was made.

Files already loaded are recognised by name, as Snowpipe does, so a refresh
with nothing new costs a listing. A loaded file rewritten in place is never
loaded again; \`mayfly pipe status\` reports it, and --check-changed makes the
refresh compare each loaded file's size and time too and record the change.

Options:
${DB_HELP}
  --check-changed   compare loaded files with their loads (one stat each)

${GLOBAL_OPTIONS_HELP}`,
  async run(args, { out }) {
    const { values, positionals } = parseCommandArgs(args, REFRESH_OPTIONS);
    await withPipes(values, async (pipes, db) => {
      const bar = progressBar(out, `refreshing ${db}`);
      let total = 0;
      let done = 0;
      const onEvent = (e: RefreshEvent): void => {
        if (e.kind === 'planned') total += e.files;
        else if (e.kind === 'loaded') done++;
        bar.update(done, total, e.kind === 'loaded' ? e.outcome.file : e.pipe);
      };
      const report = await pipes.refresh(db, { names: positionals, onEvent, loadedFiles: values['check-changed'] ? 'stat' : 'name' }).finally(() => bar.finish());
      const aborted = report.pipes.filter((p) => p.aborted);
      if (!out.json) printRefresh(out, report);
      else if (aborted.length === 0) out.printJson(report);
      if (aborted.length > 0) {
        const error = conflict(
          'PIPE_LOAD_ABORTED',
          `${aborted.map((p) => `${p.pipe}: ${p.aborted?.message ?? ''}`).join('; ')}. The pipe is paused; see \`mayfly pipe errors --db ${db}\`, fix or remove the file, then \`mayfly pipe resume --db ${db}\``,
        );
        error.details.report = report;
        throw error;
      }
    });
  },
};

const RUN_OPTIONS = { ...DB_OPTION, interval: { type: 'string' }, polls: { type: 'string' } } as const;

/** `mayfly pipe run`: keeps loading as files arrive, until Ctrl-C. */
export const pipeRunCommand: Command = {
  words: ['pipe', 'run'],
  options: RUN_OPTIONS,
  summary: 'keep loading new files into a database as they arrive (Ctrl-C stops)',
  help: `Usage: mayfly pipe run [--db DB] [--interval 5s] [--polls N]

Polls the stages of the database's running pipes and loads new files as they
arrive. Pipes resumed or paused meanwhile (from another terminal) are picked
up at the next poll. Ctrl-C stops after the file in progress has committed:
no file is lost or half loaded (press it twice to quit at once; the file in
progress is then simply loaded by the next refresh).

Options:
${DB_HELP}
  --interval D   time between polls (default 5s)
  --polls N      stop after N polls

${GLOBAL_OPTIONS_HELP}`,
  async run(args, { out }) {
    const { values, positionals } = parseCommandArgs(args, RUN_OPTIONS);
    expectPositionals(positionals, []);
    const intervalMs = parseDuration(values.interval ?? '5s', '--interval');
    const badInterval = intervalProblem(intervalMs);
    if (badInterval) throw usageError(`--interval: ${badInterval}`);
    const maxPolls = values.polls === undefined ? undefined : Number(values.polls);
    if (maxPolls !== undefined && !(Number.isInteger(maxPolls) && maxPolls > 0)) throw usageError('--polls takes a whole number above 0');
    await withPipes(values, async (pipes, db) => {
      const stop = new AbortController();
      const onSignal = (): void => {
        if (stop.signal.aborted) process.exit(130);
        stop.abort();
        out.note('stopping after the file in progress (Ctrl-C again to quit at once)…');
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      try {
        if (!out.json) out.line(`pipe run on ${db}: polling every ${values.interval ?? '5s'}; Ctrl-C stops after the file in progress`);
        const report = await runPipes(pipes, db, {
          intervalMs,
          signal: stop.signal,
          ...(maxPolls !== undefined ? { maxPolls } : {}),
          onEvent: (e) => {
            if (e.kind === 'loaded' && !out.json) out.line(`${formatTime(Date.now())} ${e.pipe}: ${describeOutcome(e.outcome)}`);
          },
          onPoll: (r) => {
            for (const p of r.pipes) if (p.aborted && !out.json) out.line(`${p.pipe} paused: ${p.aborted.message}`);
          },
        });
        if (out.json) return out.printJson(report);
        out.line(`stopped after ${plural(report.polls, 'poll')}: ${plural(report.filesLoaded, 'file')}, ${plural(report.rowsLoaded, 'row')} loaded, ${plural(report.rowsRejected, 'row')} rejected${inElapsed(report.elapsedMs)}`);
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
  },
};

function printRefresh(out: Output, report: RefreshReport): void {
  const files = report.pipes.flatMap((p) => p.files.map((f) => ({ pipe: p.pipe, f })));
  const loaded = files.filter(({ f }) => f.status !== 'ALREADY_LOADED');
  const rows = report.pipes.reduce((n, p) => n + p.rowsLoaded, 0);
  const rejected = report.pipes.reduce((n, p) => n + p.rowsRejected, 0);
  if (report.pipes.length === 0) {
    const paused = report.paused.length ? ` (paused: ${report.paused.join(', ')})` : '';
    out.line(`no running pipes in ${report.db}${paused}; resume one with \`mayfly pipe resume --db ${report.db} PIPE\``);
    return;
  }
  out.line(`refreshed ${plural(report.pipes.length, 'pipe')} of ${report.db}: ${plural(loaded.length, 'file')}, ${plural(rows, 'row')} loaded, ${plural(rejected, 'row')} rejected${inElapsed(report.elapsedMs)}`);
  if (files.length > 0) {
    const columns: Column[] = [{ header: 'pipe' }, { header: 'file' }, { header: 'status' }, { header: 'rows', align: 'right' }, { header: 'rejected', align: 'right' }];
    out.line(formatTable(columns, files.slice(0, SHOWN_FILES).map(({ pipe, f }) => [pipe, f.file, f.status, formatCount(f.rowsLoaded), formatCount(f.rowsRejected)])));
    if (files.length > SHOWN_FILES) out.line(`… and ${plural(files.length - SHOWN_FILES, 'more file')}`);
  }
  for (const p of report.pipes) {
    if (p.changed.length > 0) out.line(`${p.pipe}: ${plural(p.changed.length, 'file')} changed after loading, not reloaded: ${p.changed.join(', ')}`);
    if (p.remaining > 0 && !p.aborted) out.line(`${p.pipe}: ${plural(p.remaining, 'file')} left for the next refresh`);
  }
  if (report.paused.length > 0) out.line(`paused, not refreshed: ${report.paused.join(', ')}`);
  if (rejected > 0) out.line(`rejected rows: \`mayfly pipe errors --db ${report.db}\``);
}

function describeOutcome(f: FileOutcome): string {
  const rejected = f.rowsRejected > 0 ? `, ${plural(f.rowsRejected, 'row')} rejected` : '';
  return `${f.file} ${f.status} (${plural(f.rowsLoaded, 'row')}${rejected})`;
}
