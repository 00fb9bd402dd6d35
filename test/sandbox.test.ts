import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Session, Warehouse } from '../src/index.js';
import { catalogState, count, objectFiles, rejectsWithCode, withSession, withWarehouse } from './helpers/warehouse.js';

/** What must not change when the sandbox refuses a statement. */
interface Observed {
  readonly catalog: ReturnType<typeof catalogState>;
  readonly files: string[];
  readonly rows: number;
}

async function observe(home: string, warehouse: Warehouse, s: Session): Promise<Observed> {
  return { catalog: catalogState(warehouse), files: [...objectFiles(home).keys()].sort(), rows: await count(s, 'rdv.t') };
}

/** Runs `sql`, expects `code` with a message naming the refusal, and checks that nothing changed. */
async function refused(home: string, warehouse: Warehouse, s: Session, sql: string, code: string, message: RegExp): Promise<void> {
  const before = await observe(home, warehouse, s);
  const e = await rejectsWithCode(s.run(sql), code, message);
  // A user must not learn the warehouse's paths from an error.
  assert.ok(!e.message.includes(join(home, 'objects')), `the error reveals a store path: ${e.message}`);
  assert.deepEqual(await observe(home, warehouse, s), before, `state changed after: ${sql}`);
}

const NOT_ALLOWED = /not allowed/;

describe('SQL sandbox', () => {
  it('refuses file reads, engine introspection and environment access in queries with SQL_FORBIDDEN', async () => {
    await withWarehouse(async ({ home, warehouse }) => {
      await withSession(warehouse, 'prod', async (s) => {
        await s.run(`create schema rdv; create table rdv.t (id int, v varchar); insert into rdv.t values (1, 'a'), (2, 'b')`);
        const stored = [...objectFiles(home).keys()][0];
        assert.ok(stored);
        const storedPath = join(home, 'objects', stored);
        const cases: readonly string[] = [
          `select * from read_csv('/etc/passwd')`,
          `select * from read_csv_auto('/etc/passwd')`,
          `select * from read_text('/etc/passwd')`,
          `select * from read_parquet('${storedPath}')`,
          `select * from parquet_scan('${storedPath}')`,
          `select * from parquet_metadata('${storedPath}')`,
          `select * from duckdb_tables()`,
          `select * from duckdb_settings()`,
          `select * from glob('*')`,
          `select getenv('HOME')`,
          `select current_setting('allowed_directories')`,
          `select * from query('select 1')`,
          `select * from query_table('rdv.t')`,
          `select * from rdv.t where v in (select content from read_text('/etc/passwd'))`,
          `with x as (select * from read_csv('/etc/passwd')) select * from x`,
          `select (select count(*) from read_blob('/etc/passwd')) as n`,
          `select * from rdv.t at (timestamp => (select max(content) from read_text('/etc/passwd')))`,
        ];
        for (const sql of cases) await refused(home, warehouse, s, sql, 'SQL_FORBIDDEN', NOT_ALLOWED);
      });
    });
  });

  it('refuses COPY, ATTACH, INSTALL, LOAD, SET, PRAGMA and friends with SQL_FORBIDDEN, and no file appears', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'mayfly-sandbox-out-'));
    try {
      await withWarehouse(async ({ home, warehouse }) => {
        await withSession(warehouse, 'prod', async (s) => {
          await s.run(`create schema rdv; create table rdv.t (id int, v varchar); insert into rdv.t values (1, 'a')`);
          const cases: readonly string[] = [
            `copy rdv.t to '${join(outside, 'x.csv')}'`,
            `copy (select * from rdv.t) to '${join(outside, 'y.parquet')}' (format parquet)`,
            `copy rdv.t from '/etc/passwd'`,
            `export database '${outside}'`,
            `attach '${join(outside, 'x.duckdb')}' as x`,
            `detach prod`,
            `install httpfs`,
            `load httpfs`,
            `force install httpfs`,
            `set threads = 1`,
            `set enable_external_access = true`,
            `reset allowed_directories`,
            `pragma version`,
            `pragma database_list`,
            `call duckdb_tables()`,
            `checkpoint`,
          ];
          for (const sql of cases) await refused(home, warehouse, s, sql, 'SQL_FORBIDDEN', NOT_ALLOWED);
          assert.deepEqual(readdirSync(outside), []);
        });
      });
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('refuses a file read hidden in the WHERE of an UPDATE or DELETE, or in the source of an INSERT, CTAS or view', async () => {
    await withWarehouse(async ({ home, warehouse }) => {
      await withSession(warehouse, 'prod', async (s) => {
        await s.run(`create schema rdv; create table rdv.t (id int, v varchar); insert into rdv.t values (1, 'a'), (2, 'b')`);
        const cases: readonly string[] = [
          `update rdv.t set v = 'x' where v in (select content from read_text('/etc/passwd'))`,
          `update rdv.t set v = (select content from read_text('/etc/passwd'))`,
          `update rdv.t set v = f.content from read_text('/etc/passwd') f`,
          `delete from rdv.t where exists (select 1 from read_text('/etc/passwd'))`,
          `delete from rdv.t where id = (select length(getenv('HOME')))`,
          `delete from rdv.t using read_csv('/etc/passwd') p`,
          `insert into rdv.t select 1, content from read_text('/etc/passwd')`,
          `create table rdv.leak as select * from read_text('/etc/passwd')`,
          `create view rdv.leak as select * from read_text('/etc/passwd')`,
        ];
        for (const sql of cases) await refused(home, warehouse, s, sql, 'SQL_FORBIDDEN', NOT_ALLOWED);
        assert.equal(warehouse.tables('prod').some((t) => t.name === 'leak'), false);
      });
    });
  });

  it('refuses a quoted path in FROM as a file read, not a table (SQL_FORBIDDEN)', async () => {
    await withWarehouse(async ({ home, warehouse }) => {
      await withSession(warehouse, 'prod', async (s) => {
        await s.run(`create schema rdv; create table rdv.t (id int, v varchar); insert into rdv.t values (1, 'a')`);
        const stored = [...objectFiles(home).keys()][0] ?? '';
        await refused(home, warehouse, s, `select * from '/etc/passwd'`, 'SQL_FORBIDDEN', NOT_ALLOWED);
        await refused(home, warehouse, s, `select * from '${join(home, 'objects', stored)}'`, 'SQL_FORBIDDEN', NOT_ALLOWED);
        await refused(home, warehouse, s, `select * from "../../etc/passwd"`, 'SQL_FORBIDDEN', NOT_ALLOWED);
      });
    });
  });

  it('hides the engine catalog: information_schema and DuckDB system catalogs are not tables (TABLE_NOT_FOUND / INVALID_NAME)', async () => {
    await withWarehouse(async ({ home, warehouse }) => {
      await withSession(warehouse, 'prod', async (s) => {
        await s.run(`create schema rdv; create table rdv.t (id int, v varchar)`);
        await refused(home, warehouse, s, `select * from information_schema.tables`, 'TABLE_NOT_FOUND', /does not exist/);
        await refused(home, warehouse, s, `select * from pg_catalog.pg_class`, 'TABLE_NOT_FOUND', /does not exist/);
        await refused(home, warehouse, s, `select * from system.main.duckdb_tables`, 'INVALID_NAME', /reserved|invalid/);
        await refused(home, warehouse, s, `select * from temp.main.t`, 'INVALID_NAME', /reserved|invalid/);
        // The time-travel placeholders are Mayfly's own: user SQL cannot name them.
        await refused(home, warehouse, s, `select * from __mf_at.t1`, 'SQL_RESERVED_NAME', /reserved/);
      });
    });
  });

  it('leaves the session usable after a refusal', async () => {
    await withWarehouse(async ({ warehouse }) => {
      await withSession(warehouse, 'prod', async (s) => {
        await s.run(`create schema rdv; create table rdv.t (id int, v varchar); insert into rdv.t values (1, 'a')`);
        await rejectsWithCode(s.run(`set threads = 1`), 'SQL_FORBIDDEN');
        await rejectsWithCode(s.run(`select * from read_csv('/etc/passwd')`), 'SQL_FORBIDDEN');
        await s.run(`insert into rdv.t values (2, 'b')`);
        assert.equal(await count(s, 'rdv.t'), 2);
        assert.equal(existsSync('/etc/passwd'), true);
      });
    });
  });
});
