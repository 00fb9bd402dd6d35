import type { Catalog, FileRef } from '../catalog/catalog.js';
import type { DatabaseRef, RootTree, SchemaTree, TableVersion } from '../catalog/model.js';
import { commitTableVersions, ensureFileReferences, tableVersionFiles } from './file-references.js';
import type { DatabaseMetrics, StorageSplit, TableMetrics, WarehouseMetrics } from './storage-metrics.js';
import { compareNames } from '../core/names.js';
import { liveRows } from './table-stats.js';
import { manifestsOf } from './table-manifests.js';

/** One table version's figures against the index, computed once per call however many databases share it. */
interface VersionFigures {
  readonly rows: number;
  readonly files: ReadonlyMap<string, number>;
  readonly split: Omit<StorageSplit, 'retainedForCloneBytes'>;
  /** Files only one database holds: the candidates for retained-for-clone. */
  readonly exclusive: readonly (readonly [string, number])[];
  /** Some file of it is held by a database in two table versions: a database holding it must count its files as a set. */
  readonly overlaps: boolean;
}

/** A clone point: its table versions, and (only when asked) its files. */
interface ClonePoint {
  readonly versions: ReadonlySet<string>;
  files?: Set<string>;
}

/**
 * Storage metrics of the databases asked for, from the file reference index
 * (see file-references.ts): the same figures {@link storageMetrics} computes
 * by loading every database, at the cost of the databases shown — their own
 * table versions (each read once per call, so clones sharing table versions do
 * not repeat work) and one index lookup per distinct file.
 */
export function maintainedStorageMetrics(catalog: Catalog, names?: readonly string[]): WarehouseMetrics {
  ensureFileReferences(catalog);
  return catalog.snapshot(() => {
    const refs =
      names === undefined
        ? catalog.listRefs()
        : [...new Set(names)]
            .sort()
            .map((n) => catalog.getRef(n))
            .filter((r): r is DatabaseRef => r !== undefined);
    const figures = new IndexFigures(catalog);
    const databases = refs.map((ref) => figures.database(ref));
    const totals = catalog.fileRefTotals();
    return { databases, liveBytes: totals.bytes, chargeRemainderBytes: totals.remainderBytes };
  });
}

class IndexFigures {
  private readonly refs = new Map<string, FileRef | undefined>();
  private readonly versions = new Map<string, VersionFigures>();
  private readonly points = new Map<string, ClonePoint | undefined>();
  /**
   * Figures by tree and clone point: a database's figures are a function of
   * its tree and of the clone point its retained bytes are judged against, so
   * the many clones of one commit that have not written yet are figured once.
   */
  private readonly figured = new Map<string, Omit<DatabaseMetrics, 'name' | 'source'>>();

  constructor(private readonly catalog: Catalog) {}

  database(ref: DatabaseRef): DatabaseMetrics {
    const tree = this.catalog.getCommit(ref.commitId).tree;
    const point = ref.source && ref.source.database !== ref.name ? ref.source.commitId : '';
    const key = `${tree}/${point}`;
    let figures = this.figured.get(key);
    if (figures === undefined) {
      figures = this.figure(ref, tree);
      this.figured.set(key, figures);
    }
    return { name: ref.name, ...(ref.source ? { source: ref.source.database } : {}), ...figures };
  }

  private figure(ref: DatabaseRef, tree: string): Omit<DatabaseMetrics, 'name' | 'source'> {
    const slots: { schema: string; name: string; id: string }[] = [];
    const root = this.catalog.getMetadata<RootTree>('root', tree);
    for (const [schema, schemaId] of Object.entries(root.schemas)) {
      for (const [name, id] of Object.entries(this.catalog.getMetadata<SchemaTree>('schema', schemaId).tables)) slots.push({ schema, name, id });
    }
    const isRetained = this.retainedTest(ref);
    const tables: TableMetrics[] = slots.map(({ schema, name, id }) => {
      const v = this.version(id);
      return { schema, name, rows: v.rows, ...withRetained(v.split, retainedOf(v.exclusive, id, isRetained)) };
    });
    tables.sort(byTableName);
    const ids = [...new Set(slots.map((s) => s.id))];
    const versions = ids.map((id) => this.version(id));
    let split: StorageSplit;
    if (!versions.some((v) => v.overlaps)) {
      // No file is in two of its table versions: the database's figures are the sums of theirs.
      const sum = { logicalBytes: 0, sharedBytes: 0, exclusiveBytes: 0, chargedBytes: 0, files: 0, retainedForCloneBytes: 0 };
      versions.forEach((v, i) => {
        sum.logicalBytes += v.split.logicalBytes;
        sum.sharedBytes += v.split.sharedBytes;
        sum.exclusiveBytes += v.split.exclusiveBytes;
        sum.chargedBytes += v.split.chargedBytes;
        sum.files += v.split.files;
        sum.retainedForCloneBytes += retainedOf(v.exclusive, ids[i] ?? '', isRetained);
      });
      split = withRetained(sum, sum.retainedForCloneBytes);
    } else {
      const files = new Map<string, { bytes: number; id: string }>();
      ids.forEach((id, i) => {
        for (const [key, bytes] of versions[i]?.files ?? []) files.set(key, { bytes, id });
      });
      const base = this.split([...files].map(([key, f]) => [key, f.bytes] as const));
      let retained = 0;
      for (const [key, f] of files) if (this.refs.get(key)?.holders === 1 && isRetained(key, f.id)) retained += f.bytes;
      split = withRetained(base, retained);
    }
    return { ...split, tables };
  }

  /** Whether an exclusive file of `ref` (in table version `id`) is kept alive only for this clone: it came from the clone point. */
  private retainedTest(ref: DatabaseRef): (key: string, id: string) => boolean {
    // A database that is its own source (replaced by a clone of itself) still holds whatever it inherited.
    if (!ref.source || ref.source.database === ref.name) return () => false;
    const point = this.point(ref.source.commitId);
    if (!point) return () => false;
    return (key, id) => {
      if (point.versions.has(id)) return true;
      if (!point.files) {
        point.files = new Set();
        for (const v of point.versions) for (const k of this.version(v).files.keys()) point.files.add(k);
      }
      return point.files.has(key);
    };
  }

  private point(commitId: string): ClonePoint | undefined {
    if (!this.points.has(commitId)) {
      let point: ClonePoint | undefined;
      try {
        point = { versions: commitTableVersions(this.catalog, commitId) };
      } catch {
        // The clone point fell out of the time-travel window and was collected: nothing counts as inherited.
        point = undefined;
      }
      this.points.set(commitId, point);
    }
    return this.points.get(commitId);
  }

  private version(id: string): VersionFigures {
    let v = this.versions.get(id);
    if (!v) {
      const version = manifestsOf(this.catalog).read(id);
      const files = tableVersionFiles(version);
      this.lookUp([...files.keys()]);
      const exclusive: [string, number][] = [];
      let overlaps = false;
      for (const [key, bytes] of files) {
        const r = this.refs.get(key);
        if (r?.holders === 1) exclusive.push([key, bytes]);
        if (r && r.tableVersions > r.holders) overlaps = true;
      }
      v = { rows: liveRows(version), files, split: this.split(files), exclusive, overlaps };
      this.versions.set(id, v);
    }
    return v;
  }

  private split(files: Iterable<readonly [string, number]>): Omit<StorageSplit, 'retainedForCloneBytes'> {
    let logical = 0;
    let shared = 0;
    let charged = 0;
    let count = 0;
    for (const [key, bytes] of files) {
      const holders = this.refs.get(key)?.holders ?? 1;
      count++;
      logical += bytes;
      if (holders > 1) shared += bytes;
      charged += Math.floor(bytes / holders);
    }
    return { logicalBytes: logical, sharedBytes: shared, exclusiveBytes: logical - shared, chargedBytes: charged, files: count };
  }

  private lookUp(keys: readonly string[]): void {
    const missing = keys.filter((k) => !this.refs.has(k));
    if (missing.length === 0) return;
    const found = this.catalog.getFileRefs(missing);
    for (const k of missing) this.refs.set(k, found.get(k));
  }
}

/** A split with its retained bytes, its fields in the order the JSON output shows them. */
function withRetained(s: Omit<StorageSplit, 'retainedForCloneBytes'>, retained: number): StorageSplit {
  return { logicalBytes: s.logicalBytes, sharedBytes: s.sharedBytes, exclusiveBytes: s.exclusiveBytes, retainedForCloneBytes: retained, chargedBytes: s.chargedBytes, files: s.files };
}

function retainedOf(exclusive: readonly (readonly [string, number])[], id: string, isRetained: (key: string, id: string) => boolean): number {
  let bytes = 0;
  for (const [key, b] of exclusive) if (isRetained(key, id)) bytes += b;
  return bytes;
}

/** Tables in the order metrics list them: by schema, then name (names compared without ICU's collator: see compareNames). */
export function byTableName(a: { readonly schema: string; readonly name: string }, b: { readonly schema: string; readonly name: string }): number {
  return compareNames(a.schema, b.schema) || compareNames(a.name, b.name);
}
