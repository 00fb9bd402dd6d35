import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { loadConfig } from '../src/config/mayfly-config.js';
import { syncPipes } from '../src/ingest/pipe-sync.js';
import { listPipes } from '../src/warehouse/pipe-objects.js';
import { catalogState, column, rejectsWithCode, rows, withSession, withWarehouse } from './helpers/warehouse.js';
import { STAGING_DDL } from './helpers/pipe-fixtures.js';

const EXAMPLE = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'examples', 'datavault', 'mayfly.yaml');
const PIPE = `create pipe staging.load_orders_a as copy into staging.orders_a from @raw/source_a/orders/ pattern = '.*[.]csv'
  file_format = (type = csv, field_delimiter = ';', skip_header = 1, date_format = 'DD/MM/YYYY', null_if = ('NULL', '')) on_error = continue`;

describe('pipes as objects of a database', () => {
  it('creates, shows, replaces and drops a pipe, stored in its canonical form', async () => {
    await withWarehouse(async ({ warehouse }) => {
      await withSession(warehouse, 'prod', async (s) => {
        await s.run(`${STAGING_DDL}; ${PIPE}`);
        const [shown] = await rows(s, 'show pipes');
        assert.deepEqual(shown, {
          schema: 'staging',
          name: 'load_orders_a',
          table: 'staging.orders_a',
          stage: 'raw',
          path: 'source_a/orders/',
          pattern: '.*[.]csv',
          type: 'CSV',
          on_error: 'CONTINUE',
          definition:
            "COPY INTO staging.orders_a FROM @raw/source_a/orders/ PATTERN = '.*[.]csv' FILE_FORMAT = (TYPE = CSV FIELD_DELIMITER = ';' SKIP_HEADER = 1 DATE_FORMAT = '%d/%m/%Y' NULL_IF = ('NULL', '')) ON_ERROR = CONTINUE",
        });
        // The stored text reads back as the same load.
        const [pipe] = listPipes(warehouse, 'prod');
        assert.equal(pipe?.copy.format.dateFormat, '%d/%m/%Y');
        assert.deepEqual(pipe?.copy.format.nullIf, ['NULL', '']);
        await rejectsWithCode(s.run(PIPE), 'PIPE_EXISTS', /CREATE OR REPLACE PIPE/);
        await s.run(`create or replace pipe staging.load_orders_a as copy into orders_a from '@raw/orders by day/*.csv' file_format = (type = json)`);
        assert.deepEqual(await column(s, 'show pipes in schema staging'), ['staging']);
        assert.equal(listPipes(warehouse, 'prod')[0]?.definition, "COPY INTO staging.orders_a FROM '@raw/orders by day/*.csv' FILE_FORMAT = (TYPE = JSON) ON_ERROR = SKIP_FILE");
        await rejectsWithCode(s.run('drop schema staging'), 'SCHEMA_NOT_EMPTY');
        await s.run('drop pipe staging.load_orders_a; drop pipe if exists staging.load_orders_a');
        await rejectsWithCode(s.run('drop pipe staging.load_orders_a'), 'PIPE_NOT_FOUND');
        assert.deepEqual(await rows(s, 'show pipes'), []);
      });
    });
  });

  it('clones pipes with their database; a pipe changed in a clone leaves production alone', async () => {
    await withWarehouse(async ({ warehouse }) => {
      await withSession(warehouse, 'prod', (s) => s.run(`${STAGING_DDL}; ${PIPE}`));
      warehouse.cloneDatabase('squad_c_s1', 'prod');
      assert.deepEqual(listPipes(warehouse, 'squad_c_s1'), listPipes(warehouse, 'prod'));
      await withSession(warehouse, 'squad_c_s1', (s) =>
        s.run(`create pipe staging.load_new_source as copy into staging.payments_b from @raw/source_c/ file_format = (type = parquet); drop pipe staging.load_orders_a`),
      );
      assert.deepEqual(listPipes(warehouse, 'squad_c_s1').map((p) => p.name), ['load_new_source']);
      assert.deepEqual(listPipes(warehouse, 'prod').map((p) => p.name), ['load_orders_a']);
      await withSession(warehouse, 'prod', async (s) => assert.deepEqual(await column(s, 'show pipes in database squad_c_s1'), ['staging']));
    });
  });

  it('merges pipes created concurrently, and refuses two changes to the same pipe with WRITE_CONFLICT', async () => {
    await withWarehouse(async ({ warehouse }) => {
      await withSession(warehouse, 'prod', (s) => s.run(STAGING_DDL));
      const create = (name: string, path = name): string => `create or replace pipe staging.${name} as copy into staging.orders_a from @raw/${path}/`;
      await withSession(warehouse, 'prod', async (a) => {
        await withSession(warehouse, 'prod', async (b) => {
          await a.run(`begin; ${create('p1')}`);
          await b.run(create('p2'));
          await a.run('commit');
          assert.deepEqual(listPipes(warehouse, 'prod').map((p) => p.name), ['p1', 'p2']);
          await a.run(`begin; ${create('p1')}`);
          await b.run(create('p1', 'elsewhere'));
          await rejectsWithCode(a.run('commit'), 'WRITE_CONFLICT', /staging.pipe:p1/);
        });
      });
    });
  });

  it('refuses malformed or misdirected pipes before anything changes', async () => {
    await withWarehouse(async ({ warehouse }) => {
      const trusted = await warehouse.session('prod', { trusted: true });
      await trusted.run('create schema mayfly').finally(() => trusted.close());
      await withSession(warehouse, 'prod', async (s) => {
        await s.run(STAGING_DDL);
        const before = catalogState(warehouse);
        const cases: [string, string, RegExp][] = [
          ['create pipe staging.p as copy into staging.orders_a', 'SQL_PARSE', /FROM @<stage>/],
          ['create pipe staging.p as copy into staging.orders_a from raw/x', 'SQL_PARSE', /stage location @<stage>/],
          ['create pipe staging.p as copy into staging.orders_a from @raw/../etc/', 'SQL_PARSE', /stay inside the stage/],
          ['create pipe staging.p as copy into staging.orders_a from @raw/x/ file_format = (type = csv, delimiter = \';\')', 'SQL_PARSE', /unknown format option DELIMITER/],
          ['create pipe staging.p as copy into staging.orders_a from @raw/x/ file_format = (type = parquet, skip_header = 1)', 'SQL_PARSE', /SKIP_HEADER applies to TYPE = CSV only/],
          ['create pipe staging.p as copy into staging.orders_a from @raw/x/ file_format = (date_format = \'YYYY-QQ\')', 'SQL_PARSE', /unknown element at "QQ"/],
          ['create pipe staging.p as copy into staging.orders_a from @raw/x/ on_error = skip_file_3', 'SQL_PARSE', /ABORT_STATEMENT, SKIP_FILE, CONTINUE/],
          ['create pipe staging.p as copy into staging.orders_a from @raw/x/ pattern = \'(\'', 'SQL_PARSE', /not a valid regular expression/],
          ['create pipe staging.p as copy into staging.orders_a from @raw/x/ files = (\'a.csv\')', 'SQL_PARSE', /FILES = \(…\) is not supported/],
          ['create pipe staging.p auto_ingest = true as copy into staging.orders_a from @raw/x/', 'SQL_PARSE', /AUTO_INGEST is not supported/],
          ['create pipe staging.p as copy into staging.nope from @raw/x/', 'TABLE_NOT_FOUND', /create the table first/],
          ['create pipe staging.p as copy into other.staging.orders_a from @raw/x/', 'PIPE_CROSS_DATABASE', /own database \(prod\)/],
          ['create pipe staging.p as copy into mayfly.load_history from @raw/x/', 'SYSTEM_SCHEMA_READ_ONLY', /cannot load into prod.mayfly/],
          ['create pipe nowhere.p as copy into staging.orders_a from @raw/x/', 'SCHEMA_NOT_FOUND', /CREATE SCHEMA nowhere/],
          ['create pipe mayfly.p as copy into staging.orders_a from @raw/x/', 'SYSTEM_SCHEMA_READ_ONLY', /read-only/],
        ];
        for (const [sql, code, message] of cases) await rejectsWithCode(s.run(sql), code, message);
        // A script with a bad pipe anywhere runs nothing.
        await rejectsWithCode(s.run(`create table staging.x (a int); create pipe staging.p as copy into staging.x from @raw/x/ file_format = (type = xml)`), 'SQL_PARSE');
        assert.deepEqual(catalogState(warehouse), before);
      });
    });
  });
});

describe('pipe sync', () => {
  it("creates the example project's declared pipes in one transaction, and changes nothing when they are in line", async () => {
    const config = loadConfig({ configPath: EXAMPLE, home: '/nonexistent' });
    await withWarehouse(async ({ warehouse }) => {
      await withSession(warehouse, 'prod', (s) => s.run(STAGING_DDL));
      const dry = await syncPipes(warehouse, config.project.pipes, 'prod', { dryRun: true });
      assert.deepEqual(dry.created, ['staging.load_customers_a', 'staging.load_orders_a', 'staging.load_payments_b']);
      assert.deepEqual(listPipes(warehouse, 'prod'), []);
      await syncPipes(warehouse, config.project.pipes, 'prod');
      assert.deepEqual(listPipes(warehouse, 'prod').map((p) => [p.name, p.copy.format.type, p.copy.onError]), [
        ['load_customers_a', 'csv', 'continue'],
        ['load_orders_a', 'csv', 'continue'],
        ['load_payments_b', 'json', 'skip_file'],
      ]);
      const commit = warehouse.database('prod').commitId;
      const again = await syncPipes(warehouse, config.project.pipes, 'prod');
      assert.equal(again.unchanged.length, 3);
      assert.equal(warehouse.database('prod').commitId, commit, 'no commit when nothing changed');

      // One bad declaration: nothing is applied; an undeclared pipe is kept unless pruned.
      await withSession(warehouse, 'prod', (s) => s.run(`create pipe staging.extra as copy into staging.orders_a from @raw/x/`));
      const broken = { ...config.project.pipes, 'staging.bad': { into: 'staging.missing', from: '@raw/x/' } };
      const state = catalogState(warehouse);
      await rejectsWithCode(syncPipes(warehouse, broken, 'prod'), 'TABLE_NOT_FOUND');
      assert.deepEqual(catalogState(warehouse), state);
      // A raw definition that hides a second statement behind quotes the session splits on is refused before anything runs.
      for (const copy of ["copy into staging.orders_a from @raw/x/ pattern = '$$'; drop table staging.orders_a; select '$$'", "copy into staging.orders_a from @raw/x/ /* $$ */; drop table staging.orders_a"]) {
        await rejectsWithCode(syncPipes(warehouse, { ...config.project.pipes, 'staging.sneaky': { copy } }, 'prod'), 'PIPE_DEFINITION_INVALID', /staging\.sneaky: .*single COPY INTO statement/);
        assert.deepEqual(catalogState(warehouse), state);
      }
      const pruned = await syncPipes(warehouse, config.project.pipes, 'prod', { prune: true });
      assert.deepEqual(pruned.dropped, ['staging.extra']);
      assert.equal(listPipes(warehouse, 'prod').length, 3);
    });
  });
});
