import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createMayfly, type Mayfly } from '../app/create-mayfly.js';
import { loadConfig } from '../config/mayfly-config.js';
import { conflict } from '../core/errors.js';
import { costOf } from '../costs/meter.js';
import { generateLanding } from '../ingest/landing-generator.js';
import { PipeService, type RefreshReport } from '../ingest/pipe-service.js';
import { syncPipes } from '../ingest/pipe-sync.js';
import { StageRegistry } from '../ingest/stage-registry.js';
import { orchestrateProject } from '../orchestrate/dag-definition.js';
import { runDag } from '../orchestrate/dag-runner.js';
import { deploy } from '../orchestrate/deployer.js';
import { readDeploymentScripts } from '../orchestrate/deployment-scripts.js';
import { retentionDeadline } from '../retention/retention-deadline.js';
import { GLOBAL_OPTIONS_HELP, expectPositionals, parseCommandArgs } from './args.js';
import type { Command } from './command.js';
import { printDemoReport, type DemoReport } from './demo-report.js';
import { measureFullCopy } from './full-copy.js';
import { plural, type Output } from './output.js';
import { StepReporter } from './progress.js';

/** The sample project `npm start` runs, shipped in `examples/`. */
const EXAMPLE = fileURLToPath(new URL('../../../examples/datavault/', import.meta.url));
const CLONE = 'squad_c_sprint42';
const DAY_MS = 86_400_000;
const DAYS = 7;

/** `mayfly demo`: the sample data-vault project end to end, in production and in a clone. */
export const demoCommand: Command = {
  words: ['demo'],
  options: {},
  summary: 'run the sample data-vault project: pipes, DAGs and a clone that receives fresh data and runs DAG V2',
  help: `Usage: mayfly demo [--home DIR]

Copies the sample project (examples/datavault) into a fresh temporary folder
and, on the embedded warehouse:
  1. generates ${DAYS} days of landing files for sources A and B,
  2. deploys the migrations to production, syncs and runs its pipes, runs DAG V1,
  3. creates clone ${CLONE} (scope squad:c, 14 days),
  4. lands today's files, refreshes the clone's pipes (only the new files load),
  5. runs DAG V2 in the clone, leaving production untouched,
then prints the clone's bytes and cost next to a full copy of production.

${GLOBAL_OPTIONS_HELP}`,
  async run(args, { out }) {
    const { values, positionals } = parseCommandArgs(args, {});
    expectPositionals(positionals, []);
    const project = mkdtempSync(join(tmpdir(), 'mayfly-demo-'));
    for (const entry of ['mayfly.yaml', 'models', 'migrations']) cpSync(join(EXAMPLE, entry), join(project, entry), { recursive: true });
    const home = resolve(values.home ?? join(project, '.mayfly'));
    const mayfly = createMayfly({ config: loadConfig({ configPath: join(project, 'mayfly.yaml'), home }) });
    try {
      const report = await runDemo(mayfly, project, values.home !== undefined, out);
      if (out.json) out.printJson(report);
      else printDemoReport(out, report);
    } finally {
      mayfly.close();
    }
  },
};

async function runDemo(mayfly: Mayfly, project: string, ownHome: boolean, out: Output): Promise<DemoReport> {
  const { warehouse, config } = mayfly;
  const prod = config.production;
  const steps = new StepReporter(out, 10);
  if (!out.json) out.line(`Mayfly demo: the sample project in ${project}\n`);
  const today = Math.floor(warehouse.clock.now() / DAY_MS) * DAY_MS;
  const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
  const landing = join(project, 'landing');
  const from = day(today - DAYS * DAY_MS);

  await steps.run('create the warehouse', () => {
    warehouse.init();
    if (warehouse.listDatabases().some((d) => d.tables > 0)) {
      throw conflict('DEMO_HOME_IN_USE', `${config.home} already holds a warehouse; the demo builds its own: omit --home or give an empty folder`);
    }
  });
  const landed = await steps.run(`land ${DAYS} days of files for sources A and B`, () => generateLanding({ dir: landing, days: DAYS, scale: 1, from }), (r) => plural(r.files.length, 'file'));
  await steps.run(`deploy the migrations to ${prod}`, () => deploy(warehouse, { target: prod, scripts: readDeploymentScripts(join(project, 'migrations')), allowProduction: true }), (r) => plural(r.applied.length, 'script'));
  const pipes = new PipeService(warehouse, StageRegistry.fromConfig(config));
  const prodLoad = await steps.run(
    `sync and refresh the pipes of ${prod}`,
    async () => {
      await syncPipes(warehouse, config.project.pipes, prod);
      pipes.resume(prod);
      return pipes.refresh(prod);
    },
    (r) => `${plural(loaded(r).files, 'file')}, ${plural(loaded(r).rows, 'row')}`,
  );
  const dags = orchestrateProject(config);
  const prodRun = await steps.run(`run DAG datavault V1 on ${prod}`, () => runDag(warehouse, dags, { target: prod, dag: 'datavault', version: 'v1' }), (r) => `${r.status}, ${plural(r.models.length, 'model')}`);
  const prodCommit = warehouse.database(prod).commitId;

  const lifecycle = mayfly.lifecycle;
  const clone = await steps.run(`create clone ${CLONE} for squad:c (14 days)`, () => lifecycle.create({ name: CLONE, scope: 'squad:c', ttl: '14d', purpose: 'try DAG V2 on fresh data' }), (r) => `expires ${day(r.record.expiresAt)}`);
  const fresh = await steps.run("land today's files", () => generateLanding({ dir: landing, days: DAYS + 1, scale: 1, from, onlyFrom: day(today) }), (r) => plural(r.files.filter((f) => f.written).length, 'new file'));
  const cloneLoad = await steps.run(
    `resume and refresh the pipes of ${CLONE}`,
    () => {
      pipes.resume(CLONE);
      return pipes.refresh(CLONE);
    },
    (r) => `${plural(loaded(r).files, 'file')} loaded (the ${plural(loaded(prodLoad).files, 'file')} ${prod} loaded were inherited)`,
  );
  const cloneRun = await steps.run(`run DAG datavault V2 on ${CLONE}`, () => runDag(warehouse, dags, { target: CLONE, dag: 'datavault', version: 'v2' }), (r) => `${r.status}, ${plural(r.models.length, 'model')}`);
  const fullCopy = await steps.run(`copy every file of ${prod}, to compare`, () => measureFullCopy(warehouse, prod, config.home), (c) => plural(c.files, 'file'));

  mayfly.meter.flush();
  const metrics = warehouse.metrics();
  const of = (db: string) => metrics.databases.find((d) => d.name === db);
  const now = warehouse.clock.now();
  return {
    project,
    home: config.home,
    landing: { files: landed.files.length + fresh.files.filter((f) => f.written).length, rows: landed.rows + fresh.rows, bytes: landed.bytes + fresh.bytes },
    production: {
      name: prod,
      tables: warehouse.database(prod).tables,
      rows: warehouse.tables(prod).reduce((n, t) => n + t.rows, 0),
      bytes: of(prod)?.logicalBytes ?? 0,
      filesLoaded: loaded(prodLoad).files,
      dagStatus: prodRun.status,
      unchanged: warehouse.database(prod).commitId === prodCommit,
    },
    clone: {
      name: CLONE,
      scope: clone.record.scope,
      expiresAt: new Date(clone.record.expiresAt).toISOString(),
      createMs: clone.elapsedMs,
      filesLoaded: loaded(cloneLoad).files,
      rowsLoaded: loaded(cloneLoad).rows,
      dagStatus: cloneRun.status,
      exclusiveBytes: of(CLONE)?.exclusiveBytes ?? 0,
      sharedBytes: of(CLONE)?.sharedBytes ?? 0,
      retentionDeadline: (await retentionDeadline(warehouse, config, CLONE)).deadline,
      costSoFar: costOf(warehouse, config, CLONE, clone.record.createdAt, now),
    },
    fullCopy,
    next: nextSteps(project, ownHome ? config.home : undefined),
  };
}

/** Files and rows a pipe refresh loaded, over all its pipes. */
function loaded(r: RefreshReport): { files: number; rows: number } {
  return {
    files: r.pipes.reduce((n, p) => n + p.files.filter((f) => f.status !== 'ALREADY_LOADED').length, 0),
    rows: r.pipes.reduce((n, p) => n + p.rowsLoaded, 0),
  };
}

function nextSteps(project: string, home: string | undefined): string[] {
  const q = (p: string): string => (/^[\w/.:-]+$/.test(p) ? p : `'${p.replaceAll("'", `'\\''`)}'`);
  // The project's mayfly.yaml names its home (.mayfly beside it) unless --home chose another.
  const at = `--config ${q(join(project, 'mayfly.yaml'))}${home ? ` --home ${q(home)}` : ''}`;
  return [
    `npx mayfly clone show ${CLONE} ${at}`,
    `npx mayfly pipe status --db ${CLONE} ${at}`,
    `npx mayfly dag runs ${at}`,
    `npx mayfly sql --db ${CLONE} ${at} "select * from pl.customer_summary limit 5"`,
    `npx mayfly report cost ${at}`,
    `npx mayfly clone destroy ${CLONE} ${at} && npx mayfly reap ${at}`,
  ];
}
