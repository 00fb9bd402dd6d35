import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isMayflyError } from '../src/index.js';
import type { Session, Warehouse } from '../src/index.js';
import { commitTree } from '../src/warehouse/committer.js';
import { catalogState, rejectsWithCode, scalar, withSession, withWarehouse } from './helpers/warehouse.js';

// A session aimed at one database (SessionOptions.writeOnly) can change that database only. Every way
// SQL writes is tried against production and a bystander database; none may move their refs, whatever
// the statement's text looks like. The committer refuses the ref even when the session's own checks are skipped.

/** prod with rdv.t, a bystander `other`, and the target clone `squad`. */
async function setUp(warehouse: Warehouse): Promise<void> {
  await withSession(warehouse, 'prod', async (s) => {
    await s.run(`
      create schema rdv;
      create table rdv.t (id int);
      insert into rdv.t values (1), (2);
      create view rdv.v as select id from rdv.t;
      create database other clone prod;
      create database squad clone prod;
    `);
  });
}

/** Every write path Mayfly's SQL has, aimed at database `victim` (a name as written: `prod`, `"prod"`, `PROD`). */
function attacks(victim: string): string[] {
  const t = `${victim}.rdv.t`;
  return [
    `insert into ${t} values (9)`,
    `insert into ${t} select id + 10 from squad.rdv.t`,
    `update ${t} set id = 0`,
    `delete from ${t}`,
    `delete from ${t} where id in (select id from squad.rdv.t)`,
    `create table ${victim}.main.x as select 1 as a`,
    `create table ${victim}.main.x (a int)`,
    `create or replace table ${t} as select 7 as id`,
    `create table ${victim}.main.c clone squad.rdv.t`,
    `create view ${victim}.main.v as select 1 as a`,
    `create or replace view ${victim}.rdv.v as select 0 as id`,
    `drop table ${t}`,
    `drop view ${victim}.rdv.v`,
    `alter table ${t} add column z int`,
    `alter table ${t} drop column id`,
    `alter table ${t} rename column id to k`,
    `alter table ${t} rename to u`,
    `create schema ${victim}.evil`,
    `create schema ${victim}.evil clone squad.rdv`,
    `drop schema ${victim}.rdv cascade`,
    `create database evil clone ${victim}`,
    `create or replace database ${victim} clone squad`,
    `create or replace database ${victim}`,
    `create database evil`,
    `drop database ${victim}`,
    `drop database squad`,
    `alter database ${victim} swap with squad`,
    `alter database squad swap with ${victim}`,
    `use ${victim}; insert into rdv.t values (9)`,
    `use ${victim}.rdv; drop table t`,
    `use ${victim}; create schema evil`,
    `begin; insert into squad.rdv.t values (5); insert into ${t} values (9); commit`,
    `begin; insert into ${t} values (9); commit`,
    `begin; create table squad.main.y as select 1 as a; alter database ${victim} swap with squad; commit`,
    // COMMIT and BEGIN smuggled between quotes, as the attack on deployments did: the tokenizer sees them as statements.
    `begin; select $$'$$ as x; commit; alter database ${victim} swap with squad; begin; select '$$' as y; commit`,
    `begin; select $t$'$t$ as x; commit; drop table ${t}; begin; select '$t$' as y; commit`,
    `select 1 /* ' */; insert into ${t} values (9); select ' */ '`,
    `select E'\\''; delete from ${t}; select ''''`,
  ];
}

/** Runs `sql` in `session`; returns the error it failed with (undefined if it succeeded). */
async function attempt(session: Session, sql: string): Promise<unknown> {
  try {
    await session.run(sql);
    return undefined;
  } catch (e) {
    return e;
  } finally {
    if (session.inTransaction) await session.run('rollback');
  }
}

describe('a session confined to one database (writeOnly)', () => {
  it('changes no other database through any write path, naming it in any form', async () => {
    await withWarehouse(async ({ warehouse }) => {
      await setUp(warehouse);
      for (const victim of ['prod', '"prod"', 'PROD', 'other']) {
        for (const sql of attacks(victim)) {
          const before = catalogState(warehouse).filter((r) => r.name !== 'squad');
          const session = await warehouse.session('squad', { purpose: 'dag', writeOnly: 'squad' });
          try {
            const error = await attempt(session, sql);
            assert.deepEqual(catalogState(warehouse).filter((r) => r.name !== 'squad'), before, `${sql} changed another database`);
            assert.ok(warehouse.catalog.getRef('squad'), `${sql} dropped the target`);
            // Refused with a code that says why, never by accident (a parse error, an internal error).
            assert.ok(isMayflyError(error), `${sql} was not refused`);
            assert.ok(['WRITE_OUTSIDE_TARGET', 'DATABASE_STATEMENT_FORBIDDEN', 'DB_NOT_FOUND'].includes(error.code), `${sql}: ${error.code} ${error.message}`);
          } finally {
            session.close();
          }
        }
      }
    });
  });

  it('still writes its own database, also through production’s name when that is redirected to it', async () => {
    await withWarehouse(async ({ warehouse }) => {
      await setUp(warehouse);
      const prod = warehouse.database('prod').commitId;
      const session = await warehouse.session('squad', { purpose: 'dag', writeOnly: 'squad', redirect: { prod: 'squad' } });
      try {
        await session.run('insert into prod.rdv.t values (3); begin; insert into rdv.t values (4); create table squad.main.n as select 1 as a; commit');
        assert.equal(Number(await scalar(session, 'select count(*) from squad.rdv.t')), 4);
        await rejectsWithCode(session.run('alter database prod swap with other'), 'DATABASE_STATEMENT_FORBIDDEN', /changes the contents of database squad only/);
      } finally {
        session.close();
      }
      assert.equal(warehouse.database('prod').commitId, prod);
    });
  });

  it('is enforced by the committer itself: a commit to another ref is refused and the ref stays', async () => {
    await withWarehouse(async ({ warehouse }) => {
      await setUp(warehouse);
      const ref = warehouse.database('prod').commitId;
      const tree = warehouse.tree(ref);
      tree.dropSchema('rdv');
      await rejectsWithCode(() => commitTree(warehouse, 'prod', ref, tree, 'drop rdv', 'statement', 'squad'), 'WRITE_OUTSIDE_TARGET', /writes only database squad; it may not change prod/);
      assert.equal(warehouse.database('prod').commitId, ref);
      // The same change without confinement commits: the refusal is the confinement, not the change.
      commitTree(warehouse, 'prod', ref, tree, 'drop rdv');
      assert.notEqual(warehouse.database('prod').commitId, ref);
    });
  });
});
