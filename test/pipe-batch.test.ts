import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { LocalDirectoryStage } from '../src/ingest/local-directory-stage.js';
import { PipeService } from '../src/ingest/pipe-service.js';
import { StageRegistry } from '../src/ingest/stage-registry.js';
import type { Warehouse } from '../src/index.js';
import { createSamplePipes, landDays, pipeService, tempStage } from './helpers/pipe-fixtures.js';
import { count, rows, scalar, withSession, withWarehouse } from './helpers/warehouse.js';

const ORDERS_PER_DAY = 20;

/** Files of `load_history` in a database's current version: one per batch. */
function historyFiles(warehouse: Warehouse, db: string): number {
  const obj = warehouse.tree(warehouse.requireRef(db).commitId).object('mayfly', 'load_history');
  return obj?.kind === 'table' ? obj.version.files.length : 0;
}

/** Commits of a database's history, newest first (by following parents). */
function commitsOf(warehouse: Warehouse, db: string): number {
  let n = 0;
  for (let id: string | null = warehouse.requireRef(db).commitId; id !== null; id = warehouse.catalog.getCommit(id).parent) n++;
  return n;
}

/** The local stage, counting the per-file calls a refresh makes. */
class CountingStage extends LocalDirectoryStage {
  readonly calls = { checksum: 0, localPath: 0 };

  override checksum(path: string): Promise<string> {
    this.calls.checksum++;
    return super.checksum(path);
  }

  override localPath(path: string): Promise<string> {
    this.calls.localPath++;
    return super.localPath(path);
  }
}

describe('pipes load several files per transaction', () => {
  it('a batch is one commit with one history file; a failing file in it is recorded with its error and the others load', async () => {
    const stage = tempStage();
    try {
      await withWarehouse(async ({ warehouse }) => {
        await landDays(stage.dir, 4);
        // An unreadable file (not gzip) and a file of bad lines, between good ones.
        writeFileSync(join(stage.dir, 'source_b/payments/2024-01-02b.jsonl.gz'), 'not gzip at all\n');
        writeFileSync(join(stage.dir, 'source_b/payments/2024-01-03b.jsonl'), '{"payment_id": 1, "order_id": 1\n');
        await createSamplePipes(warehouse);
        const pipes = pipeService(warehouse, stage.dir);
        pipes.resume('prod', ['load_payments_b']);
        const before = commitsOf(warehouse, 'prod');
        const report = await pipes.refresh('prod');
        const files = report.pipes[0]?.files ?? [];
        assert.deepEqual(
          files.map((f) => [f.file.replace(/^.*\//, ''), f.status]),
          [
            ['2024-01-01.jsonl', 'LOADED'],
            ['2024-01-02.jsonl', 'LOADED'],
            ['2024-01-02b.jsonl.gz', 'LOAD_FAILED'],
            ['2024-01-03.jsonl', 'LOADED'],
            ['2024-01-03b.jsonl', 'LOAD_FAILED'],
            ['2024-01-04.jsonl', 'LOADED'],
          ],
        );
        // The load tables' creation, then the six files in one commit.
        assert.equal(commitsOf(warehouse, 'prod') - before, 2);
        assert.equal(historyFiles(warehouse, 'prod'), 1);
        await withSession(warehouse, 'prod', async (s) => {
          const loaded = files.filter((f) => f.status === 'LOADED').reduce((n, f) => n + f.rowsLoaded, 0);
          assert.ok(loaded > 0);
          assert.equal(await count(s, 'staging.payments_b'), loaded);
          const failed = await rows(s, `select file, first_error from mayfly.load_history where status = 'LOAD_FAILED' order by file`);
          assert.equal(failed.length, 2);
          assert.match(String(failed[0]?.first_error), /could not be read/);
          assert.ok(failed[1]?.first_error, 'the bad line is the recorded error');
          assert.equal(await scalar(s, `select count(distinct file) from mayfly.load_errors`), 2);
        });
      });
    } finally {
      stage.remove();
    }
  });

  it('batches are bounded by files: each commits on its own', async () => {
    const stage = tempStage();
    try {
      await withWarehouse(async ({ warehouse }) => {
        await landDays(stage.dir, 7);
        await createSamplePipes(warehouse);
        const pipes = pipeService(warehouse, stage.dir);
        pipes.resume('prod', ['load_orders_a']);
        const report = await pipes.refresh('prod', { batch: { files: 3 } });
        assert.equal(report.pipes[0]?.files.length, 7);
        assert.equal(historyFiles(warehouse, 'prod'), 3, 'batches of 3, 3 and 1 files');
        await withSession(warehouse, 'prod', async (s) => assert.equal(await count(s, 'staging.orders_a'), 7 * ORDERS_PER_DAY));
      });
    } finally {
      stage.remove();
    }
  });

  it('loads each file exactly once across repeated refreshes and across a clone, without touching production from the clone', async () => {
    const stage = tempStage();
    try {
      await withWarehouse(async ({ warehouse, clock }) => {
        await landDays(stage.dir, 3);
        await createSamplePipes(warehouse);
        const pipes = pipeService(warehouse, stage.dir);
        pipes.resume('prod', ['load_orders_a']);
        const loaded = async (db: string): Promise<string[]> =>
          ((await pipes.refresh(db, { names: ['load_orders_a'] })).pipes[0]?.files ?? []).filter((f) => f.status === 'LOADED').map((f) => f.file.replace(/^.*\//, ''));
        assert.deepEqual(await loaded('prod'), ['2024-01-01.csv', '2024-01-02.csv', '2024-01-03.csv']);
        assert.deepEqual(await loaded('prod'), []);
        clock.advance(60_000);
        warehouse.cloneDatabase('squad', 'prod');
        await landDays(stage.dir, 4, { onlyFrom: '2024-01-04' });
        pipes.resume('squad', ['load_orders_a']);
        assert.deepEqual(await loaded('squad'), ['2024-01-04.csv']);
        assert.deepEqual(await loaded('squad'), []);
        await withSession(warehouse, 'squad', async (s) => {
          assert.equal(await count(s, 'staging.orders_a'), 4 * ORDERS_PER_DAY);
          assert.equal(await scalar(s, `select count(*) from mayfly.load_history`), 4);
        });
        await withSession(warehouse, 'prod', async (s) => {
          assert.equal(await count(s, 'staging.orders_a'), 3 * ORDERS_PER_DAY);
          assert.equal(await scalar(s, `select count(*) from mayfly.load_history where file like '%2024-01-04.csv'`), 0);
        });
        assert.deepEqual(await loaded('prod'), ['2024-01-04.csv']);
        assert.deepEqual(await loaded('prod'), []);
        await withSession(warehouse, 'prod', async (s) => {
          assert.equal(await count(s, 'staging.orders_a'), 4 * ORDERS_PER_DAY);
          assert.equal(await scalar(s, 'select count(*) - count(distinct order_id) from staging.orders_a'), 0);
        });
      });
    } finally {
      stage.remove();
    }
  });

  it('a refresh with nothing new runs no statement and reads no file, however many files were loaded', async () => {
    const stage = tempStage();
    try {
      await withWarehouse(async ({ warehouse }) => {
        await landDays(stage.dir, 30);
        await createSamplePipes(warehouse);
        const counting = new CountingStage('raw', stage.dir);
        const pipes = new PipeService(warehouse, new StageRegistry([counting]));
        pipes.resume('prod', ['load_orders_a']);
        let statements = 0;
        const stop = warehouse.onActivity(() => statements++);
        try {
          await pipes.refresh('prod', { names: ['load_orders_a'] });
          assert.equal(counting.calls.localPath, 30);
          assert.ok(statements > 0, 'loading runs statements (the counter counts)');
          // The refresh that loaded indexed the history it left: not even the next refresh reads it.
          statements = 0;
          await pipes.refresh('prod', { names: ['load_orders_a'] });
          assert.equal(statements, 0);
          // A new service (a new process) reads it once: a few statements, not one per file.
          const fresh = new PipeService(warehouse, new StageRegistry([counting]));
          await fresh.refresh('prod', { names: ['load_orders_a'] });
          assert.ok(statements > 0 && statements <= 3, `${statements} statements`);
          const commit = warehouse.requireRef('prod').commitId;
          statements = 0;
          counting.calls.checksum = 0;
          counting.calls.localPath = 0;
          const report = await pipes.refresh('prod', { names: ['load_orders_a'] });
          assert.deepEqual(report.pipes[0]?.files, []);
          assert.equal(statements, 0);
          assert.deepEqual(counting.calls, { checksum: 0, localPath: 0 });
          assert.equal(warehouse.requireRef('prod').commitId, commit);
        } finally {
          stop();
        }
      });
    } finally {
      stage.remove();
    }
  });
});
