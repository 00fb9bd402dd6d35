import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Mayfly } from '../app/create-mayfly.js';
import { conflict, internal } from '../core/errors.js';
import type { Session, StatementResult } from '../warehouse/session.js';
import { GLOBAL_OPTIONS_HELP, expectPositionals, parseCommandArgs } from './args.js';
import type { Command } from './command.js';
import { DEMO_CLONE, DEMO_CUSTOMER, SAMPLE_LAYERS } from './demo-data.js';
import { printDemoReport, type DemoReport } from './demo-report.js';
import { measureFullCopy } from './full-copy.js';
import { withMayfly, withSession } from './open-warehouse.js';
import { formatBytes, formatCount, plural, type Output } from './output.js';
import { StepReporter } from './progress.js';

/** `mayfly demo`: builds a sample warehouse, clones it, changes a row, and compares the clone's cost with a full copy. */
export const demoCommand: Command = {
  words: ['demo'],
  options: {},
  summary: 'build a sample warehouse, clone it, change a row, and compare the cost with a full copy',
  help: `Usage: mayfly demo [--home DIR]

Builds a small production warehouse (STAGING → RDV → BDV → PL, generated data)
in a fresh temporary folder (or the empty --home), clones it as ${DEMO_CLONE},
updates one row in the clone, shows production unchanged, and prints the
clone's time and bytes next to a full physical copy measured in the same run.

${GLOBAL_OPTIONS_HELP}`,
  async run(args, { out }) {
    const { values, positionals } = parseCommandArgs(args, {});
    expectPositionals(positionals, []);
    const home = values.home ?? mkdtempSync(join(tmpdir(), 'mayfly-demo-'));
    const report = await withMayfly({ ...values, home }, (mayfly) => runDemo(mayfly, out), true);
    if (out.json) out.printJson(report);
    else printDemoReport(out, report);
  },
};

async function runDemo(mayfly: Mayfly, out: Output): Promise<DemoReport> {
  const { warehouse, config } = mayfly;
  const prod = config.production;
  const steps = new StepReporter(out, SAMPLE_LAYERS.length + 5);
  if (!out.json) out.line(`Mayfly demo in ${config.home}\n`);
  await steps.run('create the warehouse', async () => {
    warehouse.init();
    const dbs = warehouse.listDatabases();
    if (dbs.length > 1 || dbs.some((d) => d.tables > 0)) {
      throw conflict('DEMO_HOME_IN_USE', `${config.home} already holds a warehouse; the demo builds its own: omit --home (a fresh temporary folder is used) or give an empty folder`);
    }
  });
  const started = performance.now();
  const run = await withSession(mayfly, prod, async (session) => {
    for (const layer of SAMPLE_LAYERS) {
      await steps.run(layer.label, () => session.run(layer.sql), () => {
        const tables = warehouse.tables(prod).filter((t) => t.schema === layer.schema);
        return `${plural(tables.length, 'table')}, ${plural(tables.reduce((n, t) => n + t.rows, 0), 'row')}`;
      });
    }
    const buildMs = performance.now() - started;
    const clone = await steps.run(`clone ${prod} as ${DEMO_CLONE}`, () => runOne(session, `CREATE DATABASE ${DEMO_CLONE} CLONE ${prod}`), (r) => message(r));
    const bytesWritten = exclusiveBytes(mayfly, DEMO_CLONE);
    const segmentSql = (db: string): string => `SELECT segment FROM ${db}.bdv.customer_value WHERE customer_id = ${DEMO_CUSTOMER}`;
    const before = cell(await runOne(session, segmentSql(prod)));
    const updateSql = `UPDATE ${DEMO_CLONE}.bdv.customer_value SET segment = 'vip' WHERE customer_id = ${DEMO_CUSTOMER}`;
    const update = await steps.run('change one row in the clone', () => runOne(session, updateSql), (r) => message(r));
    const bytesAfterUpdate = exclusiveBytes(mayfly, DEMO_CLONE);
    const [inClone, inProd] = await steps.run(
      `read that row in ${DEMO_CLONE} and in ${prod}`,
      async () => [cell(await runOne(session, segmentSql(DEMO_CLONE))), cell(await runOne(session, segmentSql(prod)))] as const,
      ([c, p]) => `${DEMO_CLONE}: ${c}, ${prod}: ${p}`,
    );
    return { buildMs, clone, bytesWritten, update, bytesAfterUpdate, before, inClone, inProd, updateSql };
  });
  const fullCopy = await steps.run(
    `copy every file of ${prod}, to compare`,
    () => measureFullCopy(warehouse, prod, config.home),
    (c) => `${plural(c.files, 'file')}, ${formatBytes(c.bytes)}`,
  );
  const m = warehouse.metrics(prod).databases[0];
  return {
    home: config.home,
    production: {
      name: prod,
      tables: warehouse.database(prod).tables,
      rows: warehouse.tables(prod).reduce((n, t) => n + t.rows, 0),
      files: m?.files ?? 0,
      bytes: m?.logicalBytes ?? 0,
      buildMs: run.buildMs,
    },
    clone: { name: DEMO_CLONE, from: prod, elapsedMs: run.clone.elapsedMs, bytesWritten: run.bytesWritten, bytesAfterUpdate: run.bytesAfterUpdate },
    update: { statement: run.updateSql, rowsAffected: run.update.kind === 'done' ? (run.update.rowsAffected ?? 0) : 0, elapsedMs: run.update.elapsedMs },
    check: { customerId: DEMO_CUSTOMER, cloneSegment: run.inClone, productionSegmentBefore: run.before, productionSegment: run.inProd, productionUnchanged: run.before === run.inProd },
    fullCopy,
    next: nextSteps(config.home, prod),
  };
}

/** Runs one statement and returns its result. */
async function runOne(session: Session, sql: string): Promise<StatementResult> {
  const [r] = await session.run(sql);
  if (!r) throw internal('DEMO_NO_RESULT', `no result for ${sql}`);
  return r;
}

function message(r: StatementResult): string {
  return r.kind === 'done' ? r.message : `${formatCount(r.rows.length)} rows`;
}

/** The first cell of a query's first row, as text. */
function cell(r: StatementResult): string {
  const row = r.kind === 'rows' ? r.rows[0] : undefined;
  return row ? String(Object.values(row)[0] ?? 'NULL') : '(no row)';
}

function exclusiveBytes(mayfly: Mayfly, db: string): number {
  return mayfly.warehouse.metrics(db).databases[0]?.exclusiveBytes ?? 0;
}

function nextSteps(home: string, prod: string): string[] {
  const h = /^[\w/.:-]+$/.test(home) ? home : `'${home.replaceAll("'", `'\\''`)}'`;
  return [
    `npx mayfly sql --home ${h} --db ${DEMO_CLONE}`,
    `npx mayfly sql --home ${h} "select c.customer_id, c.segment, p.segment as ${prod}_segment from ${DEMO_CLONE}.bdv.customer_value c join ${prod}.bdv.customer_value p using (customer_id) where customer_id = ${DEMO_CUSTOMER}"`,
    `npx mayfly metrics --home ${h} --db ${DEMO_CLONE}`,
    `npx mayfly db drop ${DEMO_CLONE} --home ${h}`,
  ];
}
