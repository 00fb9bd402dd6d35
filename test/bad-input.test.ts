import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isMayflyError } from '../src/index.js';
import type { Session, Warehouse } from '../src/index.js';
import { catalogState, count, objectFiles, rejectsWithCode, withSession, withWarehouse } from './helpers/warehouse.js';

/** prod with rdv.t (3 rows) and a clone `dev`. */
async function seed(s: Session): Promise<void> {
  await s.run(`create schema rdv; create table rdv.t (id int, v varchar); insert into rdv.t values (1, 'a'), (2, 'b'), (3, 'c'); create database dev clone prod`);
}

/** Runs `action`, expects `code`, and checks that no database, commit or file changed. */
async function refusedUnchanged(home: string, warehouse: Warehouse, action: () => Promise<unknown> | unknown, code: string, message?: RegExp): Promise<void> {
  const before = catalogState(warehouse);
  const files = [...objectFiles(home).keys()].sort();
  await rejectsWithCode(async () => action(), code, message);
  assert.deepEqual(catalogState(warehouse), before);
  assert.deepEqual([...objectFiles(home).keys()].sort(), files);
}

describe('bad input', () => {
  it('refuses malformed SQL with SQL_PARSE and a position, running nothing', async () => {
    await withWarehouse(async ({ home, warehouse }) => {
      await withSession(warehouse, 'prod', async (s) => {
        await seed(s);
        const cases: readonly string[] = [
          'selec 1',
          'select from where',
          'select * from rdv.t where',
          `insert into rdv.t values (1, 'a'`,
          'create table rdv.x (id int',
          'update rdv.t set where id = 1',
          'delete rdv.t',
          'create database',
          'alter database prod swap dev',
          `select 'unterminated`,
          'select (1 + 2',
        ];
        for (const sql of cases) await refusedUnchanged(home, warehouse, () => s.run(sql), 'SQL_PARSE');
        await refusedUnchanged(home, warehouse, () => s.run('   -- only a comment\n'), 'SQL_EMPTY');
        const e = await rejectsWithCode(s.run('select 1;\nselect 2;\nselect * frm rdv.t'), 'SQL_PARSE');
        assert.match(e.message, /line 3/);
      });
    });
  });

  it('runs nothing of a script whose third statement does not parse', async () => {
    await withWarehouse(async ({ home, warehouse }) => {
      await withSession(warehouse, 'prod', async (s) => {
        await seed(s);
        const scripts: readonly string[] = [
          `insert into rdv.t values (4, 'd'); create table rdv.u (x int); insert into rdv.t valuez (5, 'e'); insert into rdv.t values (6, 'f')`,
          `create database other; drop table dev.rdv.t; select * from rdv.t where id = ; insert into rdv.t values (6, 'f')`,
          `delete from rdv.t; alter table rdv.t add column w int; update rdv.t set v = 'x' where (id = 1`,
          // DuckDB's parser, not just Mayfly's, sees the error in the third statement's expression.
          `insert into rdv.t values (4, 'd'); drop table rdv.t; select 1 2 3`,
          // An unknown type in the third statement also fails before anything runs.
          `insert into rdv.t values (4, 'd'); create schema s2; create table rdv.y (x notatype)`,
        ];
        for (const sql of scripts) {
          const before = catalogState(warehouse);
          await assert.rejects(s.run(sql));
          assert.deepEqual(catalogState(warehouse), before, `something ran of: ${sql}`);
        }
        assert.equal(await count(s, 'rdv.t'), 3);
        assert.equal(await count(s, 'dev.rdv.t'), 3);
        assert.deepEqual(
          warehouse.listDatabases().map((d) => d.name),
          ['dev', 'prod'],
        );
        assert.ok(objectFiles(home).size > 0);
      });
    });
  });

  it('names the unknown database, table or column', async () => {
    await withWarehouse(async ({ home, warehouse }) => {
      await withSession(warehouse, 'prod', async (s) => {
        await seed(s);
        const q = (sql: string) => () => s.run(sql);
        await refusedUnchanged(home, warehouse, q('select * from nope.rdv.t'), 'DB_NOT_FOUND', /nope/);
        await refusedUnchanged(home, warehouse, q(`insert into nope.rdv.t values (1, 'a')`), 'DB_NOT_FOUND', /nope/);
        await refusedUnchanged(home, warehouse, q('use nope'), 'DB_NOT_FOUND', /nope/);
        await refusedUnchanged(home, warehouse, q('select * from rdv.nope'), 'TABLE_NOT_FOUND', /prod\.rdv\.nope/);
        await refusedUnchanged(home, warehouse, q(`insert into rdv.nope values (1)`), 'TABLE_NOT_FOUND', /prod\.rdv\.nope/);
        await refusedUnchanged(home, warehouse, q(`update rdv.nope set x = 1`), 'TABLE_NOT_FOUND');
        await refusedUnchanged(home, warehouse, q(`delete from rdv.nope`), 'TABLE_NOT_FOUND');
        await refusedUnchanged(home, warehouse, q('drop table rdv.nope'), 'TABLE_NOT_FOUND');
        await refusedUnchanged(home, warehouse, q('create table rdv.x clone rdv.nope'), 'TABLE_NOT_FOUND');
        await refusedUnchanged(home, warehouse, q('create table nosuchschema.x (id int)'), 'SCHEMA_NOT_FOUND');
        await refusedUnchanged(home, warehouse, q('select nope from rdv.t'), 'SQL_BIND', /nope/);
        await refusedUnchanged(home, warehouse, q(`insert into rdv.t (id, nope) values (1, 'a')`), 'UNKNOWN_COLUMN', /nope/);
        await refusedUnchanged(home, warehouse, q(`update rdv.t set nope = 1`), 'UNKNOWN_COLUMN', /nope/);
        await refusedUnchanged(home, warehouse, q(`update rdv.t set v = 'x' where nope = 1`), 'SQL_BIND', /nope/);
        await refusedUnchanged(home, warehouse, q(`delete from rdv.t where nope = 1`), 'SQL_BIND', /nope/);
        await refusedUnchanged(home, warehouse, q('alter table rdv.t drop column nope'), 'UNKNOWN_COLUMN', /nope/);
        await refusedUnchanged(home, warehouse, q('alter table rdv.t rename column nope to x'), 'UNKNOWN_COLUMN', /nope/);
        await refusedUnchanged(home, warehouse, q(`insert into rdv.t values (1, 'a', 'extra')`), 'INSERT_ARITY');
        await refusedUnchanged(home, warehouse, () => warehouse.tables('nope'), 'DB_NOT_FOUND');
        await refusedUnchanged(home, warehouse, () => warehouse.metrics('nope'), 'DB_NOT_FOUND');
        await refusedUnchanged(home, warehouse, () => warehouse.session('nope'), 'DB_NOT_FOUND');
        await refusedUnchanged(home, warehouse, () => warehouse.compact({ db: 'nope' }), 'DB_NOT_FOUND');
      });
    });
  });

  it('refuses invalid and hostile names with INVALID_NAME, touching no path', async () => {
    await withWarehouse(async ({ home, warehouse }) => {
      await withSession(warehouse, 'prod', async (s) => {
        await seed(s);
        const long = 'a'.repeat(129);
        const hostile: readonly string[] = ['"; DROP TABLE x', '../../x', 'a/b', long, '__mf_x', 'Upper', '1abc', '', 'a b', 'x\u0000y'];
        for (const name of hostile) {
          const quoted = `"${name.replaceAll('"', '""')}"`;
          await refusedUnchanged(home, warehouse, () => warehouse.cloneDatabase(name, 'prod'), 'INVALID_NAME');
          await refusedUnchanged(home, warehouse, () => warehouse.createDatabase(name), 'INVALID_NAME');
          if (name !== '') {
            await refusedUnchanged(home, warehouse, () => s.run(`create database ${quoted}`), 'INVALID_NAME');
            await refusedUnchanged(home, warehouse, () => s.run(`create table rdv.${quoted} (id int)`), 'INVALID_NAME');
            await refusedUnchanged(home, warehouse, () => s.run(`create schema ${quoted}`), 'INVALID_NAME');
            await refusedUnchanged(home, warehouse, () => s.run(`alter table rdv.t rename to ${quoted}`), 'INVALID_NAME');
          }
        }
        // 128 characters is the limit, and it is allowed.
        const longest = 'b'.repeat(128);
        warehouse.cloneDatabase(longest, 'prod');
        assert.equal(await count(s, `${longest}.rdv.t`), 3);
        await refusedUnchanged(home, warehouse, () => warehouse.cloneDatabase('c', 'prod', { schemas: ['../x'] }), 'INVALID_NAME');
        await refusedUnchanged(home, warehouse, () => warehouse.cloneDatabase('system', 'prod'), 'INVALID_NAME', /reserved/);
        await refusedUnchanged(home, warehouse, () => s.run('create database information_schema'), 'INVALID_NAME');
        assert.equal(await count(s, 'rdv.t'), 3);
      });
    });
  });

  it('either refuses a database name the engine reserves (main) or lets its tables be read', async () => {
    await withWarehouse(async ({ warehouse }) => {
      await withSession(warehouse, 'prod', async (s) => {
        let created = true;
        try {
          warehouse.createDatabase('main');
        } catch (e) {
          created = false;
          assert.ok(isMayflyError(e, 'INVALID_NAME'), `refused with ${String(e)}`);
        }
        if (created) {
          await s.run(`create table main.main.t as select 1 as x`);
          try {
            assert.equal(await count(s, 'main.main.t'), 1);
          } catch (e) {
            assert.fail(`database main was created but its table cannot be read: ${isMayflyError(e) ? e.code : 'not a MayflyError'}: ${String(e)}`);
          }
        }
      });
    });
  });

  it('refuses a clone of a missing database, an existing name and dropping production', async () => {
    await withWarehouse(async ({ home, warehouse }) => {
      await withSession(warehouse, 'prod', async (s) => {
        await seed(s);
        await refusedUnchanged(home, warehouse, () => s.run('create database x clone nope'), 'DB_NOT_FOUND', /nope/);
        await refusedUnchanged(home, warehouse, () => warehouse.cloneDatabase('x', 'nope'), 'DB_NOT_FOUND');
        await refusedUnchanged(home, warehouse, () => s.run('create database dev'), 'DB_EXISTS');
        await refusedUnchanged(home, warehouse, () => s.run('create database dev clone prod'), 'DB_EXISTS');
        await refusedUnchanged(home, warehouse, () => s.run('create database prod'), 'DB_EXISTS');
        await refusedUnchanged(home, warehouse, () => warehouse.cloneDatabase('dev', 'prod'), 'DB_EXISTS');
        await refusedUnchanged(home, warehouse, () => warehouse.createDatabase('prod'), 'DB_EXISTS');
        await refusedUnchanged(home, warehouse, () => s.run('drop database prod'), 'PROD_PROTECTED');
        await refusedUnchanged(home, warehouse, () => warehouse.dropDatabase('prod'), 'PROD_PROTECTED');
        await refusedUnchanged(home, warehouse, () => s.run('create or replace database prod clone dev'), 'PROD_PROTECTED');
        await refusedUnchanged(home, warehouse, () => warehouse.cloneDatabase('prod', 'dev', { replace: true }), 'PROD_PROTECTED');
        await refusedUnchanged(home, warehouse, () => s.run('drop database nope'), 'DB_NOT_FOUND');
        await refusedUnchanged(home, warehouse, () => s.run('create table rdv.t (x int)'), 'OBJECT_EXISTS');
        await refusedUnchanged(home, warehouse, () => s.run('create schema rdv'), 'SCHEMA_EXISTS');
        await refusedUnchanged(home, warehouse, () => s.run('drop schema rdv'), 'SCHEMA_NOT_EMPTY');
        await refusedUnchanged(home, warehouse, () => s.run('drop schema main'), 'SCHEMA_MAIN');
        assert.equal(await count(s, 'prod.rdv.t'), 3);
      });
    });
  });

  it('refuses statements Mayfly does not support with SQL_UNSUPPORTED, changing nothing', async () => {
    await withWarehouse(async ({ home, warehouse }) => {
      await withSession(warehouse, 'prod', async (s) => {
        await seed(s);
        const cases: readonly string[] = [
          'create macro m(x) as x + 1',
          'create sequence seq',
          'create index i on rdv.t (id)',
          'create temp table tt (x int)',
          `insert into rdv.t values (9, 'z') returning id`,
          `insert or replace into rdv.t values (9, 'z')`,
          `with x as (select 1) delete from rdv.t`,
          `alter table rdv.t add constraint pk primary key (id)`,
        ];
        for (const sql of cases) await refusedUnchanged(home, warehouse, () => s.run(sql), 'SQL_UNSUPPORTED');
        assert.equal(await count(s, 'rdv.t'), 3);
      });
    });
  });
});
