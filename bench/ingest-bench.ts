/**
 * Pipe ingest throughput: `pipe refresh` of generated landing files (the
 * sample project's CSV and JSON lines) into a fresh warehouse, against raw
 * DuckDB reading the same files into tables (`CREATE TABLE AS SELECT * FROM
 * read_csv(…)` / `read_json(…)`), measured side by side in one run.
 */
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateLanding, type LandingReport } from '../src/ingest/landing-generator.js';
import { LocalDirectoryStage } from '../src/ingest/local-directory-stage.js';
import { PipeService } from '../src/ingest/pipe-service.js';
import { StageRegistry } from '../src/ingest/stage-registry.js';
import { BENCH_SETTINGS, openWarehouse } from './bench-warehouses.js';
import { median, progress, ShiftedClock, timed } from './bench-util.js';
import { RawDuck, sqlList, sqlString } from './raw-duck.js';
import { figure, type Figure } from './report.js';

const STAGING = `
create schema staging;
create table staging.customers_a (customer_id bigint, name varchar, email varchar, country varchar, signup_date date, load_date date);
create table staging.orders_a (order_id bigint, customer_id bigint, order_date date, amount decimal(12,2), status varchar, load_date date);
create table staging.payments_b (payment_id bigint, order_id bigint, paid_at timestamp, amount decimal(12,2), method varchar, load_date date);
create pipe staging.load_customers_a as copy into staging.customers_a from @raw/source_a/customers/ file_format = (type = csv skip_header = 1);
create pipe staging.load_orders_a as copy into staging.orders_a from @raw/source_a/orders/ file_format = (type = csv skip_header = 1);
create pipe staging.load_payments_b as copy into staging.payments_b from @raw/source_b/payments/ file_format = (type = json)`;

const ENTITIES = [
  {
    table: 'customers_a',
    folder: 'source_a/customers/',
    reader: 'read_csv',
    typed: "columns = {'customer_id': 'BIGINT', 'name': 'VARCHAR', 'email': 'VARCHAR', 'country': 'VARCHAR', 'signup_date': 'DATE', 'load_date': 'DATE'}, header = true, auto_detect = false",
  },
  {
    table: 'orders_a',
    folder: 'source_a/orders/',
    reader: 'read_csv',
    typed: "columns = {'order_id': 'BIGINT', 'customer_id': 'BIGINT', 'order_date': 'DATE', 'amount': 'DECIMAL(12,2)', 'status': 'VARCHAR', 'load_date': 'DATE'}, header = true, auto_detect = false",
  },
  {
    table: 'payments_b',
    folder: 'source_b/payments/',
    reader: 'read_json',
    typed: "columns = {'payment_id': 'BIGINT', 'order_id': 'BIGINT', 'paid_at': 'TIMESTAMP', 'amount': 'DECIMAL(12,2)', 'method': 'VARCHAR', 'load_date': 'DATE'}, format = 'newline_delimited'",
  },
] as const;

/** How raw DuckDB reads: types detected (`read_csv(files)`, DuckDB's own default) or given; into memory or a DuckDB file. */
interface RawVariant {
  readonly typed: boolean;
  readonly file?: string;
}

/** Measures pipe ingest against raw DuckDB on the same files; `quick` uses about a tenth of the data. */
export async function measureIngest(root: string, quick: boolean): Promise<{ figures: Figure[]; details: Record<string, unknown> }> {
  const stageDir = join(root, 'ingest-landing');
  const days = quick ? 10 : 20;
  const scale = quick ? 40 : 200;
  progress(`ingest: generating ${days} days of landing files at scale ${scale}`);
  const landing = await generateLanding({ dir: stageDir, days, scale });
  const bytes = landing.bytes;
  const rows = landing.rows;
  const runs = quick ? 1 : 3;
  const mayflyMs: number[] = [];
  const rawMemoryMs: number[] = [];
  const rawDiskMs: number[] = [];
  const rawTypedDiskMs: number[] = [];
  let loadedRows = 0;
  for (let run = 0; run < runs; run++) {
    progress(`ingest: run ${run + 1}/${runs}: pipe refresh`);
    const m = await refreshOnce(join(root, `ingest-home-${run}`), stageDir);
    mayflyMs.push(m.ms);
    loadedRows = m.rows;
    progress(`ingest: run ${run + 1}/${runs}: raw DuckDB`);
    const file = join(root, `ingest-raw-${run}.duckdb`);
    rawMemoryMs.push(await rawRead(landing, stageDir, { typed: false }));
    rawDiskMs.push(await rawRead(landing, stageDir, { typed: false, file }));
    rawTypedDiskMs.push(await rawRead(landing, stageDir, { typed: true, file }));
  }
  const mayfly = median(mayflyMs);
  const disk = median(rawDiskMs);
  const memory = median(rawMemoryMs);
  const typedDisk = median(rawTypedDiskMs);
  const mb = bytes / (1024 * 1024);
  const figures = [
    figure('pipe ingest: rows/s', rows / (mayfly / 1000), 'rows/s'),
    figure('pipe ingest: MB/s', mb / (mayfly / 1000), 'MB/s'),
    figure('pipe ingest / raw DuckDB CTAS read_csv(files) into a DuckDB file', disk / mayfly, '×', { op: '>=', value: 0.8 }),
    figure('pipe ingest / raw DuckDB CTAS read_csv(files) in memory', memory / mayfly, '×'),
    figure('pipe ingest / raw DuckDB CTAS with the types given, into a DuckDB file', typedDisk / mayfly, '×'),
  ];
  await rm(stageDir, { recursive: true, force: true });
  const empty = await emptyRefresh(root, quick ? 1_000 : 10_000);
  figures.push(figure(`pipe refresh with nothing new over ${empty.files.toLocaleString('en')} loaded files`, empty.ms, 'ms', { op: '<=', value: 50 }));
  return {
    figures,
    details: {
      method:
        'Sample landing files (customers and orders CSV, payments JSON lines) of `days` days. Mayfly: a fresh warehouse, staging tables and three pipes, ' +
        'then one `pipe refresh` (files in batches of up to 64 per transaction: each file read typed into its own zstd Parquet file, stored and synced ' +
        'while the next file is read, with its rejected rows kept; one statement, one history file and one commit per batch; SHA-256 of every file). Raw DuckDB: the same ' +
        'threads and memory, one CREATE TABLE AS SELECT * FROM read_csv/read_json([all files of the entity]) per entity: with types detected (DuckDB\'s own ' +
        'default), into an in-memory table and into a DuckDB file followed by CHECKPOINT; and with the types given (no sniffing) into a DuckDB file. ' +
        'Ratio = raw time / Mayfly time (higher is better for Mayfly). Median of runs. Mayfly pays per file a typed read into Parquet, an fsync into ' +
        'the object store and a SHA-256 of the file (both beside the engine\'s reading), and per batch an exactly-once check, a history file and a commit. ' +
        'emptyRefresh.byName: the same empty refresh with loadedFiles = name (files the history holds not stat\'ed), recorded apart from the figure.',
      days,
      scale,
      files: landing.files.length,
      rows,
      loadedRows,
      bytes,
      runs,
      mayflyMs,
      rawMemoryMs,
      rawDiskMs,
      rawTypedDiskMs,
      threads: BENCH_SETTINGS.threads,
      emptyRefresh: empty,
    },
  };
}

/**
 * `pipe refresh` with nothing new over `files` loaded one-row files: each
 * file loaded once (batches of the default size), then refreshes that find
 * nothing; median of the refreshes after the first (which indexes the history
 * the loads left).
 */
async function emptyRefresh(root: string, files: number): Promise<{ files: number; loadMs: number; ms: number; samples: number[]; byName: { ms: number; samples: number[] } }> {
  const stageDir = join(root, 'ingest-idle-stage');
  const home = join(root, 'ingest-idle-home');
  await rm(stageDir, { recursive: true, force: true });
  await rm(home, { recursive: true, force: true });
  await mkdir(join(stageDir, 'events'), { recursive: true });
  for (let i = 0; i < files; i++) await writeFile(join(stageDir, 'events', `e${String(i).padStart(6, '0')}.csv`), `id,v\n${i},x\n`);
  progress(`ingest: loading ${files} one-row files for the empty refresh`);
  const mayfly = openWarehouse(home, new ShiftedClock());
  try {
    const { warehouse } = mayfly;
    const session = await warehouse.session('prod');
    await session.run('create schema idle; create table idle.events (id bigint, v varchar); create pipe idle.load_events as copy into idle.events from @raw/events/ file_format = (type = csv skip_header = 1)').finally(() => session.close());
    const pipes = new PipeService(warehouse, new StageRegistry([new LocalDirectoryStage('raw', stageDir)]));
    pipes.resume('prod');
    const load = await timed(() => pipes.refresh('prod'));
    await pipes.refresh('prod');
    const samples: number[] = [];
    for (let i = 0; i < 7; i++) samples.push((await timed(() => pipes.refresh('prod'))).ms);
    // For the record only (the figure above is the default): files the history holds skipped by name, unstat'ed.
    const byName: number[] = [];
    for (let i = 0; i < 7; i++) byName.push((await timed(() => pipes.refresh('prod', { loadedFiles: 'name' }))).ms);
    return { files, loadMs: load.ms, ms: median(samples), samples, byName: { ms: median(byName), samples: byName } };
  } finally {
    mayfly.close();
    await rm(home, { recursive: true, force: true });
    await rm(stageDir, { recursive: true, force: true });
  }
}

/** One `pipe refresh` of every file into a new warehouse; its wall time and the rows it loaded. */
async function refreshOnce(home: string, stageDir: string): Promise<{ ms: number; rows: number }> {
  await rm(home, { recursive: true, force: true });
  const mayfly = openWarehouse(home, new ShiftedClock());
  try {
    const { warehouse } = mayfly;
    const session = await warehouse.session('prod');
    await session.run(STAGING).finally(() => session.close());
    const pipes = new PipeService(warehouse, new StageRegistry([new LocalDirectoryStage('raw', stageDir)]));
    pipes.resume('prod');
    const { ms, value } = await timed(() => pipes.refresh('prod'));
    return { ms, rows: value.pipes.reduce((n, p) => n + p.rowsLoaded, 0) };
  } finally {
    mayfly.close();
    await rm(home, { recursive: true, force: true });
  }
}

/** Raw DuckDB reading every file into one table per entity, as `variant` says; its wall time. */
async function rawRead(landing: LandingReport, stageDir: string, variant: RawVariant): Promise<number> {
  const duck = await RawDuck.create({ threads: BENCH_SETTINGS.threads ?? 2, memoryLimit: BENCH_SETTINGS.memoryLimit ?? '4GB' });
  const file = variant.file;
  try {
    if (file) {
      await rm(file, { force: true });
      await duck.run(`ATTACH ${sqlString(file)} AS disk`);
      await duck.run('USE disk');
    }
    const { ms } = await timed(async () => {
      for (const e of ENTITIES) {
        const files = landing.files.filter((f) => f.path.startsWith(e.folder) && f.rows > 0).map((f) => join(stageDir, f.path));
        await duck.run(`CREATE TABLE ${e.table} AS SELECT * FROM ${e.reader}(${sqlList(files)}${variant.typed ? `, ${e.typed}` : ''})`);
      }
      if (file) await duck.run('CHECKPOINT');
    });
    if (file) await stat(file);
    return ms;
  } finally {
    duck.close();
    if (file) await rm(file, { force: true });
  }
}
