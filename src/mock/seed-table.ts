import { randomInt } from 'node:crypto';
import { conflict, forbidden, invalid, notFound } from '../core/errors.js';
import { checkName } from '../core/names.js';
import { SYSTEM_SCHEMA } from '../warehouse/session.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { planColumn, type ColumnKind, type ColumnPlan } from './column-kind.js';
import { columnarInsert } from './columnar-insert.js';
import { planKeys, tableColumns, tableSql, type TableName } from './key-sampler.js';
import { ownKeyColumn } from './key-names.js';
import { RowGenerator, type KeySource } from './row-generator.js';
import { DEFAULT_BATCH_ROWS } from './seed-defaults.js';

/** Most rows one seed may insert (a typo such as `--rows 10000000000` is refused, not run for hours). */
export const MAX_SEED_ROWS = 100_000_000;
/** Largest batch accepted. */
export const MAX_BATCH_ROWS = 1_000_000;
/** Seeds are 32-bit unsigned integers (the generator's state is seeded with 32 bits). */
export const MAX_SEED = 2 ** 32 - 1;

const DAY_MS = 86_400_000;

/** What to seed. */
export interface SeedOptions {
  /** The database holding the table (a clone, usually). */
  readonly db: string;
  /** `schema.table`, or `table` in schema `main`. */
  readonly table: string;
  /** How many rows to insert: an integer from 1 to {@link MAX_SEED_ROWS}. */
  readonly rows: number;
  /** Same seed (with the same as-of date and database state) → the same rows; random (and reported) when absent. */
  readonly seed?: number;
  /** Dates are generated around this day (UTC); default: today by the warehouse clock. */
  readonly asOf?: number;
  /** Rows per INSERT statement (default {@link DEFAULT_BATCH_ROWS}); never changes which rows are generated. */
  readonly batchRows?: number;
  /** Fill columns of types the seeder cannot generate with NULL instead of refusing (Mayfly does not enforce NOT NULL). */
  readonly nullUnsupported?: boolean;
  /** Allow seeding the production database (refused by default: mock data belongs in a clone). */
  readonly allowProduction?: boolean;
  /** Called after each batch with the rows inserted so far. */
  readonly onProgress?: (done: number, total: number) => void;
  /** Aborting stops the seed between batches; nothing is committed. */
  readonly signal?: AbortSignal;
}

/** How one column was filled. */
export interface SeededColumn {
  readonly name: string;
  readonly type: string;
  readonly kind: ColumnKind;
  /** For keys: `sequence from N`, `uuid`, or the `schema.table.column` its values were drawn from. */
  readonly source?: string;
}

/** What a seed did. */
export interface SeedReport {
  readonly database: string;
  readonly schema: string;
  readonly table: string;
  readonly rows: number;
  readonly seed: number;
  /** The day dates were generated around (`YYYY-MM-DD`); pass it back with the seed to reproduce the rows. */
  readonly asOf: string;
  readonly batches: number;
  readonly columns: readonly SeededColumn[];
  readonly elapsedMs: number;
}

/**
 * Inserts `rows` generated rows into an existing table: values realistic for
 * each column's name and type, keys that join with the database's other
 * tables, deterministic for a seed. Everything is checked before the first
 * write, and all batches commit as one transaction: a seed that fails or is
 * cancelled leaves the table unchanged.
 */
export async function seedTable(warehouse: Warehouse, options: SeedOptions): Promise<SeedReport> {
  const started = performance.now();
  const { rows, db } = options;
  const seed = options.seed ?? randomInt(0, MAX_SEED);
  const batchRows = options.batchRows ?? DEFAULT_BATCH_ROWS;
  checkCount(rows, 1, MAX_SEED_ROWS, 'INVALID_ROWS', '--rows', 'rows to insert');
  checkCount(seed, 0, MAX_SEED, 'INVALID_SEED', '--seed', 'seed');
  checkCount(batchRows, 1, MAX_BATCH_ROWS, 'INVALID_BATCH', '--batch', 'rows per batch');
  const asOfMs = options.asOf ?? warehouse.clock.now();
  if (!Number.isFinite(asOfMs)) throw invalid('INVALID_TIMESTAMP', 'the as-of date is not a point in time');
  const asOf = Math.floor(asOfMs / DAY_MS) * DAY_MS;
  const target = parseTableName(options.table);

  warehouse.database(db);
  if (db === warehouse.settings.production && !options.allowProduction) {
    throw forbidden('PROD_PROTECTED', `${db} is the production database; seed mock data into a clone (\`mayfly clone create NAME\`), or pass --prod to seed production anyway`);
  }
  const tables = warehouse.tables(db);
  const info = tables.find((t) => t.schema === target.schema && t.name === target.name);
  if (info?.kind !== 'table') {
    const known = tables.filter((t) => t.kind === 'table' && t.schema !== SYSTEM_SCHEMA).map((t) => `${t.schema}.${t.name}`);
    const hint = info ? ' (it is a view)' : ` (tables: ${known.slice(0, 10).join(', ') || 'none'}${known.length > 10 ? ', …' : ''})`;
    throw notFound('TABLE_NOT_FOUND', `table ${db}.${target.schema}.${target.name} does not exist${hint}`);
  }

  const session = await warehouse.session(db, { purpose: 'seed', writeOnly: db });
  try {
    const columns = await tableColumns(session, db, target);
    const ownKey = ownKeyColumn(target.name, columns.map((c) => c.name));
    const plans = columns.map((c) => planColumn(c.name, c.type, ownKey));
    refuseUnsupported(plans, options.nullUnsupported ?? false, `${db}.${target.schema}.${target.name}`);

    await session.run('BEGIN');
    // Keys are read inside the transaction: the sequence continues from what this commit builds on.
    const keys = await planKeys(session, db, target, tables, plans, rows);
    const generator = new RowGenerator(plans, { table: target.name, seed, asOf, keys });
    const into = tableSql(db, target);
    let done = 0;
    let batches = 0;
    while (done < rows) {
      throwIfCancelled(options.signal);
      const n = Math.min(batchRows, rows - done);
      const byColumn: (string | null)[][] = plans.map(() => new Array<string | null>(n));
      for (let r = 0; r < n; r++) {
        const row = generator.next();
        for (let c = 0; c < row.length; c++) (byColumn[c] as (string | null)[])[r] = row[c] ?? null;
      }
      await session.run(columnarInsert(into, byColumn, n));
      done += n;
      batches++;
      options.onProgress?.(done, rows);
    }
    throwIfCancelled(options.signal);
    await session.run('COMMIT');
    return {
      database: db,
      schema: target.schema,
      table: target.name,
      rows,
      seed,
      asOf: new Date(asOf).toISOString().slice(0, 10),
      batches,
      columns: plans.map((p) => seededColumn(p, keys.get(p.name))),
      elapsedMs: performance.now() - started,
    };
  } finally {
    // Closing discards a transaction that did not commit: a failed or cancelled seed leaves nothing behind.
    session.close();
  }
}

/** `schema.table` or `table` (schema `main`), lower-cased like unquoted SQL names. */
function parseTableName(text: string): TableName {
  const parts = text.trim().toLowerCase().split('.');
  if (parts.length > 2) {
    throw invalid('INVALID_NAME', `invalid table ${JSON.stringify(text)}: give schema.table (or a table of schema main) and the database with --db`);
  }
  const [schema, name] = parts.length === 2 ? [parts[0] ?? '', parts[1] ?? ''] : ['main', parts[0] ?? ''];
  checkName(schema, 'schema');
  checkName(name, 'table');
  if (schema === SYSTEM_SCHEMA) {
    throw forbidden('SYSTEM_SCHEMA_READ_ONLY', `${SYSTEM_SCHEMA} holds Mayfly's records (load history, deployments); it cannot be seeded`);
  }
  return { schema, name };
}

function checkCount(value: number, min: number, max: number, code: string, option: string, what: string): void {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw invalid(code, `invalid ${option} ${String(value)}: the ${what} must be a whole number from ${min.toLocaleString('en-US')} to ${max.toLocaleString('en-US')}`);
  }
}

function refuseUnsupported(plans: readonly ColumnPlan[], nullUnsupported: boolean, table: string): void {
  const unsupported = plans.filter((p) => p.kind === 'unsupported');
  if (unsupported.length === 0 || nullUnsupported) return;
  const list = unsupported.map((p) => `${p.name} ${p.type.sql}`).join(', ');
  throw invalid(
    'SEED_UNSUPPORTED_TYPE',
    `cannot generate values for ${unsupported.length === 1 ? 'column' : 'columns'} ${list} of ${table}; pass --null-unsupported to fill ${unsupported.length === 1 ? 'it' : 'them'} with NULL`,
  );
}

function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw conflict('SEED_CANCELLED', 'the seed was cancelled; nothing was inserted');
}

function seededColumn(p: ColumnPlan, key: KeySource | undefined): SeededColumn {
  const column = { name: p.name, type: p.type.sql, kind: p.kind };
  if (!key) return column;
  const source = key.from === 'sequence' ? `sequence from ${key.start}` : key.from === 'uuid' ? 'uuid' : `${key.table}.${key.column}`;
  return { ...column, source };
}
