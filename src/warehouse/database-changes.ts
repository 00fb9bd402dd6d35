import { invalid } from '../core/errors.js';
import type { TableVersion } from '../catalog/model.js';
import { liveRows } from './table-stats.js';
import type { Warehouse } from './warehouse.js';
import type { WorkingSchema, WorkingTree } from './working-tree.js';

/** How one table or view of a clone differs from its clone point. */
export interface ObjectChange {
  readonly schema: string;
  readonly name: string;
  readonly kind: 'table' | 'view';
  /** `created` in the clone, `dropped` from it, or `changed` (rows, columns or definition). */
  readonly change: 'created' | 'dropped' | 'changed';
  /** Rows at the clone point and now (0 for views). */
  readonly rowsBefore: number;
  readonly rowsAfter: number;
  /** Rows written by inserts and updates since the clone point. */
  readonly rowsInserted: number;
  /** Rows removed by deletes, updates and drops since the clone point. */
  readonly rowsDeleted: number;
}

/** What a clone changed since its clone point: what a refresh would discard. */
export interface DatabaseChanges {
  readonly db: string;
  /** The clone point: source database, commit and time. */
  readonly since: { readonly database: string; readonly commitId: string; readonly at: number };
  readonly objects: readonly ObjectChange[];
  readonly rowsInserted: number;
  readonly rowsDeleted: number;
}

/**
 * The tables and views a clone created, dropped or changed since its clone
 * point, with row counts. `schemas` names the schemas the clone was taken
 * with (a `--schema` clone), so the source's other schemas are not reported
 * as dropped. Reads metadata only: no data file is opened.
 */
export function databaseChanges(warehouse: Warehouse, name: string, schemas?: readonly string[]): DatabaseChanges {
  return warehouse.catalog.snapshot(() => {
    const ref = warehouse.requireRef(name);
    if (!ref.source) throw invalid('NOT_A_CLONE', `database ${name} is not a clone: it has no clone point to compare with`);
    const before = warehouse.tree(ref.source.commitId);
    const after = warehouse.tree(ref.commitId);
    const baseline = schemas?.length ? subset(before, schemas) : before.schemas;
    const objects: ObjectChange[] = [];
    for (const schema of [...new Set([...baseline.keys(), ...after.schemas.keys()])].sort()) {
      objects.push(...schemaChanges(schema, baseline.get(schema), after.schemas.get(schema), before, after));
    }
    return {
      db: name,
      since: ref.source,
      objects,
      rowsInserted: objects.reduce((n, o) => n + o.rowsInserted, 0),
      rowsDeleted: objects.reduce((n, o) => n + o.rowsDeleted, 0),
    };
  });
}

/** The schemas a `--schema` clone started with: those chosen, and an empty `main` when it was not one of them. */
function subset(tree: WorkingTree, schemas: readonly string[]): Map<string, WorkingSchema> {
  const out = new Map<string, WorkingSchema>();
  for (const s of schemas) {
    const content = tree.schemas.get(s);
    if (content) out.set(s, content);
  }
  if (!out.has('main')) out.set('main', { tables: new Map(), views: new Map() });
  return out;
}

function schemaChanges(schema: string, a: WorkingSchema | undefined, b: WorkingSchema | undefined, before: WorkingTree, after: WorkingTree): ObjectChange[] {
  const out: ObjectChange[] = [];
  const empty: WorkingSchema = { tables: new Map(), views: new Map() };
  const sa = a ?? empty;
  const sb = b ?? empty;
  for (const t of [...new Set([...sa.tables.keys(), ...sb.tables.keys()])].sort()) {
    const ia = sa.tables.get(t);
    const ib = sb.tables.get(t);
    if (ia === ib) continue;
    const va = ia === undefined ? undefined : before.tableVersion(ia);
    const vb = ib === undefined ? undefined : after.tableVersion(ib);
    out.push(tableChange(schema, t, va, vb));
  }
  for (const v of [...new Set([...sa.views.keys(), ...sb.views.keys()])].sort()) {
    const da = sa.views.get(v);
    const db = sb.views.get(v);
    if (JSON.stringify(da) === JSON.stringify(db)) continue;
    const change = da === undefined ? 'created' : db === undefined ? 'dropped' : 'changed';
    out.push({ schema, name: v, kind: 'view', change, rowsBefore: 0, rowsAfter: 0, rowsInserted: 0, rowsDeleted: 0 });
  }
  return out;
}

function tableChange(schema: string, name: string, va: TableVersion | undefined, vb: TableVersion | undefined): ObjectChange {
  const rowsBefore = va ? liveRows(va) : 0;
  const rowsAfter = vb ? liveRows(vb) : 0;
  const had = new Set(va?.files.map((f) => f.key) ?? []);
  // Rows in files the clone wrote were inserted; whatever was there or inserted and is no longer visible was deleted.
  const rowsInserted = (vb?.files ?? []).filter((f) => !had.has(f.key)).reduce((n, f) => n + f.rows, 0);
  const rowsDeleted = rowsBefore + rowsInserted - rowsAfter;
  const change = va === undefined ? 'created' : vb === undefined ? 'dropped' : 'changed';
  return { schema, name, kind: 'table', change, rowsBefore, rowsAfter, rowsInserted, rowsDeleted };
}
