import type { Catalog } from '../catalog/catalog.js';
import type { DatabaseRef } from '../catalog/model.js';
import { byTableName } from './maintained-metrics.js';
import { liveRows } from './table-stats.js';
import { WorkingTree } from './working-tree.js';

/** Storage split of one table or database, in bytes. */
export interface StorageSplit {
  /** Every file it references, counted once. */
  readonly logicalBytes: number;
  /** Files other live databases reference too. */
  readonly sharedBytes: number;
  /** Files only this database references (includes retained-for-clone). */
  readonly exclusiveBytes: number;
  /** Exclusive files that came from the clone's source and that the source no longer references: kept alive only by this clone. */
  readonly retainedForCloneBytes: number;
  /**
   * Its share of what it keeps alive: each file's bytes split evenly among the
   * live databases holding it (integer division; the remainders are the
   * warehouse's `chargeRemainderBytes`), so the databases' charges and that
   * remainder add up to the warehouse's live bytes.
   */
  readonly chargedBytes: number;
  readonly files: number;
}

/** A table's metrics. */
export interface TableMetrics extends StorageSplit {
  readonly schema: string;
  readonly name: string;
  readonly rows: number;
}

/** A database's metrics. */
export interface DatabaseMetrics extends StorageSplit {
  readonly name: string;
  readonly source?: string;
  readonly tables: readonly TableMetrics[];
}

/** Metrics of the whole warehouse. */
export interface WarehouseMetrics {
  readonly databases: readonly DatabaseMetrics[];
  /** Distinct bytes referenced by live databases. */
  readonly liveBytes: number;
  /** Σ over files of bytes mod holders: the bytes integer shares leave uncharged (less than one byte per holder of a file). */
  readonly chargeRemainderBytes: number;
}

interface FileEntry {
  readonly bytes: number;
  readonly holders: Set<string>;
}

/**
 * Splits every database's bytes into shared, exclusive and retained-for-clone,
 * attributing files a source dropped to the clone that keeps them alive.
 * A full recomputation that loads every database: the reference the
 * maintained figures (maintained-metrics.ts) are tested against, not what
 * the product calls.
 */
export function storageMetrics(catalog: Catalog, only?: string): WarehouseMetrics {
  return catalog.snapshot(() => {
    const refs = catalog.listRefs();
    const trees = new Map<string, WorkingTree>();
    const files = new Map<string, FileEntry>();
    for (const ref of refs) {
      const tree = WorkingTree.load(catalog, catalog.getCommit(ref.commitId).tree);
      trees.set(ref.name, tree);
      forEachFile(tree, (key, bytes) => {
        const e = files.get(key) ?? { bytes, holders: new Set<string>() };
        e.holders.add(ref.name);
        files.set(key, e);
      });
    }
    const databases: DatabaseMetrics[] = [];
    for (const ref of refs) {
      if (only !== undefined && ref.name !== only) continue;
      const tree = trees.get(ref.name);
      if (tree) databases.push(databaseMetrics(catalog, ref, tree, files, trees));
    }
    let liveBytes = 0;
    let chargeRemainderBytes = 0;
    for (const f of files.values()) {
      liveBytes += f.bytes;
      chargeRemainderBytes += f.bytes % f.holders.size;
    }
    return { databases, liveBytes, chargeRemainderBytes };
  });
}

function databaseMetrics(
  catalog: Catalog,
  ref: DatabaseRef,
  tree: WorkingTree,
  files: ReadonlyMap<string, FileEntry>,
  trees: ReadonlyMap<string, WorkingTree>,
): DatabaseMetrics {
  // Files the clone inherited at its clone point that its source no longer holds.
  const inherited = new Set<string>();
  const sourceNow = new Set<string>();
  if (ref.source) {
    const point = tryTree(catalog, ref.source.commitId);
    if (point) forEachFile(point, (key) => inherited.add(key));
    const src = trees.get(ref.source.database);
    if (src) forEachFile(src, (key) => sourceNow.add(key));
  }
  const isRetained = (key: string): boolean => inherited.has(key) && !sourceNow.has(key);
  const tables: TableMetrics[] = [];
  const dbKeys = new Set<string>();
  for (const [schema, s] of tree.schemas) {
    for (const [name, id] of s.tables) {
      const v = tree.tableVersion(id);
      const keys = new Map<string, number>();
      for (const f of [...v.files, ...v.deletes]) keys.set(f.key, f.bytes);
      for (const k of keys.keys()) dbKeys.add(k);
      tables.push({ schema, name, rows: liveRows(v), ...split(keys.keys(), files, isRetained) });
    }
  }
  tables.sort(byTableName);
  return { name: ref.name, ...(ref.source ? { source: ref.source.database } : {}), ...split(dbKeys, files, isRetained), tables };
}

function split(keys: Iterable<string>, files: ReadonlyMap<string, FileEntry>, isRetained: (key: string) => boolean): StorageSplit {
  let logical = 0;
  let shared = 0;
  let retained = 0;
  let charged = 0;
  let count = 0;
  for (const k of keys) {
    const e = files.get(k);
    if (!e) continue;
    count++;
    logical += e.bytes;
    charged += Math.floor(e.bytes / e.holders.size);
    if (e.holders.size > 1) shared += e.bytes;
    else if (isRetained(k)) retained += e.bytes;
  }
  return { logicalBytes: logical, sharedBytes: shared, exclusiveBytes: logical - shared, retainedForCloneBytes: retained, chargedBytes: charged, files: count };
}

/** Calls `fn` for every data and delete file of a tree. */
export function forEachFile(tree: WorkingTree, fn: (key: string, bytes: number) => void): void {
  for (const s of tree.schemas.values()) {
    for (const id of s.tables.values()) {
      const v = tree.tableVersion(id);
      for (const f of v.files) fn(f.key, f.bytes);
      for (const d of v.deletes) fn(d.key, d.bytes);
    }
  }
}

function tryTree(catalog: Catalog, commitId: string): WorkingTree | undefined {
  try {
    return WorkingTree.load(catalog, catalog.getCommit(commitId).tree);
  } catch {
    // The clone point fell out of the time-travel window and was collected.
    return undefined;
  }
}

