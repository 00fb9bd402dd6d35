import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMayfly, FakeClock, isMayflyError } from '../../src/index.js';
import type { Cell, Mayfly, Session, Warehouse, WarehouseSettings } from '../../src/index.js';

/** Small settings every end-to-end test starts from: small files, no GC grace, a one-hour window, a small engine. */
export const TEST_SETTINGS: Partial<WarehouseSettings> = {
  production: 'prod',
  targetFileBytes: 256 * 1024,
  smallFileBytes: 64 * 1024,
  gcGraceMs: 0,
  timeTravelMs: 3_600_000,
  threads: 1,
  memoryLimit: '512MB',
};

/** A warehouse opened on a fresh temporary home with a fake clock. */
export interface TestWarehouse {
  readonly home: string;
  readonly clock: FakeClock;
  readonly mayfly: Mayfly;
  readonly warehouse: Warehouse;
}

/** Options of {@link withWarehouse}. */
export interface TestWarehouseOptions {
  readonly settings?: Partial<WarehouseSettings>;
  /** Starts the fake clock here (default: the real time, so file times and the clock agree for GC). */
  readonly startAt?: number;
}

/** A fresh temporary directory for one test's warehouse. */
export function tempHome(prefix = 'mayfly-e2e-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Opens Mayfly on `home` with test settings (the caller closes it). */
export function openMayfly(home: string, clock: FakeClock, settings: Partial<WarehouseSettings> = {}): Mayfly {
  return createMayfly({ home, clock, settings: { ...TEST_SETTINGS, ...settings } });
}

/**
 * Runs `fn` against a new warehouse (production initialised) in its own temp
 * home; closes Mayfly and removes the home afterwards.
 */
export async function withWarehouse<T>(fn: (t: TestWarehouse) => Promise<T>, options: TestWarehouseOptions = {}): Promise<T> {
  const home = tempHome();
  // The GC grace period compares file times (real) with the clock: start the fake clock at the real time.
  const clock = new FakeClock(options.startAt ?? Date.now());
  const mayfly = openMayfly(home, clock, options.settings);
  try {
    mayfly.warehouse.init();
    return await fn({ home, clock, mayfly, warehouse: mayfly.warehouse });
  } finally {
    mayfly.close();
    rmSync(home, { recursive: true, force: true });
  }
}

/** Opens a session on `db`, runs `fn`, and closes the session. */
export async function withSession<T>(warehouse: Warehouse, db: string, fn: (s: Session) => Promise<T>): Promise<T> {
  const session = await warehouse.session(db);
  try {
    return await fn(session);
  } finally {
    session.close();
  }
}

/** The rows of the last statement of a script (which must be a query). */
export async function rows(session: Session, sql: string): Promise<readonly Readonly<Record<string, Cell>>[]> {
  const results = await session.run(sql);
  const last = results[results.length - 1];
  assert.ok(last && last.kind === 'rows', `expected rows from: ${sql}`);
  return last.rows;
}

/** The single value of a one-row, one-column query. */
export async function scalar(session: Session, sql: string): Promise<Cell> {
  const r = await rows(session, sql);
  assert.equal(r.length, 1, `expected one row from: ${sql}`);
  const values = Object.values(r[0] ?? {});
  assert.equal(values.length, 1, `expected one column from: ${sql}`);
  return values[0] ?? null;
}

/** `SELECT count(*)` of a table, as a number. */
export async function count(session: Session, table: string): Promise<number> {
  return Number(await scalar(session, `select count(*) as n from ${table}`));
}

/** The values of one column of a query, in the query's order. */
export async function column(session: Session, sql: string): Promise<Cell[]> {
  return (await rows(session, sql)).map((r) => Object.values(r)[0] ?? null);
}

/** Asserts that `action` fails with a MayflyError of `code` (and a message matching `message`); returns the error. */
export async function rejectsWithCode(action: Promise<unknown> | (() => unknown), code: string, message?: RegExp): Promise<Error> {
  let error: unknown;
  try {
    await (typeof action === 'function' ? action() : action);
  } catch (e) {
    error = e;
  }
  assert.ok(error !== undefined, `expected a ${code} error, but it succeeded`);
  assert.ok(isMayflyError(error), `expected a MayflyError ${code}, got ${String(error)}`);
  assert.equal(error.code, code, `expected code ${code}, got ${error.code}: ${error.message}`);
  if (message) assert.match(error.message, message);
  return error;
}

/** Every file under `<home>/objects`, by path relative to it, with its size. */
export function objectFiles(home: string): Map<string, number> {
  const root = join(home, 'objects');
  const out = new Map<string, number>();
  for (const sub of readdirSync(root)) {
    for (const name of readdirSync(join(root, sub))) {
      const s = statSync(join(root, sub, name), { throwIfNoEntry: false });
      if (s?.isFile()) out.set(`${sub}/${name}`, s.size);
    }
  }
  return out;
}

/** Files of `after` that `before` did not have, with their sizes. */
export function newFiles(before: ReadonlyMap<string, number>, after: ReadonlyMap<string, number>): Map<string, number> {
  return new Map([...after].filter(([k]) => !before.has(k)));
}

/** Every database's name and commit: what an operation that fails must leave unchanged. */
export function catalogState(warehouse: Warehouse): { name: string; commitId: string }[] {
  return warehouse.listDatabases().map((d) => ({ name: d.name, commitId: d.commitId }));
}

/** The data and delete file keys the tables of a commit reference. */
export function filesOfCommit(warehouse: Warehouse, commitId: string): Set<string> {
  const tree = warehouse.tree(commitId);
  const keys = new Set<string>();
  for (const s of tree.schemas.values()) {
    for (const id of s.tables.values()) {
      const v = tree.tableVersion(id);
      for (const f of v.files) keys.add(f.key);
      for (const d of v.deletes) keys.add(d.key);
    }
  }
  return keys;
}

/**
 * The commits GC must keep: those live databases point at, those of the
 * time-travel window, and each name's state at the window's start.
 */
export function protectedCommits(warehouse: Warehouse): Set<string> {
  const windowStart = warehouse.clock.now() - warehouse.settings.timeTravelMs;
  const commits = new Set(warehouse.catalog.listRefs().map((r) => r.commitId));
  const before = new Map<string, string | null>();
  for (const e of warehouse.catalog.refLogSince(0)) {
    if (e.at >= windowStart) {
      if (e.commitId) commits.add(e.commitId);
    } else before.set(e.name, e.commitId);
  }
  for (const id of before.values()) if (id) commits.add(id);
  return commits;
}

/** Keys referenced by the given commits that are missing from the object store. */
export function missingFiles(warehouse: Warehouse, commits: Iterable<string>): string[] {
  const missing: string[] = [];
  for (const id of commits) {
    for (const key of filesOfCommit(warehouse, id)) if (!warehouse.store.exists(key)) missing.push(`${key} (commit ${id.slice(0, 12)})`);
  }
  return missing;
}

/** Object files no protected commit references (what a GC should have removed), as `xx/<key>` paths. */
export function unreferencedFiles(warehouse: Warehouse, home: string): string[] {
  const referenced = new Set<string>();
  for (const id of protectedCommits(warehouse)) for (const key of filesOfCommit(warehouse, id)) referenced.add(key);
  return [...objectFiles(home).keys()].filter((path) => !referenced.has(path.slice(path.indexOf('/') + 1)));
}

/** Every table of a database as `db.schema.table`. */
export function tableNames(warehouse: Warehouse, db: string): string[] {
  return warehouse
    .tables(db)
    .filter((t) => t.kind === 'table')
    .map((t) => `${db}.${t.schema}.${t.name}`);
}

/** Reads every table of every live database in full; returns `db.schema.table` → row count. */
export async function readEverything(warehouse: Warehouse): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  await withSession(warehouse, warehouse.settings.production, async (s) => {
    for (const d of warehouse.listDatabases()) {
      for (const t of tableNames(warehouse, d.name)) {
        // Reading every column (not just count) makes DuckDB open every data and delete file.
        const n = Number(await scalar(s, `select count(*) from (select * from ${t}) as x where x is not null or x is null`));
        out.set(t, n);
      }
    }
  });
  return out;
}

/** An ISO-8601 UTC timestamp literal for SQL. */
export function iso(ms: number): string {
  return `'${new Date(ms).toISOString()}'`;
}
