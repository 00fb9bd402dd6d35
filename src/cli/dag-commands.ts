import { conflict, invalid } from '../core/errors.js';
import { ALL_MODELS, orchestrateProject, resolveDag } from '../orchestrate/dag-definition.js';
import { findDagRun, listDagRuns, type DagRunRecord, type ModelRun } from '../orchestrate/dag-run-history.js';
import { runDag } from '../orchestrate/dag-runner.js';
import { readModelLayout } from '../orchestrate/model-project.js';
import { GLOBAL_OPTIONS_HELP, expectPositionals, parseCommandArgs, usageError } from './args.js';
import type { Command } from './command.js';
import { deployCommands } from './deploy-commands.js';
import { withMayfly } from './open-warehouse.js';
import { formatCount, formatDuration, formatFields, formatTable, formatTime, inElapsed, plural, type Column, type Output } from './output.js';
import { progressBar } from './progress.js';

const RUN_OPTIONS = {
  db: { type: 'string' },
  version: { type: 'string' },
  select: { type: 'string', multiple: true },
  threads: { type: 'string' },
  'full-refresh': { type: 'boolean', default: false },
} as const;

/** `mayfly dag run [NAME] --db TARGET`: builds the models in dependency order, in parallel, against one database. */
export const dagRunCommand: Command = {
  words: ['dag', 'run'],
  options: RUN_OPTIONS,
  summary: 'run a DAG (its models, in dependency order) against a database',
  help: `Usage: mayfly dag run [NAME] --db TARGET [--version V] [--select S]… [--threads N] [--full-refresh]

Builds the models of DAG NAME (from dags: in mayfly.yaml; without NAME, every
model) in TARGET, in dependency order, N at a time. Each model commits
atomically; a failed model skips the models downstream of it and leaves
everything else built. References to production resolve in TARGET, so a run in
a clone never writes production. A second run against the same TARGET is
refused while one is running. Ctrl-C stops starting models and lets the
running ones finish.

Options:
  --db TARGET       the database to build in (a clone, or production)
  --version V       the models' version folder (models/V/…); default: the DAG's version
  --select S        only these models: layer.name, name, layer, layer.*, tag:T;
                    +S adds what S depends on, S+ what depends on S (repeatable)
  --threads N       models built at once (default: the DAG's threads, else 2)
  --full-refresh    rebuild incremental models from scratch

${GLOBAL_OPTIONS_HELP}`,
  async run(args, { out }) {
    const { values, positionals } = parseCommandArgs(args, RUN_OPTIONS);
    expectPositionals(positionals, ['[NAME]']);
    const target = requireDb(values.db);
    const threads = values.threads === undefined ? undefined : parseThreads(values.threads);
    await withMayfly(values, async ({ warehouse, config }) => {
      const project = orchestrateProject(config);
      const abort = new AbortController();
      const onSigint = (): void => {
        out.note('stopping: the running models finish, the others are skipped (Ctrl-C again to kill)');
        abort.abort();
        process.removeListener('SIGINT', onSigint);
      };
      process.on('SIGINT', onSigint);
      const bar = progressBar(out, 'dag run');
      let finished = 0;
      try {
        const run = await runDag(warehouse, project, {
          target,
          dag: positionals[0],
          version: values.version,
          select: values.select ?? [],
          threads,
          fullRefresh: values['full-refresh'],
          signal: abort.signal,
          onEvent: (e) => {
            if (e.kind === 'run-started' && !out.json) out.line(`run ${e.run.id}: ${describeRun(e.run)}, ${plural(e.run.models.length, 'model')}, ${e.run.threads} at a time`);
            if (e.kind === 'model-started') bar.update(finished, e.run.models.length, e.model.id);
            if (e.kind === 'model-finished') {
              finished++;
              bar.finish();
              if (!out.json) out.line(modelLine(e.model));
              bar.update(finished, e.run.models.length);
            }
          },
        });
        bar.finish();
        report(out, run);
      } finally {
        bar.finish();
        process.removeListener('SIGINT', onSigint);
      }
    });
  },
};

/** Prints a finished run (JSON: the record without compiled SQL) and turns failure or cancellation into an error. */
function report(out: Output, run: DagRunRecord): void {
  const counts = countModels(run);
  if (out.json && run.status === 'succeeded') out.printJson(brief(run));
  if (!out.json) {
    const summary = `${counts.succeeded} built, ${counts.failed} failed, ${counts.skipped} skipped`;
    out.line(`run ${run.id} ${run.status} against ${run.target}: ${summary}${inElapsed(run.elapsedMs ?? 0)}`);
  }
  if (run.status === 'succeeded') return;
  const failed = run.models.find((m) => m.status === 'failed');
  const why = failed ? `model ${failed.id} failed [${failed.error?.code}]: ${failed.error?.message}` : `the run was ${run.status}`;
  const err =
    run.status === 'cancelled'
      ? conflict('DAG_RUN_CANCELLED', `run ${run.id} was cancelled: ${counts.succeeded} model(s) built, ${counts.skipped} not run; \`mayfly dag show ${run.id}\` has the details`)
      : invalid('DAG_RUN_FAILED', `run ${run.id} against ${run.target} failed: ${why}; ${counts.skipped} model(s) downstream were skipped, ${counts.succeeded} built stay. \`mayfly dag show ${run.id}\` has the details`);
  Object.assign(err.details, { run: brief(run) });
  throw err;
}

const RUNS_OPTIONS = { db: { type: 'string' }, limit: { type: 'string' } } as const;

/** `mayfly dag runs`: the run history, newest first. */
export const dagRunsCommand: Command = {
  words: ['dag', 'runs'],
  options: RUNS_OPTIONS,
  summary: 'list DAG runs, newest first (of one database with --db)',
  help: `Usage: mayfly dag runs [--db DB] [--limit N]

Lists DAG runs, newest first: DAG, version, target, status, models built,
failed and skipped, start and duration.

Options:
  --db DB      only runs against DB
  --limit N    at most N runs (default 20)

${GLOBAL_OPTIONS_HELP}`,
  async run(args, { out }) {
    const { values, positionals } = parseCommandArgs(args, RUNS_OPTIONS);
    expectPositionals(positionals, []);
    const limit = values.limit === undefined ? 20 : Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1) throw usageError(`--limit must be a positive whole number (got ${values.limit})`);
    await withMayfly(values, async ({ warehouse }) => {
      const runs = listDagRuns(warehouse.control, { ...(values.db !== undefined ? { target: values.db } : {}), limit });
      if (out.json) return out.printJson(runs.map(brief));
      if (runs.length === 0) return out.line(`no DAG runs${values.db !== undefined ? ` against ${values.db}` : ''} yet`);
      const columns: Column[] = [
        { header: 'run' },
        { header: 'dag' },
        { header: 'version' },
        { header: 'target' },
        { header: 'status' },
        { header: 'built', align: 'right' },
        { header: 'failed', align: 'right' },
        { header: 'skipped', align: 'right' },
        { header: 'started' },
        { header: 'took', align: 'right' },
      ];
      const rows = runs.map((r) => {
        const c = countModels(r);
        return [r.id, r.dag, r.version ?? '-', r.target, r.status, formatCount(c.succeeded), formatCount(c.failed), formatCount(c.skipped), formatTime(r.startedAt), r.elapsedMs === undefined ? '-' : formatDuration(r.elapsedMs)];
      });
      out.line(formatTable(columns, rows));
    });
  },
};

const SHOW_OPTIONS = { db: { type: 'string' }, sql: { type: 'boolean', default: false } } as const;

/** `mayfly dag show RUN`: one run with each model's status, rows, time and error. */
export const dagShowCommand: Command = {
  words: ['dag', 'show'],
  options: SHOW_OPTIONS,
  summary: "show a DAG run: each model's status, rows, time, error and log",
  help: `Usage: mayfly dag show RUN [--db DB] [--sql]

Shows a run (its id, a unique prefix of it, or \`last\`): DAG, version, target,
status, and each model's status, action, rows, time and error or log.

Options:
  --db DB    with RUN = last: the newest run against DB
  --sql      also print the SQL each model compiled to

${GLOBAL_OPTIONS_HELP}`,
  async run(args, { out }) {
    const { values, positionals } = parseCommandArgs(args, SHOW_OPTIONS);
    expectPositionals(positionals, ['RUN']);
    await withMayfly(values, async ({ warehouse }) => {
      const run = findDagRun(warehouse.control, positionals[0] ?? '', values.db);
      if (out.json) return out.printJson(values.sql ? run : brief(run));
      const c = countModels(run);
      out.line(
        formatFields([
          ['run', run.id],
          ['dag', describeRun(run)],
          ['status', `${run.status} (${c.succeeded} built, ${c.failed} failed, ${c.skipped} skipped)`],
          ['started', `${formatTime(run.startedAt)} by ${run.user} (pid ${run.pid} on ${run.host})`],
          ['took', run.elapsedMs === undefined ? '-' : formatDuration(run.elapsedMs)],
          ['threads', String(run.threads)],
        ]),
      );
      out.line();
      out.line(modelTable(run.models));
      for (const m of run.models) {
        if (m.status === 'failed' && m.error) out.line(`\n${m.id} failed [${m.error.code}]: ${m.error.message}`);
        if (values.sql && m.sql !== undefined) out.line(`\n-- ${m.id}\n${m.sql}`);
      }
    });
  },
};

const LIST_OPTIONS = { version: { type: 'string' }, select: { type: 'string', multiple: true } } as const;

/** `mayfly dag list`: the configured DAGs and versions, or the models of one DAG in run order. */
export const dagListCommand: Command = {
  words: ['dag', 'list'],
  options: LIST_OPTIONS,
  summary: 'list the DAGs and model versions, or the models of one DAG in run order',
  help: `Usage: mayfly dag list [NAME] [--version V] [--select S]…

Without arguments: the DAGs of mayfly.yaml and the model versions on disk.
With NAME (or * for every model), --version or --select: that DAG's models in
the order a run builds them, with their materialization and dependencies. This
checks every model (templates, config, refs, cycles) without running anything.

${GLOBAL_OPTIONS_HELP}`,
  async run(args, { out }) {
    const { values, positionals } = parseCommandArgs(args, LIST_OPTIONS);
    expectPositionals(positionals, ['[NAME]']);
    await withMayfly(values, async ({ config }) => {
      const project = orchestrateProject(config);
      const name = positionals[0];
      if (name === undefined && values.version === undefined && values.select === undefined) {
        const layout = readModelLayout(project.modelsDir, project.projectDir);
        const dags = Object.entries(project.dags).map(([n, d]) => ({ name: n, ...d }));
        if (out.json) return out.printJson({ models: project.modelsDir, versions: layout.versions, dags });
        out.line(`models: ${project.modelsDir} (${layout.kind === 'versioned' ? `versions ${layout.versions.join(', ')}` : 'no versions'})`);
        if (dags.length === 0) return out.line('no DAGs in mayfly.yaml: `mayfly dag run --db TARGET` runs every model');
        const columns: Column[] = [{ header: 'dag' }, { header: 'version' }, { header: 'select' }, { header: 'threads', align: 'right' }, { header: 'description' }];
        out.line(formatTable(columns, dags.map((d) => [d.name, d.version ?? '-', d.select.join(' ') || '(all)', String(d.threads ?? 2), d.description ?? ''])));
        return;
      }
      const dag = resolveDag(project, { dag: name === ALL_MODELS ? undefined : name, version: values.version, select: values.select ?? [] });
      const models = dag.plan.order.map((id) => dag.set.models.get(id)).filter((m) => m !== undefined);
      if (out.json) {
        return out.printJson({
          dag: dag.name,
          version: dag.version ?? null,
          models: models.map((m) => ({ id: m.id, file: m.file, materialized: m.config.materialized, strategy: m.config.strategy, uniqueKey: m.config.uniqueKey, crossDatabase: m.config.crossDatabase, tags: m.config.tags, dependsOn: m.dependsOn })),
        });
      }
      out.line(`dag ${dag.name}${dag.version ? ` at version ${dag.version}` : ''}: ${plural(models.length, 'model')} in run order`);
      const columns: Column[] = [{ header: 'model' }, { header: 'materialized' }, { header: 'depends on' }, { header: 'file' }];
      const kind = (m: (typeof models)[number]): string =>
        m.config.materialized === 'incremental' ? `incremental (${m.config.strategy}${m.config.uniqueKey.length ? ` on ${m.config.uniqueKey.join(', ')}` : ''})` : m.config.materialized;
      out.line(formatTable(columns, models.map((m) => [m.id, kind(m), m.dependsOn.join(', ') || '-', m.file])));
    });
  },
};

function modelTable(models: readonly ModelRun[]): string {
  const columns: Column[] = [{ header: 'model' }, { header: 'status' }, { header: 'action' }, { header: 'rows', align: 'right' }, { header: 'took', align: 'right' }, { header: 'note' }];
  return formatTable(
    columns,
    models.map((m) => [
      m.id,
      m.status,
      m.action ?? '-',
      m.rows === undefined || m.rows === null ? '-' : formatCount(m.rows),
      m.elapsedMs === undefined ? '-' : formatDuration(m.elapsedMs),
      m.error ? `${m.error.code}` : m.rowsReplaced !== undefined ? `${formatCount(m.rowsReplaced)} replaced` : '',
    ]),
  );
}

function modelLine(m: ModelRun): string {
  const mark = m.status === 'succeeded' ? 'ok     ' : m.status === 'failed' ? 'FAILED ' : 'skipped';
  const rows = m.rows === undefined || m.rows === null ? '' : ` ${plural(m.rows, 'row')}`;
  const took = m.elapsedMs === undefined ? '' : ` (${formatDuration(m.elapsedMs)})`;
  const detail = m.status === 'succeeded' ? `${m.materialized} ${m.action ?? ''}${rows}${took}` : `${m.error?.code ?? ''}: ${m.error?.message ?? ''}${took}`;
  return `  ${mark} ${m.id.padEnd(32)} ${detail}`;
}

function describeRun(run: DagRunRecord): string {
  const what = run.dag === ALL_MODELS ? 'every model' : `dag ${run.dag}`;
  return `${what}${run.version ? ` ${run.version}` : ''}${run.select.length ? ` (--select ${run.select.join(' ')})` : ''} against ${run.target}`;
}

function countModels(run: DagRunRecord): { succeeded: number; failed: number; skipped: number } {
  const n = (s: ModelRun['status']): number => run.models.filter((m) => m.status === s).length;
  return { succeeded: n('succeeded'), failed: n('failed'), skipped: n('skipped') };
}

/** A run without each model's compiled SQL (kept for `dag show --sql`). */
function brief(run: DagRunRecord): DagRunRecord {
  return { ...run, models: run.models.map(({ sql: _sql, ...m }) => m) };
}

function requireDb(db: string | undefined): string {
  if (db === undefined) throw usageError('missing --db TARGET: the database to run against (a clone, or production)');
  return db;
}

function parseThreads(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1) throw usageError(`--threads must be a positive whole number (got ${text})`);
  return n;
}

/** The commands of this area, registered in `commands.ts`. */
export const dagCommands: readonly Command[] = [dagRunCommand, dagRunsCommand, dagShowCommand, dagListCommand, ...deployCommands];
