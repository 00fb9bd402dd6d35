import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import type { FakeClock, Session, Warehouse } from '../src/index.js';
import { cancelWholesalePairs } from '../src/warehouse/file-references.js';
import { storageMetrics } from '../src/warehouse/storage-metrics.js';
import { withWarehouse } from './helpers/warehouse.js';

const MINUTE = 60_000;
const TABLES = ['t0', 't1', 't2'] as const;
const DBS = ['prod', 'c0', 'c1', 'c2'] as const;

/** One operation; indices pick among the names above, whether or not the object exists (failures are skipped). */
type Op =
  | { readonly kind: 'createTable'; readonly db: number; readonly table: number }
  | { readonly kind: 'insert'; readonly db: number; readonly table: number; readonly n: number; readonly same: boolean }
  | { readonly kind: 'delete'; readonly db: number; readonly table: number; readonly m: number }
  | { readonly kind: 'update'; readonly db: number; readonly table: number; readonly m: number }
  | { readonly kind: 'cloneTable'; readonly db: number; readonly from: number; readonly table: number; readonly to: number }
  | { readonly kind: 'clone'; readonly src: number; readonly name: number; readonly replace: boolean }
  | { readonly kind: 'cloneAt'; readonly src: number; readonly name: number }
  | { readonly kind: 'drop'; readonly db: number }
  | { readonly kind: 'dropTable'; readonly db: number; readonly table: number }
  | { readonly kind: 'swap'; readonly a: number; readonly b: number }
  | { readonly kind: 'compact'; readonly db: number }
  | { readonly kind: 'advance' }
  | { readonly kind: 'gc' };

const db = fc.nat({ max: DBS.length - 1 });
const table = fc.nat({ max: TABLES.length - 1 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('createTable' as const), db, table }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('insert' as const), db, table, n: fc.integer({ min: 1, max: 30 }), same: fc.boolean() }), weight: 5 },
  { arbitrary: fc.record({ kind: fc.constant('delete' as const), db, table, m: fc.integer({ min: 2, max: 4 }) }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('update' as const), db, table, m: fc.integer({ min: 2, max: 4 }) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('cloneTable' as const), db, from: db, table, to: table }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('clone' as const), src: db, name: db, replace: fc.boolean() }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('cloneAt' as const), src: db, name: db }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('drop' as const), db }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('dropTable' as const), db, table }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('swap' as const), a: db, b: db }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('compact' as const), db }), weight: 1 },
  { arbitrary: fc.constant({ kind: 'advance' as const }), weight: 1 },
  { arbitrary: fc.constant({ kind: 'gc' as const }), weight: 1 },
);

/** What the runs did, so a vacuous property shows. */
const stats = { applied: 0, retained: 0, overlapping: 0 };

async function apply(warehouse: Warehouse, clock: FakeClock, s: Session, op: Op, next: () => number): Promise<void> {
  // Existing databases and tables are picked by index, so most operations apply.
  const dbs = warehouse.listDatabases().map((d) => d.name);
  const name = (i: number): string => dbs[i % dbs.length] ?? 'prod';
  const tablesOf = (d: string): string[] => warehouse.tables(d).filter((x) => x.kind === 'table' && x.schema === 'main').map((x) => x.name);
  const t = (i: number, d: string = name('db' in op ? op.db : 0)): string => {
    const existing = tablesOf(d);
    return existing[i % Math.max(1, existing.length)] ?? (TABLES[i] ?? 't0');
  };
  switch (op.kind) {
    case 'createTable':
      return void (await s.run(`create table ${name(op.db)}.main.${TABLES[op.table] ?? 't0'} (id bigint, v varchar)`));
    case 'insert': {
      // `same` inserts rows other tables get too: identical files, one key in several tables and databases.
      const start = op.same ? 0 : next();
      return void (await s.run(`insert into ${name(op.db)}.main.${t(op.table)} select ${start} + i, 'v' || i from range(${op.n}) r(i)`));
    }
    case 'delete':
      return void (await s.run(`delete from ${name(op.db)}.main.${t(op.table)} where id % ${op.m} = 0`));
    case 'update':
      return void (await s.run(`update ${name(op.db)}.main.${t(op.table)} set v = v || 'u' where id % ${op.m} = 1`));
    case 'cloneTable':
      return void (await s.run(`create or replace table ${name(op.db)}.main.${TABLES[op.to] ?? 't0'} clone ${name(op.from)}.main.${t(op.table, name(op.from))}`));
    case 'clone':
      return void warehouse.cloneDatabase(DBS[op.name] ?? 'c0', name(op.src), { replace: op.replace });
    case 'cloneAt':
      return void warehouse.cloneDatabase(DBS[op.name] ?? 'c0', name(op.src), { at: clock.now() - MINUTE, replace: true });
    case 'drop':
      return void warehouse.dropDatabase(name(op.db));
    case 'dropTable':
      return void (await s.run(`drop table ${name(op.db)}.main.${t(op.table)}`));
    case 'swap':
      return void warehouse.swapDatabases(name(op.a), name(op.b));
    case 'compact':
      return void (await warehouse.compact({ db: name(op.db) }));
    case 'advance':
      return clock.advance(2 * MINUTE);
    case 'gc':
      return void (await warehouse.gc());
  }
}

/** The maintained figures equal the full recomputation, for all databases and for each one alone. */
function assertSame(warehouse: Warehouse, log: readonly string[]): void {
  const reference = storageMetrics(warehouse.catalog);
  const context = `after:\n  ${log.join('\n  ')}`;
  assert.deepEqual(warehouse.metrics(), reference, context);
  for (const d of reference.databases) assert.deepEqual(warehouse.metrics(d.name).databases, [d], context);
  const charged = reference.databases.reduce((n, d) => n + d.chargedBytes, 0);
  assert.equal(charged + reference.chargeRemainderBytes, reference.liveBytes, `charges add up ${context}`);
  for (const d of reference.databases) {
    if (d.retainedForCloneBytes > 0) stats.retained++;
    if (d.tables.length > 1 && d.tables.reduce((n, t) => n + t.logicalBytes, 0) > d.logicalBytes) stats.overlapping++;
  }
}

describe('storage metrics maintained at each ref change', () => {
  it('equal a full recomputation after random histories of commits, clones, drops, swaps, replaces, compactions and GCs', async () => {
    await fc.assert(
      // Figures are read after some operations only, so clones and drops queue up (and pair off) between reads.
      fc.asyncProperty(fc.array(opArb, { minLength: 5, maxLength: 25 }), fc.array(fc.boolean(), { minLength: 30, maxLength: 30 }), async (random, reads) => {
        // Every history starts with production holding data and one clone of it, so drops leave bytes retained for the clone.
        const ops: Op[] = [{ kind: 'createTable', db: 0, table: 0 }, { kind: 'insert', db: 0, table: 0, n: 20, same: false }, { kind: 'clone', src: 0, name: 1, replace: false }, ...random];
        await withWarehouse(async ({ warehouse, clock }) => {
          const session = await warehouse.session('prod');
          let id = 1000;
          const log: string[] = [];
          try {
            for (const [i, op] of ops.entries()) {
              log.push(JSON.stringify(op));
              try {
                await apply(warehouse, clock, session, op, () => (id += 100));
                stats.applied++;
              } catch (e) {
                // An operation on something that does not exist (or production) is refused and changes nothing.
                if (!(e instanceof Error) || !('code' in e)) throw e;
              }
              if (reads[i] !== false || i === ops.length - 1) assertSame(warehouse, log);
            }
          } finally {
            session.close();
          }
        });
      }),
      { numRuns: 25 },
    );
    assert.ok(stats.applied > 100, `operations applied: ${stats.applied}`);
    assert.ok(stats.retained > 0, 'some history left bytes retained for a clone');
    assert.ok(stats.overlapping > 0, 'some history put one file in two tables of a database');
  });

  it('pairs off a database made and one dropped at the same commit only within a run of such changes', () => {
    const made = (to: string) => ({ from: null, to });
    const dropped = (from: string) => ({ from, to: null });
    assert.deepEqual(cancelWholesalePairs([made('x'), made('y'), dropped('x')]), [made('y')]);
    // A commit between them reads the index to decide: both stay.
    assert.deepEqual(cancelWholesalePairs([made('x'), { from: 'x', to: 'z' }, dropped('x')]), [made('x'), { from: 'x', to: 'z' }, dropped('x')]);
    // A drop before the make does not pair (it removes another holder first).
    assert.deepEqual(cancelWholesalePairs([dropped('x'), made('x')]), [dropped('x'), made('x')]);
  });

  it('builds the index of an existing catalog once, on first use, with the same figures', async () => {
    await withWarehouse(async ({ warehouse, home }) => {
      await (async () => {
        const s = await warehouse.session('prod');
        try {
          await s.run('create table t (id bigint); insert into t select * from range(50); create table u clone t; insert into u values (7)');
        } finally {
          s.close();
        }
      })();
      warehouse.cloneDatabase('dev', 'prod');
      // A catalog written before the index existed: no rows and no marker.
      const raw = new Database(join(home, 'catalog.sqlite'));
      try {
        raw.exec("DELETE FROM file_refs; DELETE FROM catalog_info WHERE key = 'file-refs'");
      } finally {
        raw.close();
      }
      assert.equal(warehouse.catalog.fileRefsBuilt(), false);
      assert.deepEqual(warehouse.metrics(), storageMetrics(warehouse.catalog));
      assert.equal(warehouse.catalog.fileRefsBuilt(), true);
      assert.ok(warehouse.catalog.fileRefTotals().files > 0);
    });
  });
});
