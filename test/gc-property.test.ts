import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isMayflyError } from '../src/index.js';
import type { FakeClock, Session, Warehouse } from '../src/index.js';
import { filesOfCommit, missingFiles, objectFiles, protectedCommits, readEverything, rejectsWithCode, unreferencedFiles, withSession, withWarehouse } from './helpers/warehouse.js';

const MINUTE = 60_000;
const WINDOW = 10 * MINUTE;
const TABLES = ['t0', 't1', 't2'] as const;
const CLONES = ['c0', 'c1', 'c2'] as const;

/** One operation of a random history; indices pick among what exists when it runs. */
type Op =
  | { readonly kind: 'createTable'; readonly db: number; readonly table: number }
  | { readonly kind: 'insert'; readonly db: number; readonly table: number; readonly n: number }
  | { readonly kind: 'update'; readonly db: number; readonly table: number; readonly m: number; readonly r: number }
  | { readonly kind: 'delete'; readonly db: number; readonly table: number; readonly m: number; readonly r: number }
  | { readonly kind: 'clone'; readonly src: number; readonly name: number }
  | { readonly kind: 'dropDb'; readonly db: number }
  | { readonly kind: 'dropTable'; readonly db: number; readonly table: number }
  | { readonly kind: 'swap'; readonly a: number; readonly b: number }
  | { readonly kind: 'compact'; readonly db: number }
  | { readonly kind: 'advance'; readonly ms: number }
  | { readonly kind: 'gc' };

/** Expected content: database → table → sorted row ids. */
type Model = Map<string, Map<string, number[]>>;

const pick = fc.nat({ max: 7 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('createTable' as const), db: pick, table: fc.nat({ max: TABLES.length - 1 }) }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('insert' as const), db: pick, table: pick, n: fc.integer({ min: 1, max: 40 }) }), weight: 4 },
  { arbitrary: fc.record({ kind: fc.constant('update' as const), db: pick, table: pick, m: fc.integer({ min: 2, max: 4 }), r: fc.nat({ max: 3 }) }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('delete' as const), db: pick, table: pick, m: fc.integer({ min: 2, max: 4 }), r: fc.nat({ max: 3 }) }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('clone' as const), src: pick, name: fc.nat({ max: CLONES.length - 1 }) }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('dropDb' as const), db: pick }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('dropTable' as const), db: pick, table: pick }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('swap' as const), a: pick, b: pick }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('compact' as const), db: pick }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.constantFrom(MINUTE, 4 * MINUTE, 11 * MINUTE, 30 * MINUTE) }), weight: 2 },
  { arbitrary: fc.constant({ kind: 'gc' as const }), weight: 2 },
);

function copyDb(tables: ReadonlyMap<string, number[]>): Map<string, number[]> {
  return new Map([...tables].map(([t, ids]) => [t, [...ids]]));
}

function copy(model: Model): Model {
  return new Map([...model].map(([db, tables]) => [db, copyDb(tables)]));
}

function nth<T>(items: readonly T[], i: number): T | undefined {
  return items.length === 0 ? undefined : items[i % items.length];
}

/** What the random histories did in total, so a vacuous run shows. */
const stats = { statements: 0, checks: 0, filesDeleted: 0, timeTravelClones: 0 };

/** Runs a random history against a warehouse and a model, checking the warehouse after every GC. */
class Run {
  private nextId = 0;
  readonly model: Model = new Map([['prod', new Map()]]);
  /** The model after the last operation at each moment (ms), for time travel. */
  readonly history = new Map<number, Model>();
  readonly log: string[] = [];

  constructor(
    private readonly warehouse: Warehouse,
    private readonly clock: FakeClock,
    private readonly s: Session,
  ) {
    this.history.set(clock.now(), copy(this.model));
  }

  async apply(op: Op): Promise<void> {
    const dbs = [...this.model.keys()].sort();
    const db = 'db' in op ? nth(dbs, op.db) : undefined;
    const tables = db !== undefined ? [...(this.model.get(db)?.keys() ?? [])].sort() : [];
    const table = 'table' in op && op.kind !== 'createTable' ? nth(tables, op.table) : undefined;
    const rowsOf = (d: string, t: string): number[] => this.model.get(d)?.get(t) ?? [];
    switch (op.kind) {
      case 'createTable': {
        const name = TABLES[op.table] ?? 't0';
        if (db === undefined || tables.includes(name)) return;
        await this.sql(`create table ${db}.main.${name} (id bigint, v varchar)`);
        this.model.get(db)?.set(name, []);
        break;
      }
      case 'insert': {
        if (db === undefined || table === undefined) return;
        const start = this.nextId;
        this.nextId += op.n;
        await this.sql(`insert into ${db}.main.${table} select ${start} + i, 'v' || i from range(${op.n}) r(i)`);
        rowsOf(db, table).push(...Array.from({ length: op.n }, (_, i) => start + i));
        break;
      }
      case 'update': {
        if (db === undefined || table === undefined) return;
        await this.sql(`update ${db}.main.${table} set id = id + 100000, v = v || 'u' where id % ${op.m} = ${op.r % op.m}`);
        this.model.get(db)?.set(
          table,
          rowsOf(db, table).map((id) => (id % op.m === op.r % op.m ? id + 100000 : id)),
        );
        break;
      }
      case 'delete': {
        if (db === undefined || table === undefined) return;
        await this.sql(`delete from ${db}.main.${table} where id % ${op.m} = ${op.r % op.m}`);
        this.model.get(db)?.set(
          table,
          rowsOf(db, table).filter((id) => id % op.m !== op.r % op.m),
        );
        break;
      }
      case 'clone': {
        const src = nth(dbs, op.src);
        const name = CLONES[op.name] ?? 'c0';
        if (src === undefined || this.model.has(name)) return;
        await this.sql(`create database ${name} clone ${src}`);
        this.model.set(name, copyDb(this.model.get(src) ?? new Map()));
        break;
      }
      case 'dropDb': {
        if (db === undefined || db === 'prod') return;
        await this.sql(`drop database ${db}`);
        this.model.delete(db);
        break;
      }
      case 'dropTable': {
        if (db === undefined || table === undefined) return;
        await this.sql(`drop table ${db}.main.${table}`);
        this.model.get(db)?.delete(table);
        break;
      }
      case 'swap': {
        const a = nth(dbs, op.a);
        const b = nth(dbs, op.b);
        if (a === undefined || b === undefined || a === b) return;
        await this.sql(`alter database ${a} swap with ${b}`);
        const ma = this.model.get(a) ?? new Map();
        this.model.set(a, this.model.get(b) ?? new Map());
        this.model.set(b, ma);
        break;
      }
      case 'compact': {
        if (db === undefined) return;
        this.log.push(`compact ${db}`);
        await this.warehouse.compact({ db });
        break;
      }
      case 'advance':
        this.log.push(`advance ${op.ms / MINUTE} min`);
        this.clock.advance(op.ms);
        break;
      case 'gc':
        await this.gcAndCheck();
        break;
    }
    this.history.set(this.clock.now(), copy(this.model));
  }

  private async sql(text: string): Promise<void> {
    this.log.push(text);
    await this.s.run(text);
    stats.statements++;
  }

  /** GC, then: everything readable, every protected file present, data equal to the model, time travel equal to history. */
  async gcAndCheck(): Promise<void> {
    this.log.push('gc');
    stats.filesDeleted += (await this.warehouse.gc()).filesDeleted;
    stats.checks++;
    const context = (): string => `after:\n  ${this.log.join('\n  ')}`;

    await readEverything(this.warehouse);
    assert.deepEqual(missingFiles(this.warehouse, protectedCommits(this.warehouse)), [], `missing files ${context()}`);
    assert.deepEqual(
      this.warehouse.listDatabases().map((d) => d.name),
      [...this.model.keys()].sort(),
      `databases ${context()}`,
    );
    for (const db of this.model.keys()) await this.assertContent(db, db, this.model.get(db) ?? new Map(), context);

    // Every moment of the time-travel window (and its start) still clones to what the model held then.
    const now = this.clock.now();
    const windowStart = now - WINDOW;
    const moments = [...this.history.keys()].filter((at) => at >= windowStart && at <= now);
    for (const at of [windowStart, ...moments]) {
      const then = this.modelAt(at);
      if (!then) continue;
      const names = new Set([...then.keys(), ...this.model.keys()]);
      for (const name of names) {
        const expected = then.get(name);
        if (!expected) {
          await rejectsWithCode(async () => this.warehouse.cloneDatabase('tt_check', name, { at }), 'DB_NOT_FOUND');
          continue;
        }
        this.warehouse.cloneDatabase('tt_check', name, { at });
        stats.timeTravelClones++;
        try {
          await this.assertContent('tt_check', `${name} at ${new Date(at).toISOString()}`, expected, context);
        } finally {
          this.warehouse.dropDatabase('tt_check');
        }
      }
    }
  }

  private modelAt(at: number): Model | undefined {
    let best: number | undefined;
    for (const t of this.history.keys()) if (t <= at && (best === undefined || t > best)) best = t;
    return best === undefined ? undefined : this.history.get(best);
  }

  private async assertContent(db: string, label: string, expected: Map<string, number[]>, context: () => string): Promise<void> {
    const tables = this.warehouse.tables(db).map((t) => t.name);
    assert.deepEqual(tables, [...expected.keys()].sort(), `tables of ${label} ${context()}`);
    for (const [t, ids] of expected) {
      const [r] = await this.s.run(`select coalesce(string_agg(id::varchar, ',' order by id), '') as ids, count(*) as n from ${db}.main.${t}`);
      assert.ok(r?.kind === 'rows');
      const want = [...ids].sort((a, b) => a - b);
      assert.equal(Number(r.rows[0]?.n), want.length, `row count of ${label}.main.${t} ${context()}`);
      assert.equal(String(r.rows[0]?.ids), want.join(','), `rows of ${label}.main.${t} ${context()}`);
    }
  }
}

describe('garbage collection', () => {
  it('never loses data a live database or the time-travel window reaches, over random histories', async (t) => {
    let lastFailure = '';
    const property = fc.asyncProperty(fc.array(opArb, { minLength: 4, maxLength: 12 }), async (ops) => {
      await withWarehouse(
        async ({ home, warehouse, clock }) => {
          await withSession(warehouse, 'prod', async (s) => {
            const run = new Run(warehouse, clock, s);
            try {
              // Start from two tables with rows, so that most random operations have something to act on.
              await run.apply({ kind: 'createTable', db: 0, table: 0 });
              await run.apply({ kind: 'insert', db: 0, table: 0, n: 30 });
              await run.apply({ kind: 'createTable', db: 0, table: 1 });
              await run.apply({ kind: 'insert', db: 0, table: 1, n: 20 });
              for (const op of ops) await run.apply(op);
              await run.apply({ kind: 'gc' });
              // Then let the whole history leave the window: what is not live must go, what is live must stay.
              await run.apply({ kind: 'advance', ms: 3 * WINDOW });
              await run.apply({ kind: 'gc' });
              assert.deepEqual(unreferencedFiles(warehouse, home), [], 'files no live database reaches survived GC');
            } catch (e) {
              const reason = isMayflyError(e) ? `${e.code}: ${e.message}` : e instanceof Error ? e.message : String(e);
              lastFailure = `${reason}\nhistory:\n  ${run.log.join('\n  ')}`;
              throw e;
            }
          });
        },
        { settings: { timeTravelMs: WINDOW, gcGraceMs: 0, targetFileBytes: 2048, smallFileBytes: 1024 } },
      );
    });
    // Replay a reported failure with MAYFLY_FC_SEED=<seed> MAYFLY_FC_PATH=<path>; MAYFLY_FC_RUNS runs more histories.
    const env = process.env;
    const options = {
      numRuns: Number(env.MAYFLY_FC_RUNS ?? 30),
      endOnFailure: true,
      ...(env.MAYFLY_FC_SEED !== undefined ? { seed: Number(env.MAYFLY_FC_SEED) } : {}),
      ...(env.MAYFLY_FC_PATH !== undefined ? { path: env.MAYFLY_FC_PATH } : {}),
    };
    try {
      await fc.assert(property, options);
    } catch (e) {
      // fast-check's report names the counterexample; add why it failed and the statements it ran.
      throw new Error(`${e instanceof Error ? e.message : String(e)}\n\nlast failure: ${lastFailure}`, { cause: e });
    }
    t.diagnostic(JSON.stringify(stats));
    assert.ok(stats.statements > 0 && stats.filesDeleted > 0 && stats.timeTravelClones > 0, 'the random histories exercised writes, deletions and time travel');
  });

  it('deletes what nothing reaches once it leaves the window, and not before', async () => {
    await withWarehouse(
      async ({ home, warehouse, clock }) => {
        await withSession(warehouse, 'prod', async (s) => {
          await s.run(`create table keep as select i as id from range(100) r(i); create table gone as select i as id, 'x' || i as v from range(500) r(i)`);
          const goneFiles = filesOfCommit(warehouse, warehouse.database('prod').commitId);
          await s.run('drop table gone');
          for (const k of filesOfCommit(warehouse, warehouse.database('prod').commitId)) goneFiles.delete(k);
          assert.ok(goneFiles.size > 0);

          clock.advance(MINUTE);
          const early = await warehouse.gc();
          assert.equal(early.filesDeleted, 0);
          for (const k of goneFiles) assert.ok(warehouse.store.exists(k), 'a file of the window was deleted');

          clock.advance(WINDOW + MINUTE);
          await s.run('insert into keep values (1000)');
          const dry = await warehouse.gc({ dryRun: true });
          assert.equal(dry.filesDeleted, goneFiles.size);
          for (const k of goneFiles) assert.ok(warehouse.store.exists(k), 'a dry run deleted a file');

          const files = objectFiles(home).size;
          const report = await warehouse.gc();
          assert.equal(report.filesDeleted, goneFiles.size);
          assert.ok(report.bytesReclaimed > 0);
          for (const k of goneFiles) assert.equal(warehouse.store.exists(k), false);
          assert.equal(objectFiles(home).size, files - goneFiles.size);
          assert.deepEqual(missingFiles(warehouse, protectedCommits(warehouse)), []);
          await rejectsWithCode(async () => warehouse.cloneDatabase('old', 'prod', { at: clock.now() - WINDOW - 2 * MINUTE }), 'TIME_TRAVEL_OUT_OF_RANGE');
          const [r] = await s.run('select count(*) as n from keep');
          assert.ok(r?.kind === 'rows');
          assert.equal(r.rows[0]?.n, 101);
        });
      },
      { settings: { timeTravelMs: WINDOW, gcGraceMs: 0 } },
    );
  });

  it('keeps unreferenced files younger than the grace period', async () => {
    await withWarehouse(
      async ({ warehouse, clock }) => {
        await withSession(warehouse, 'prod', async (s) => {
          await s.run(`create table gone as select i as id from range(100) r(i)`);
          const files = filesOfCommit(warehouse, warehouse.database('prod').commitId);
          await s.run('drop table gone');
          clock.advance(WINDOW + MINUTE);
          // Past the window, but the files were written less than the grace period (1 h) ago.
          assert.equal((await warehouse.gc()).filesDeleted, 0);
          for (const k of files) assert.ok(warehouse.store.exists(k));
          clock.advance(60 * MINUTE);
          assert.equal((await warehouse.gc()).filesDeleted, files.size);
        });
      },
      { settings: { timeTravelMs: WINDOW, gcGraceMs: 60 * MINUTE } },
    );
  });

  it('keeps a dropped source table alive while a clone holds it, long after the window', async () => {
    await withWarehouse(
      async ({ warehouse, clock }) => {
        await withSession(warehouse, 'prod', async (s) => {
          await s.run(`create table t as select i as id from range(300) r(i); create database c clone prod; drop table prod.main.t`);
          const held = filesOfCommit(warehouse, warehouse.database('c').commitId);
          clock.advance(3 * WINDOW);
          await s.run('insert into c.main.t values (-1)');
          const retained = warehouse.metrics('c').databases[0]?.retainedForCloneBytes ?? 0;
          assert.ok(retained > 0);
          clock.advance(3 * WINDOW);
          await warehouse.gc();
          for (const k of held) assert.ok(warehouse.store.exists(k), 'GC deleted a file a clone holds');
          const [r] = await s.run('select count(*) as n from c.main.t');
          assert.ok(r?.kind === 'rows');
          assert.equal(r.rows[0]?.n, 301);
          // Nothing changed in the data: the clone still alone keeps its source's dropped files alive.
          assert.equal(warehouse.metrics('c').databases[0]?.retainedForCloneBytes, retained, 'retained-for-clone bytes after GC');
        });
      },
      { settings: { timeTravelMs: WINDOW, gcGraceMs: 0 } },
    );
  });
});
