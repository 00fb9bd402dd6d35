import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PipeService } from '../src/ingest/pipe-service.js';
import type { Warehouse } from '../src/index.js';
import { createSamplePipes, landDays, pipeService, tempStage } from './helpers/pipe-fixtures.js';
import { count, scalar, withSession, withWarehouse } from './helpers/warehouse.js';

/** Rows of the sample's orders landed on the given days (scale 0.2: 20 a day). */
const ORDERS_PER_DAY = 20;

async function run(warehouse: Warehouse, db: string, sql: string): Promise<void> {
  await withSession(warehouse, db, async (s) => {
    await s.run(sql);
  });
}

/** Files a refresh of one pipe loaded, by path. */
async function loadedFiles(pipes: PipeService, db: string, pipe: string): Promise<string[]> {
  pipes.resume(db, [pipe]);
  const report = await pipes.refresh(db, { names: [pipe] });
  return (report.pipes[0]?.files ?? []).filter((f) => f.status === 'LOADED').map((f) => f.file.replace(/^.*\//, ''));
}

/** Production with 3 days of orders loaded by its pipe. */
async function loadedProd(warehouse: Warehouse, dir: string): Promise<PipeService> {
  await landDays(dir, 3);
  await createSamplePipes(warehouse);
  const pipes = pipeService(warehouse, dir);
  assert.deepEqual(await loadedFiles(pipes, 'prod', 'staging.load_orders_a'), ['2024-01-01.csv', '2024-01-02.csv', '2024-01-03.csv']);
  return pipes;
}

describe('schema and table clones carry the load history of the tables they clone', () => {
  it('a schema clone into another database (clone create --schema and CREATE SCHEMA … CLONE) resumes where production stopped', async () => {
    const stage = tempStage();
    try {
      await withWarehouse(async ({ warehouse, clock }) => {
        const pipes = await loadedProd(warehouse, stage.dir);
        clock.advance(60_000);
        warehouse.cloneDatabase('only_staging', 'prod', { schemas: ['staging'] });
        warehouse.createDatabase('sql_clone');
        await run(warehouse, 'sql_clone', 'create schema staging clone prod.staging');
        await landDays(stage.dir, 5, { onlyFrom: '2024-01-04' });
        for (const db of ['only_staging', 'sql_clone']) {
          assert.deepEqual(await loadedFiles(pipes, db, 'staging.load_orders_a'), ['2024-01-04.csv', '2024-01-05.csv'], db);
          await withSession(warehouse, db, async (s) => {
            assert.equal(await count(s, 'staging.orders_a'), 5 * ORDERS_PER_DAY);
            assert.equal(await scalar(s, 'select count(*) - count(distinct order_id) from staging.orders_a'), 0);
            assert.equal(await scalar(s, "select count(*) from mayfly.load_history where target_table = 'staging.orders_a'"), 5);
          });
        }
        await withSession(warehouse, 'prod', async (s) => assert.equal(await count(s, 'staging.orders_a'), 3 * ORDERS_PER_DAY));
      });
    } finally {
      stage.remove();
    }
  });

  it('a schema cloned within the same database under a new name: its pipes load its own tables, only new files', async () => {
    const stage = tempStage();
    try {
      await withWarehouse(async ({ warehouse }) => {
        const pipes = await loadedProd(warehouse, stage.dir);
        await run(warehouse, 'prod', 'create schema staging2 clone staging');
        assert.match(pipes.list('prod', ['staging2.load_orders_a'])[0]?.definition ?? '', /into staging2\.orders_a/i);
        await landDays(stage.dir, 4, { onlyFrom: '2024-01-04' });
        assert.deepEqual(await loadedFiles(pipes, 'prod', 'staging2.load_orders_a'), ['2024-01-04.csv']);
        await withSession(warehouse, 'prod', async (s) => {
          assert.equal(await count(s, 'staging2.orders_a'), 4 * ORDERS_PER_DAY);
          assert.equal(await count(s, 'staging.orders_a'), 3 * ORDERS_PER_DAY, 'the source table did not take the clone pipe’s rows');
        });
        // The source's pipe still has the new file to load into its own table.
        assert.deepEqual(await loadedFiles(pipes, 'prod', 'staging.load_orders_a'), ['2024-01-04.csv']);
        await withSession(warehouse, 'prod', async (s) => assert.equal(await count(s, 'staging.orders_a'), 4 * ORDERS_PER_DAY));
      });
    } finally {
      stage.remove();
    }
  });

  it('a table clone (also AT a time, also replacing a table that had its own history) carries exactly that table’s history', async () => {
    const stage = tempStage();
    try {
      await withWarehouse(async ({ warehouse, clock }) => {
        const pipes = await loadedProd(warehouse, stage.dir);
        const afterThree = clock.now();
        clock.advance(60_000);
        await landDays(stage.dir, 4, { onlyFrom: '2024-01-04' });
        assert.deepEqual(await loadedFiles(pipes, 'prod', 'staging.load_orders_a'), ['2024-01-04.csv']);
        clock.advance(60_000);
        // A clone database with its own orders table, loaded by its own pipe with all four files.
        warehouse.createDatabase('dev');
        await run(warehouse, 'dev', "create schema staging; create table staging.orders_a (order_id bigint, customer_id bigint, order_date date, amount decimal(12,2), status varchar, load_date date)");
        await run(warehouse, 'dev', 'create pipe staging.p as copy into staging.orders_a from @raw/source_a/orders/ file_format = (type = csv skip_header = 1)');
        assert.equal((await loadedFiles(pipes, 'dev', 'staging.p')).length, 4);
        // Replaced by production's table as of three days: its history is production's at that time, not the four files of before.
        await run(warehouse, 'dev', `create or replace table staging.orders_a clone prod.staging.orders_a at (timestamp => '${new Date(afterThree).toISOString()}')`);
        await withSession(warehouse, 'dev', async (s) => {
          assert.equal(await count(s, 'staging.orders_a'), 3 * ORDERS_PER_DAY);
          assert.equal(await scalar(s, "select count(*) from mayfly.load_history where target_table = 'staging.orders_a'"), 3);
        });
        // A pipe of another name on the cloned table loads only the fourth file; and a new table clone under another name too.
        await landDays(stage.dir, 5, { onlyFrom: '2024-01-05' });
        await run(warehouse, 'dev', 'create table staging.orders_copy clone prod.staging.orders_a');
        await run(warehouse, 'dev', 'create pipe staging.q as copy into staging.orders_copy from @raw/source_a/orders/ file_format = (type = csv skip_header = 1)');
        const [p, q] = await Promise.all([loadedFiles(pipes, 'dev', 'staging.p'), loadedFiles(pipes, 'dev', 'staging.q')]);
        assert.deepEqual(p, ['2024-01-04.csv', '2024-01-05.csv']);
        assert.deepEqual(q, ['2024-01-05.csv']);
        await withSession(warehouse, 'dev', async (s) => {
          assert.equal(await count(s, 'staging.orders_a'), 5 * ORDERS_PER_DAY);
          assert.equal(await count(s, 'staging.orders_copy'), 5 * ORDERS_PER_DAY);
          assert.equal(await scalar(s, 'select count(*) - count(distinct order_id) from staging.orders_copy'), 0);
        });
      });
    } finally {
      stage.remove();
    }
  });

  it('a history written before rows named their table still counts: for its pipe, and through the pipe when its table is cloned', async () => {
    const stage = tempStage();
    try {
      await withWarehouse(async ({ warehouse }) => {
        await landDays(stage.dir, 2);
        await createSamplePipes(warehouse);
        // The layout of an older Mayfly: no target_table column; the first file was loaded by the pipe.
        const trusted = await warehouse.session('prod', { trusted: true });
        try {
          await trusted.run(
            'begin; create schema mayfly; create table mayfly.load_history (pipe VARCHAR, file VARCHAR, size BIGINT, modified_at TIMESTAMP, checksum VARCHAR, status VARCHAR, ' +
              'rows_loaded BIGINT, rows_rejected BIGINT, first_error VARCHAR, loaded_at TIMESTAMP); ' +
              'create table mayfly.load_errors (pipe VARCHAR, file VARCHAR, line BIGINT, reason VARCHAR, raw VARCHAR, loaded_at TIMESTAMP); ' +
              "insert into mayfly.load_history values ('staging.load_orders_a', '@raw/source_a/orders/2024-01-01.csv', 1, now(), 'x', 'LOADED', 20, 0, NULL, now()); commit",
          );
        } finally {
          trusted.close();
        }
        const pipes = pipeService(warehouse, stage.dir);
        assert.deepEqual(await loadedFiles(pipes, 'prod', 'staging.load_orders_a'), ['2024-01-02.csv']);
        await withSession(warehouse, 'prod', async (s) => {
          // The made-up size and checksum of the old row also make the file CHANGED: the old row was consulted.
          assert.equal(await scalar(s, "select count(*) from mayfly.load_history where target_table = 'staging.orders_a' and status = 'LOADED'"), 1);
          assert.equal(await scalar(s, 'select count(*) from mayfly.load_history where target_table is null'), 1);
        });
        warehouse.createDatabase('dev');
        await run(warehouse, 'dev', 'create schema staging; create table staging.orders_a clone prod.staging.orders_a');
        await run(warehouse, 'dev', 'create pipe staging.p as copy into staging.orders_a from @raw/source_a/orders/ file_format = (type = csv skip_header = 1)');
        await landDays(stage.dir, 3, { onlyFrom: '2024-01-03' });
        assert.deepEqual(await loadedFiles(pipes, 'dev', 'staging.p'), ['2024-01-03.csv']);
      });
    } finally {
      stage.remove();
    }
  });

  it('concurrent refreshes of a pipe in a table clone still load each new file exactly once', async () => {
    const stage = tempStage();
    try {
      await withWarehouse(async ({ warehouse }) => {
        const pipes = await loadedProd(warehouse, stage.dir);
        warehouse.createDatabase('dev');
        await run(warehouse, 'dev', 'create schema staging; create table staging.orders_a clone prod.staging.orders_a');
        await run(warehouse, 'dev', 'create pipe staging.p as copy into staging.orders_a from @raw/source_a/orders/ file_format = (type = csv skip_header = 1)');
        await landDays(stage.dir, 7, { onlyFrom: '2024-01-04' });
        pipes.resume('dev', ['staging.p']);
        const other = pipeService(warehouse, stage.dir);
        const [a, b] = await Promise.all([pipes.refresh('dev', { names: ['staging.p'] }), other.refresh('dev', { names: ['staging.p'] })]);
        const loaded = [...(a.pipes[0]?.files ?? []), ...(b.pipes[0]?.files ?? [])].filter((f) => f.status === 'LOADED').map((f) => f.file);
        assert.equal(loaded.length, 4);
        assert.equal(new Set(loaded).size, 4);
        await withSession(warehouse, 'dev', async (s) => {
          assert.equal(await count(s, 'staging.orders_a'), 7 * ORDERS_PER_DAY);
          assert.equal(await scalar(s, 'select count(*) - count(distinct order_id) from staging.orders_a'), 0);
        });
      });
    } finally {
      stage.remove();
    }
  });
});
