import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { FakeClock } from '../../src/core/clock.js';
import { SqliteCatalog, type SqliteCatalogOptions } from '../../src/catalog/sqlite-catalog.js';
import type { Commit, DataFile, DeleteFile, TableVersion } from '../../src/catalog/model.js';
import { LocalObjectStore } from '../../src/storage/local-object-store.js';
import { commitTree, initialCommit, type CommitContext } from '../../src/warehouse/committer.js';
import { WorkingTree } from '../../src/warehouse/working-tree.js';

/**
 * Commits at the metadata level: a real SQLite catalog, a real local object
 * store holding empty stand-ins for data files (commits check files exist),
 * and table versions built from fabricated file entries — no SQL, so tests
 * can make thousands of commits quickly.
 */
export interface MetadataRig extends CommitContext {
  readonly catalog: SqliteCatalog;
  readonly store: LocalObjectStore;
  readonly clock: FakeClock;
  readonly catalogPath: string;
}

/** The database the rig commits to. */
export const RIG_DB = 'prod';

/** Opens a rig on `home` with an empty database {@link RIG_DB}. */
export function openRig(home: string, options: SqliteCatalogOptions = {}): MetadataRig {
  const catalogPath = join(home, 'catalog.sqlite');
  const catalog = SqliteCatalog.open(catalogPath, options);
  const store = new LocalObjectStore(join(home, 'store'));
  const clock = new FakeClock(1_700_000_000_000);
  const rig = { catalog, store, clock, catalogPath };
  const first = initialCommit(rig, WorkingTree.empty(catalog), 'init');
  catalog.atomically(() => catalog.createRef({ name: RIG_DB, commitId: first.id, createdAt: clock.now() }, 'create'));
  return rig;
}

/** The content-hash key of fabricated file `n`. */
export function fileKey(n: number, ext = 'parquet'): string {
  return `${createHash('sha256').update(`file ${n}`).digest('hex')}.${ext}`;
}

/** A fabricated data file `n`, with an empty stand-in written to the store. */
export function dataFile(rig: MetadataRig, n: number): DataFile {
  const key = fileKey(n);
  touch(rig, key);
  return { key, rows: 1 + (n % 7), bytes: 1000 + n, columnIds: [1, 2] };
}

/** A fabricated delete vector `n` of the given data files. */
export function deleteFile(rig: MetadataRig, n: number, targets: readonly string[]): DeleteFile {
  const key = fileKey(n, 'dv');
  touch(rig, key);
  return { key, rows: targets.length, bytes: 500 + n, targets };
}

function touch(rig: MetadataRig, key: string): void {
  const path = rig.store.localPath(key);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, '');
}

/** An empty two-column table version. */
export function emptyTable(): TableVersion {
  return { columns: [{ id: 1, name: 'id', type: 'BIGINT' }, { id: 2, name: 'v', type: 'VARCHAR' }], nextColumnId: 3, files: [], deletes: [] };
}

/** The current version of table `main.<name>` of the rig's database, if any. */
export function headTable(rig: MetadataRig, name = 't'): TableVersion | undefined {
  const obj = headTree(rig).object('main', name);
  return obj?.kind === 'table' ? obj.version : undefined;
}

/** Commits `change` of table `main.<name>` (given its current version) to the rig's database. */
export function commitTable(rig: MetadataRig, change: (v: TableVersion) => TableVersion, name = 't'): Commit {
  const ref = rig.catalog.getRef(RIG_DB);
  if (!ref) throw new Error('the rig database is missing');
  const tree = WorkingTree.load(rig.catalog, rig.catalog.getCommit(ref.commitId).tree);
  const obj = tree.object('main', name);
  tree.setTable('main', name, change(obj?.kind === 'table' ? obj.version : emptyTable()));
  return commitTree(rig, RIG_DB, ref.commitId, tree, `change ${name}`);
}

/** The working tree of the rig database's head. */
export function headTree(rig: MetadataRig): WorkingTree {
  const ref = rig.catalog.getRef(RIG_DB);
  if (!ref) throw new Error('the rig database is missing');
  return WorkingTree.load(rig.catalog, rig.catalog.getCommit(ref.commitId).tree);
}

/** Bytes of catalog rows (metadata, commits, ref log), read through a second connection. */
export function catalogRowBytes(rig: MetadataRig): { readonly metadata: number; readonly manifests: number; readonly commits: number; readonly total: number } {
  const db = new Database(rig.catalogPath, { readonly: true });
  try {
    const one = (sql: string): number => Number((db.prepare(sql).get() as { n: number | null }).n ?? 0);
    // Manifest chunks of the binary form (manifest:v2) live in their own table; older ones in metadata.
    const chunks = one('SELECT SUM(length(id) + length(body)) AS n FROM chunks');
    const metadata = one('SELECT SUM(length(id) + length(kind) + length(body)) AS n FROM metadata') + chunks;
    const manifests = one("SELECT SUM(length(id) + length(kind) + length(body)) AS n FROM metadata WHERE kind = 'manifest'") + chunks;
    const commits = one('SELECT SUM(length(id) + length(coalesce(parent, \'\')) + length(tree) + 8 + length(message)) AS n FROM commits');
    const reflog = one('SELECT SUM(length(name) + length(coalesce(commit_id, \'\')) + 16 + length(reason)) AS n FROM reflog');
    return { metadata, manifests, commits: commits + reflog, total: metadata + commits + reflog };
  } finally {
    db.close();
  }
}

/** Ids of every stored manifest chunk (both forms). */
export function manifestRows(rig: MetadataRig): Set<string> {
  const db = new Database(rig.catalogPath, { readonly: true });
  try {
    const older = (db.prepare("SELECT id FROM metadata WHERE kind = 'manifest'").all() as { id: string }[]).map((r) => r.id);
    const binary = (db.prepare('SELECT id FROM chunks').all() as { id: Buffer }[]).map((r) => r.id.toString('hex'));
    return new Set([...older, ...binary]);
  } finally {
    db.close();
  }
}

/** A fresh directory for a rig, on tmpfs when there is one (metadata tests measure work, not fsyncs). */
export function rigHome(prefix = 'mayfly-meta-'): string {
  return mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), prefix));
}
