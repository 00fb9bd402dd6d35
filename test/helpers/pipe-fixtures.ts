import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateLanding, type LandingReport } from '../../src/ingest/landing-generator.js';
import { LocalDirectoryStage } from '../../src/ingest/local-directory-stage.js';
import { PipeService } from '../../src/ingest/pipe-service.js';
import { StageRegistry } from '../../src/ingest/stage-registry.js';
import type { Warehouse } from '../../src/index.js';

/** The sample project's staging tables. */
export const STAGING_DDL = `
create schema staging;
create table staging.customers_a (customer_id bigint, name varchar, email varchar, country varchar, signup_date date, load_date date);
create table staging.orders_a (order_id bigint, customer_id bigint, order_date date, amount decimal(12,2), status varchar, load_date date);
create table staging.payments_b (payment_id bigint, order_id bigint, paid_at timestamp, amount decimal(12,2), method varchar, load_date date)`;

/** The sample project's pipes, as SQL. */
export const SAMPLE_PIPES = `
create pipe staging.load_customers_a as copy into staging.customers_a from @raw/source_a/customers/ pattern = '.*[.]csv'
  file_format = (type = csv skip_header = 1) on_error = continue;
create pipe staging.load_orders_a as copy into staging.orders_a from @raw/source_a/orders/ file_format = (type = csv skip_header = 1) on_error = continue;
create pipe staging.load_payments_b as copy into staging.payments_b from @raw/source_b/payments/ file_format = (type = json) on_error = skip_file`;

/** A temporary stage directory, removed by the returned function. */
export function tempStage(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'mayfly-stage-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Pipes over one stage `raw` in `dir`. */
export function pipeService(warehouse: Warehouse, dir: string): PipeService {
  return new PipeService(warehouse, new StageRegistry([new LocalDirectoryStage('raw', dir)]));
}

/** Creates the staging tables and the sample pipes in `db`. */
export async function createSamplePipes(warehouse: Warehouse, db = 'prod'): Promise<void> {
  const s = await warehouse.session(db);
  try {
    await s.run(`${STAGING_DDL};\n${SAMPLE_PIPES}`);
  } finally {
    s.close();
  }
}

/** Generates `days` days of sample files (scale 0.2: 4 customers, 20 orders a day) from 2024-01-01. */
export function landDays(dir: string, days: number, options: { scale?: number; onlyFrom?: string; badRows?: number } = {}): Promise<LandingReport> {
  return generateLanding({ dir, days, scale: options.scale ?? 0.2, ...(options.onlyFrom ? { onlyFrom: options.onlyFrom } : {}), ...(options.badRows ? { badRows: options.badRows } : {}) });
}
