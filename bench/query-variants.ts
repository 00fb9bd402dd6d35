import type { Session, Warehouse } from '../src/index.js';
import { progress, timed } from './bench-util.js';
import { CUSTOMER_COLUMNS, EVENT_COLUMNS } from './data-gen.js';
import { selectAll } from './full-copy.js';
import { RawDuck, sqlList, sqlString, type RawRow } from './raw-duck.js';
import { tableFilePaths } from './warehouse-loader.js';

/** Runs a query and returns its rows as the client sees them. */
export type Runner = (sql: string) => Promise<readonly RawRow[]>;

/** The predicate of the 1 % DELETE (the same rows in Mayfly and in the raw baselines). */
export const DELETED = 'id % 100 = 0';

/** How each raw baseline hides the deleted rows. */
export const RAW_DELETE_STRATEGIES = ['anti join on id', 'NOT IN', 'anti join on file position'] as const;

/** Variant names the ratios refer to. */
export const V = {
  prod: 'mayfly prod',
  clone: 'mayfly clone',
  deleted: 'mayfly clone, 1% deleted',
  raw: 'raw DuckDB',
  sandboxed: 'raw DuckDB, sandboxed like Mayfly',
  rawDeleted: (k: (typeof RAW_DELETE_STRATEGIES)[number]): string => `raw DuckDB, ${k}`,
} as const;

/** Every way the benchmark runs a query, with what it takes to close them. */
export interface QueryVariants {
  readonly variants: readonly (readonly [string, Runner])[];
  /** The production session (to time Mayfly's own preparation of a query). */
  readonly prod: Session;
  readonly deleteStatement: { readonly ms: number; readonly rowsDeleted: number };
  close(): void;
}

/**
 * Opens Mayfly sessions on prod, on a clone and on a clone where 1 % of rows
 * were deleted through SQL, and raw DuckDB instances (same threads and memory)
 * over the same files: plain, sandboxed the way Mayfly's engine is (to
 * attribute overhead), and filtering the deleted rows three ways.
 */
export async function openQueryVariants(w: Warehouse): Promise<QueryVariants> {
  const engine = { threads: w.settings.threads, memoryLimit: w.settings.memoryLimit };
  const eventPaths = tableFilePaths(w, 'prod', 'main', 'events');
  const customerPaths = tableFilePaths(w, 'prod', 'main', 'customers');
  const clones = ['bench_q_clone', 'bench_q_deleted'];
  const sessions: Session[] = [];
  const raws: RawDuck[] = [];
  const close = (): void => {
    for (const s of sessions) s.close();
    for (const d of raws) d.close();
    for (const db of clones) if (w.catalog.getRef(db)) w.dropDatabase(db);
  };
  try {
    for (const db of clones) w.cloneDatabase(db, 'prod');
    const open = async (db: string): Promise<Session> => {
      const s = await w.session(db);
      sessions.push(s);
      return s;
    };
    const prod = await open('prod');
    const clone = await open('bench_q_clone');
    const deleted = await open('bench_q_deleted');
    progress(`queries: DELETE ${DELETED} in a clone`);
    const del = await timed(() => deleted.run(`DELETE FROM events WHERE ${DELETED}`));
    const first = del.value[0];
    const rowsDeleted = first?.kind === 'done' ? (first.rowsAffected ?? 0) : 0;

    const raw = async (setup: readonly string[]): Promise<RawDuck> => {
      const d = await RawDuck.create(engine);
      raws.push(d);
      await d.run(`CREATE VIEW events_all AS ${selectAll(eventPaths, EVENT_COLUMNS)}`);
      await d.run(`CREATE VIEW customers AS ${selectAll(customerPaths, CUSTOMER_COLUMNS)}`);
      for (const sql of setup) await d.run(sql);
      return d;
    };
    const plainView = 'CREATE VIEW events AS SELECT * FROM events_all';
    const plain = await raw([plainView]);
    // What Mayfly's engine does to every session (see DuckEngine.create); it makes DuckDB check each file it opens.
    const sandboxed = await raw([
      plainView,
      `SET allowed_directories = [${w.store.engineDirs.map(sqlString).join(', ')}]`,
      'SET enable_external_access = false',
    ]);
    const deletedIds = `CREATE TABLE deleted AS SELECT id FROM events_all WHERE ${DELETED}`;
    const rawDeleted: Record<(typeof RAW_DELETE_STRATEGIES)[number], RawDuck> = {
      'anti join on id': await raw([deletedIds, 'CREATE VIEW events AS SELECT e.* FROM events_all e ANTI JOIN deleted d ON e.id = d.id']),
      'NOT IN': await raw([deletedIds, 'CREATE VIEW events AS SELECT * FROM events_all WHERE id NOT IN (SELECT id FROM deleted)']),
      'anti join on file position': await raw(eventsByPosition(eventPaths)),
    };
    const mayfly =
      (s: Session): Runner =>
      async (sql) => {
        const r = await s.run(sql);
        const last = r[r.length - 1];
        return last?.kind === 'rows' ? last.rows : [];
      };
    const variants: (readonly [string, Runner])[] = [
      [V.prod, mayfly(prod)],
      [V.clone, mayfly(clone)],
      [V.deleted, mayfly(deleted)],
      [V.raw, (sql) => plain.rows(sql)],
      [V.sandboxed, (sql) => sandboxed.rows(sql)],
      ...RAW_DELETE_STRATEGIES.map((k) => [V.rawDeleted(k), (sql: string) => rawDeleted[k].rows(sql)] as const),
    ];
    return { variants, prod, deleteStatement: { ms: del.ms, rowsDeleted }, close };
  } catch (e) {
    close();
    throw e;
  }
}

/** Raw DuckDB hiding the deleted rows the way Mayfly does: by file and row number, against an in-memory table. */
function eventsByPosition(paths: readonly string[]): string[] {
  const read = `read_parquet(${sqlList(paths)}, file_row_number = true)`;
  const cols = EVENT_COLUMNS.map((c, i) => `t.c${i + 1} AS ${c.name}`).join(', ');
  return [
    `CREATE TABLE dv AS SELECT file_index AS i, file_row_number AS pos FROM ${read} WHERE ${DELETED.replace('id', 'c1')}`,
    `CREATE VIEW events AS SELECT ${cols} FROM ${read} t ANTI JOIN dv ON t.file_index = dv.i AND t.file_row_number = dv.pos`,
  ];
}
