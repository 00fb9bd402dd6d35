import assert from 'node:assert/strict';
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { LocalDirectoryStage } from '../src/ingest/local-directory-stage.js';
import { PipeService } from '../src/ingest/pipe-service.js';
import type { StageFile } from '../src/ingest/stage.js';
import { StageRegistry } from '../src/ingest/stage-registry.js';
import { count, rejectsWithCode, rows, scalar, withSession, withWarehouse } from './helpers/warehouse.js';
import { createSamplePipes, landDays, pipeService, tempStage } from './helpers/pipe-fixtures.js';

/** A refresh that compares loaded files with their loads (`--check-changed`). */
const STAT = { loadedFiles: 'stat' } as const;

/** Processed history rows per file of a database's load history. */
async function historyByFile(service: PipeService, db: string): Promise<Map<string, string[]>> {
  return withSession(service.warehouse, db, async (s) => {
    const out = new Map<string, string[]>();
    for (const r of await rows(s, 'select file, status from mayfly.load_history order by loaded_at, file')) {
      out.set(String(r.file), [...(out.get(String(r.file)) ?? []), String(r.status)]);
    }
    return out;
  });
}

describe('pipes: load history and clones', () => {
  it('a refresh loads each new file once; the next refresh loads nothing', async () => {
    const stage = tempStage();
    try {
      await withWarehouse(async ({ warehouse }) => {
        const landed = await landDays(stage.dir, 3);
        await createSamplePipes(warehouse);
        const pipes = pipeService(warehouse, stage.dir);
        pipes.resume('prod');
        const first = await pipes.refresh('prod');
        assert.equal(first.pipes.flatMap((p) => p.files).length, 9);
        const second = await pipes.refresh('prod');
        assert.deepEqual(second.pipes.map((p) => p.files.length), [0, 0, 0]);
        const expected = (kind: string): number => landed.files.filter((f) => f.path.includes(kind)).reduce((n, f) => n + f.rows, 0);
        await withSession(warehouse, 'prod', async (s) => {
          assert.equal(await count(s, 'staging.customers_a'), expected('customers'));
          assert.equal(await count(s, 'staging.orders_a'), expected('orders'));
          assert.equal(await count(s, 'staging.payments_b'), expected('payments'));
          // Orders refer to customers that landed (keys join).
          assert.equal(await scalar(s, 'select count(*) from staging.orders_a o anti join staging.customers_a c using (customer_id)'), 0);
        });
        const history = await historyByFile(pipes, 'prod');
        assert.equal(history.size, 9);
        for (const statuses of history.values()) assert.deepEqual(statuses, ['LOADED']);
      });
    } finally {
      stage.remove();
    }
  });

  it('a clone inherits the load history, starts paused, and on resume loads only the files that arrived since', async () => {
    const stage = tempStage();
    try {
      await withWarehouse(async ({ warehouse, clock }) => {
        await landDays(stage.dir, 3);
        await createSamplePipes(warehouse);
        const pipes = pipeService(warehouse, stage.dir);
        pipes.resume('prod');
        await pipes.refresh('prod');
        clock.advance(60_000);
        warehouse.cloneDatabase('squad_c_s1', 'prod');
        assert.deepEqual(pipes.list('squad_c_s1').map((p) => p.state), ['paused', 'paused', 'paused']);
        assert.deepEqual(await historyByFile(pipes, 'squad_c_s1'), await historyByFile(pipes, 'prod'));
        const prodOrders = await withSession(warehouse, 'prod', (s) => count(s, 'staging.orders_a'));

        await landDays(stage.dir, 5, { onlyFrom: '2024-01-04' });
        pipes.resume('squad_c_s1', ['load_orders_a']);
        const report = await pipes.refresh('squad_c_s1');
        assert.deepEqual(report.paused, ['staging.load_customers_a', 'staging.load_payments_b']);
        assert.deepEqual(report.pipes[0]?.files.map((f) => [f.file, f.status]), [
          ['@raw/source_a/orders/2024-01-04.csv', 'LOADED'],
          ['@raw/source_a/orders/2024-01-05.csv', 'LOADED'],
        ]);
        await withSession(warehouse, 'squad_c_s1', async (s) => {
          assert.equal(await count(s, 'staging.orders_a'), prodOrders + 40);
          assert.equal(await scalar(s, 'select count(*) - count(distinct order_id) from staging.orders_a'), 0);
          assert.equal(await count(s, 'prod.staging.orders_a'), prodOrders);
        });
        // Production's history did not move; its own refresh loads the same two files into production.
        assert.equal((await historyByFile(pipes, 'prod')).size, 9);
        const status = await pipes.status('prod', ['staging.load_orders_a']);
        assert.equal(status[0]?.pendingFiles, 2);
        assert.equal(status[0]?.filesLoaded, 3);

        // A clone dropped and made again under the same name starts paused again.
        warehouse.dropDatabase('squad_c_s1');
        clock.advance(1000);
        warehouse.cloneDatabase('squad_c_s1', 'prod');
        assert.equal(pipes.list('squad_c_s1', ['load_orders_a'])[0]?.state, 'paused');
      });
    } finally {
      stage.remove();
    }
  });

  it('two refreshes racing on one database load each file exactly once', async () => {
    const stage = tempStage();
    try {
      await withWarehouse(async ({ warehouse }) => {
        await landDays(stage.dir, 4);
        await createSamplePipes(warehouse);
        const a = pipeService(warehouse, stage.dir);
        const b = pipeService(warehouse, stage.dir);
        a.resume('prod', ['staging.load_orders_a']);
        const [ra, rb] = await Promise.all([a.refresh('prod', { names: ['load_orders_a'] }), b.refresh('prod', { names: ['load_orders_a'] })]);
        const loaded = [...(ra.pipes[0]?.files ?? []), ...(rb.pipes[0]?.files ?? [])].filter((f) => f.status === 'LOADED');
        assert.equal(loaded.length, 4, 'every file is loaded by exactly one of the two');
        assert.equal(new Set(loaded.map((f) => f.file)).size, 4);
        const history = await historyByFile(a, 'prod');
        assert.deepEqual([...history.values()], [['LOADED'], ['LOADED'], ['LOADED'], ['LOADED']]);
        await withSession(warehouse, 'prod', async (s) => {
          assert.equal(await count(s, 'staging.orders_a'), 80);
          assert.equal(await scalar(s, 'select count(distinct order_id) from staging.orders_a'), 80);
        });
      });
    } finally {
      stage.remove();
    }
  });

  it('refuses to refresh a paused pipe by name, and a pipe on an unknown stage before loading anything', async () => {
    const stage = tempStage();
    try {
      await withWarehouse(async ({ warehouse }) => {
        await landDays(stage.dir, 1);
        await createSamplePipes(warehouse);
        const pipes = pipeService(warehouse, stage.dir);
        await rejectsWithCode(pipes.refresh('prod', { names: ['load_orders_a'] }), 'PIPE_PAUSED', /mayfly pipe resume --db prod staging.load_orders_a/);
        await rejectsWithCode(pipes.refresh('prod', { names: ['load_nothing'] }), 'PIPE_NOT_FOUND', /staging.load_orders_a/);
        await withSession(warehouse, 'prod', (s) => s.run(`create pipe staging.load_elsewhere as copy into staging.orders_a from @nowhere/x/`));
        pipes.resume('prod');
        const before = warehouse.database('prod').commitId;
        await rejectsWithCode(pipes.refresh('prod'), 'STAGE_NOT_FOUND', /@nowhere.*stages: raw/);
        assert.equal(warehouse.database('prod').commitId, before);
      });
    } finally {
      stage.remove();
    }
  });
});

describe('pipes: bad data', () => {
  const TABLE = `create schema s; create table s.t (id bigint, d date, note varchar)`;

  it('keeps every rejected row with its file, line, reason and raw text; ON_ERROR decides what loads', async () => {
    const stage = tempStage();
    try {
      for (const dir of ['cont', 'skip', 'abort']) {
        mkdirSync(join(stage.dir, dir));
        writeFileSync(join(stage.dir, dir, 'a.csv'), 'id,d,note\n1,2024-01-01,ok\nx2,2024-01-02,bad id\n3,2024-13-01,bad date\n4,2024-01-04\n5,2024-01-05,fine\n');
      }
      await withWarehouse(async ({ warehouse }) => {
        await withSession(warehouse, 'prod', (s) =>
          s.run(`${TABLE};
            create pipe s.p_cont as copy into s.t from @raw/cont/ file_format = (type = csv skip_header = 1) on_error = continue;
            create pipe s.p_skip as copy into s.t from @raw/skip/ file_format = (type = csv skip_header = 1) on_error = skip_file;
            create pipe s.p_abort as copy into s.t from @raw/abort/ file_format = (type = csv skip_header = 1) on_error = abort_statement`),
        );
        const pipes = pipeService(warehouse, stage.dir);
        pipes.resume('prod');
        const report = await pipes.refresh('prod');
        const byPipe = new Map(report.pipes.map((p) => [p.pipe, p]));
        assert.deepEqual(byPipe.get('s.p_cont')?.files.map((f) => [f.status, f.rowsLoaded, f.rowsRejected]), [['PARTIALLY_LOADED', 2, 3]]);
        assert.deepEqual(byPipe.get('s.p_skip')?.files.map((f) => [f.status, f.rowsLoaded, f.rowsRejected]), [['LOAD_FAILED', 0, 3]]);
        assert.deepEqual(byPipe.get('s.p_abort')?.files.map((f) => [f.status, f.rowsLoaded]), [['ABORTED', 0]]);
        assert.match(byPipe.get('s.p_abort')?.aborted?.message ?? '', /@raw\/abort\/a.csv has 3 rejected row\(s\) \(line 3: .*"id".*"x2"/);
        await withSession(warehouse, 'prod', async (s) => {
          assert.deepEqual(await rows(s, 'select id from s.t order by id'), [{ id: 1 }, { id: 5 }]);
          const errors = await rows(s, `select line, reason, raw from mayfly.load_errors where pipe = 's.p_cont' order by line`);
          assert.deepEqual(errors.map((e) => e.line), [3, 4, 5]);
          assert.match(String(errors[0]?.reason), /converting column "id".*"x2".*BIGINT/);
          assert.match(String(errors[1]?.reason), /converting column "d".*"2024-13-01".*DATE/);
          assert.match(String(errors[2]?.reason), /missing columns/);
          assert.equal(errors[2]?.raw, '4,2024-01-04');
          assert.equal(await scalar(s, `select count(*) from mayfly.load_errors where pipe = 's.p_skip'`), 3);
        });
        // The aborted pipe is paused with its error; its file is retried once resumed (and fixed).
        const aborted = pipes.list('prod', ['s.p_abort'])[0];
        assert.equal(aborted?.state, 'paused');
        assert.match(aborted?.lastError?.message ?? '', /ABORT_STATEMENT/);
        writeFileSync(join(stage.dir, 'abort', 'a.csv'), 'id,d,note\n7,2024-01-07,fixed\n');
        pipes.resume('prod', ['s.p_abort']);
        assert.equal(pipes.list('prod', ['s.p_abort'])[0]?.lastError, null);
        const retried = await pipes.refresh('prod', { names: ['s.p_abort'] });
        assert.deepEqual(retried.pipes[0]?.files.map((f) => [f.status, f.rowsLoaded]), [['LOADED', 1]]);
        // Skipped and partly loaded files are done: not retried.
        assert.deepEqual((await pipes.refresh('prod')).pipes.map((p) => p.files.length), [0, 0, 0]);
      });
    } finally {
      stage.remove();
    }
  });

  it('a file that cannot be read, and JSON lines that do not parse, are rejected without loading anything half', async () => {
    const stage = tempStage();
    try {
      mkdirSync(join(stage.dir, 'csv'));
      mkdirSync(join(stage.dir, 'json'));
      writeFileSync(join(stage.dir, 'csv', 'broken.csv.gz'), Buffer.from('this is not gzip at all'));
      writeFileSync(join(stage.dir, 'csv', 'good.csv.gz'), gzipSync('8,2024-02-01,zipped\n'));
      writeFileSync(join(stage.dir, 'json', 'a.jsonl'), '{"id": 1, "d": "2024-01-01"}\n\n{"id": 2, "d": "01/02/2024"\n[3]\n{"id": "4", "note": {"nested": true}}\n');
      await withWarehouse(async ({ warehouse }) => {
        await withSession(warehouse, 'prod', (s) =>
          s.run(`${TABLE};
            create pipe s.p_csv as copy into s.t from @raw/csv/ file_format = (type = csv) on_error = continue;
            create pipe s.p_json as copy into s.t from @raw/json/ file_format = (type = json) on_error = continue`),
        );
        const pipes = pipeService(warehouse, stage.dir);
        pipes.resume('prod');
        const report = await pipes.refresh('prod');
        const files = report.pipes.flatMap((p) => p.files.map((f) => [f.file, f.status, f.rowsLoaded, f.rowsRejected]));
        assert.deepEqual(files, [
          ['@raw/csv/broken.csv.gz', 'LOAD_FAILED', 0, 1],
          ['@raw/csv/good.csv.gz', 'LOADED', 1, 0],
          ['@raw/json/a.jsonl', 'PARTIALLY_LOADED', 2, 2],
        ]);
        await withSession(warehouse, 'prod', async (s) => {
          assert.deepEqual(await rows(s, 'select id, d, note from s.t order by id'), [
            { id: 1, d: '2024-01-01', note: null },
            { id: 4, d: null, note: '{"nested":true}' },
            { id: 8, d: '2024-02-01', note: 'zipped' },
          ]);
          const errors = await rows(s, 'select file, line, reason from mayfly.load_errors order by file, line');
          assert.deepEqual(errors.map((e) => [e.file, e.line]), [
            ['@raw/csv/broken.csv.gz', null],
            ['@raw/json/a.jsonl', 3],
            ['@raw/json/a.jsonl', 4],
          ]);
          assert.match(String(errors[0]?.reason), /file could not be read/);
          assert.match(String(errors[1]?.reason), /not valid JSON/);
          assert.match(String(errors[2]?.reason), /not a JSON object/);
        });
      });
    } finally {
      stage.remove();
    }
  });

  it('with --check-changed, a file rewritten after loading is reported once, in the errors table and the status, and never loaded again', async () => {
    const stage = tempStage();
    try {
      mkdirSync(join(stage.dir, 'in'));
      const file = join(stage.dir, 'in', 'day1.csv');
      writeFileSync(file, '1,2024-01-01,first\n');
      await withWarehouse(async ({ warehouse }) => {
        await withSession(warehouse, 'prod', (s) => s.run(`${TABLE}; create pipe s.p as copy into s.t from @raw/in/`));
        const pipes = pipeService(warehouse, stage.dir);
        pipes.resume('prod');
        await pipes.refresh('prod', STAT);
        // Touched but identical: not a change.
        utimesSync(file, new Date(), new Date(Date.now() + 5000));
        assert.deepEqual((await pipes.refresh('prod', STAT)).pipes[0]?.changed, []);
        writeFileSync(file, '1,2024-01-01,first\n2,2024-01-02,second\n');
        utimesSync(file, new Date(), new Date(Date.now() + 10_000));
        const report = await pipes.refresh('prod', STAT);
        assert.deepEqual(report.pipes[0]?.changed, ['@raw/in/day1.csv']);
        assert.deepEqual(report.pipes[0]?.files, []);
        await pipes.refresh('prod', STAT);
        const status = await pipes.status('prod');
        assert.deepEqual(status[0]?.changedFiles, ['@raw/in/day1.csv']);
        assert.equal(status[0]?.pendingFiles, 0);
        await withSession(warehouse, 'prod', async (s) => {
          assert.equal(await count(s, 's.t'), 1);
          const notes = await rows(s, `select reason from mayfly.load_errors where file = '@raw/in/day1.csv'`);
          assert.equal(notes.length, 1, 'reported once, not at every refresh');
          assert.match(String(notes[0]?.reason), /changed after it was loaded .*not loaded again/);
          assert.deepEqual(await rows(s, `select status from mayfly.load_history order by status`), [{ status: 'CHANGED' }, { status: 'LOADED' }]);
        });
      });
    } finally {
      stage.remove();
    }
  });

  it('by default a refresh stats only new files and leaves a rewritten loaded file to pipe status and --check-changed', async () => {
    const stage = tempStage();
    try {
      mkdirSync(join(stage.dir, 'in'));
      const file = join(stage.dir, 'in', 'day1.csv');
      writeFileSync(file, '1,2024-01-01,first\n');
      await withWarehouse(async ({ warehouse }) => {
        await withSession(warehouse, 'prod', (s) => s.run(`${TABLE}; create pipe s.p as copy into s.t from @raw/in/`));
        const counting = new StatCountingStage('raw', stage.dir);
        const pipes = new PipeService(warehouse, new StageRegistry([counting]));
        pipes.resume('prod');
        await pipes.refresh('prod');
        writeFileSync(file, '1,2024-01-01,first\n2,2024-01-02,second\n');
        utimesSync(file, new Date(), new Date(Date.now() + 10_000));
        writeFileSync(join(stage.dir, 'in', 'day2.csv'), '3,2024-01-03,third\n');
        counting.calls = { list: 0, stat: 0 };
        const report = await pipes.refresh('prod');
        assert.deepEqual(report.pipes[0]?.changed, []);
        assert.deepEqual(report.pipes[0]?.files.map((f) => [f.file, f.status]), [['@raw/in/day2.csv', 'LOADED']]);
        // The listing stats nothing; the new file is stat'ed when planned and again right before it loads.
        assert.deepEqual(counting.calls, { list: 0, stat: 2 });
        // Status compares sizes and times whatever a refresh does; a refresh reports the change only when asked to compare.
        assert.deepEqual((await pipes.status('prod'))[0]?.changedFiles, ['@raw/in/day1.csv']);
        assert.deepEqual((await pipes.refresh('prod')).pipes[0]?.changed, []);
        assert.deepEqual((await pipes.refresh('prod', STAT)).pipes[0]?.changed, ['@raw/in/day1.csv']);
        await withSession(warehouse, 'prod', async (s) => assert.equal(await count(s, 's.t'), 2));
      });
    } finally {
      stage.remove();
    }
  });
});

/** The local stage, counting listings with sizes and single stats. */
class StatCountingStage extends LocalDirectoryStage {
  calls = { list: 0, stat: 0 };

  override list(prefix: string): Promise<readonly StageFile[]> {
    this.calls.list++;
    return super.list(prefix);
  }

  override stat(path: string): Promise<StageFile | undefined> {
    this.calls.stat++;
    return super.stat(path);
  }
}
