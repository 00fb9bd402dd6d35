import type { Catalog, FileRef } from '../catalog/catalog.js';
import type { RootTree, SchemaTree, TableVersion } from '../catalog/model.js';
import { manifestsOf } from './table-manifests.js';

/**
 * The per-file reference index behind storage metrics: for every file a live
 * database holds, its bytes, how many live databases hold it, and how many
 * distinct table versions of theirs do. It changes only where refs move
 * (commit, create, clone, drop, replace; a swap leaves it as it is), in the
 * same catalog transaction, by the difference between the ref's old and new
 * trees: equal table version ids are skipped unread, so a commit pays for the
 * tables it changed and never for other databases, and a clone or a drop
 * pays for the clone's own files.
 */

/** The distinct files of a table version (data files and delete vectors) and their bytes. */
export function tableVersionFiles(v: TableVersion): Map<string, number> {
  const out = new Map<string, number>();
  for (const f of v.files) out.set(f.key, f.bytes);
  for (const d of v.deletes) out.set(d.key, d.bytes);
  return out;
}

/** The distinct table version ids of a commit's tree (read from its root and schema rows only). */
export function commitTableVersions(catalog: Catalog, commitId: string | null): Set<string> {
  const out = new Set<string>();
  if (commitId === null) return out;
  const root = catalog.getMetadata<RootTree>('root', catalog.getCommit(commitId).tree);
  for (const schemaId of Object.values(root.schemas)) {
    for (const id of Object.values(catalog.getMetadata<SchemaTree>('schema', schemaId).tables)) out.add(id);
  }
  return out;
}

/**
 * Brings the index in step after one database's ref moved from commit `from`
 * to commit `to` (null: the ref did not exist / no longer exists). Call it
 * inside the transaction that moved the ref, after the move: an index not
 * built yet is built from the refs as they now are.
 */
export function updateFileReferences(catalog: Catalog, from: string | null, to: string | null): void {
  if (from === to) return;
  if (!catalog.fileRefsBuilt()) {
    rebuildFileReferences(catalog);
    return;
  }
  // A clone made or a database dropped wholesale moves every file it holds: queued, so creating or destroying
  // a clone stays one row whatever its size; later changes queue behind it, to be applied in order.
  if (from === null || to === null || catalog.hasPendingFileRefs()) {
    catalog.pendFileRefs(from, to);
    return;
  }
  applyFileReferences(catalog, from, to);
}

/**
 * Applies the queued ref changes, in order (inside the caller's write
 * transaction). Each clone's files enter the index once, here: at the first
 * metrics read, meter sample or GC after it.
 */
export function drainFileReferences(catalog: Catalog): void {
  if (!catalog.hasPendingFileRefs()) return;
  for (const { from, to } of cancelWholesalePairs(catalog.pendingFileRefs())) applyFileReferences(catalog, from, to);
  catalog.clearPendingFileRefs();
}

/**
 * Drops each pair of a database made at commit X and a database dropped at
 * X (a clone made and destroyed before the next metrics read): a wholesale
 * change is a function of its commit alone, so the two cancel exactly —
 * provided no change between them reads the index to decide (a commit), so
 * pairs are matched only within a run of wholesale changes.
 */
export function cancelWholesalePairs(changes: readonly FileRefChange[]): FileRefChange[] {
  const dropped = new Set<number>();
  let made = new Map<string, number[]>();
  changes.forEach((c, i) => {
    if (c.from === null && c.to !== null) {
      made.set(c.to, [...(made.get(c.to) ?? []), i]);
    } else if (c.to === null && c.from !== null) {
      const open = made.get(c.from);
      const j = open?.pop();
      if (j !== undefined) {
        dropped.add(i);
        dropped.add(j);
      }
    } else {
      made = new Map();
    }
  });
  return changes.filter((_, i) => !dropped.has(i));
}

/** A queued ref change: commit `from` → `to` (null: no database). */
export interface FileRefChange {
  readonly from: string | null;
  readonly to: string | null;
}

function applyFileReferences(catalog: Catalog, from: string | null, to: string | null): void {
  const before = commitTableVersions(catalog, from);
  const after = commitTableVersions(catalog, to);
  const gained = [...after].filter((id) => !before.has(id));
  const lost = [...before].filter((id) => !after.has(id));
  if (gained.length === 0 && lost.length === 0) return;
  const kept = [...after].filter((id) => before.has(id));
  // Only the chunks the old and new table versions do not share are read: an append into a large table reads its last chunks.
  const diff = manifestsOf(catalog).difference(gained, lost);
  const counts = new Map<string, { bytes: number; gained: number; lost: number }>();
  for (const [key, c] of diff.entries) if (c.gained !== c.lost) counts.set(key, { bytes: c.entry.bytes, gained: c.gained, lost: c.lost });
  // With no table version kept (a clone made, a database dropped or replaced wholesale) every file that enters or leaves does so for the whole database: no row need be read.
  const wholesale = kept.length === 0 && diff.cancelled.length === 0;
  const rows = wholesale ? new Map<string, FileRef>() : catalog.getFileRefs([...counts].filter(([, c]) => c.gained === 0 || c.lost === 0).map(([k]) => k));
  // The files the database holds both before and after outside the entries counted (its kept table versions and the chunks both sides share): read only when an index row cannot tell (see below).
  let keptFiles: Set<string> | undefined;
  const heldByKept = (key: string): boolean => {
    if (wholesale) return false;
    if (keptFiles === undefined) {
      keptFiles = new Set();
      for (const id of kept) for (const k of tableVersionFiles(manifestsOf(catalog).read(id)).keys()) keptFiles.add(k);
      manifestsOf(catalog).entryKeysOf(diff.cancelled, keptFiles);
    }
    return keptFiles.has(key);
  };
  const deltas: FileRef[] = [];
  for (const [key, c] of counts) {
    const row = rows.get(key);
    let holders = 0;
    if (c.gained > 0 && c.lost === 0) {
      // A file nobody holds is new to this database; one others hold may already be in a table it keeps.
      holders = row === undefined || row.holders === 0 || !heldByKept(key) ? 1 : 0;
    } else if (c.lost > 0 && c.gained === 0) {
      // When no database holds the file in two table versions, this one held it only in those it lost.
      holders = (row !== undefined && row.tableVersions === row.holders) || !heldByKept(key) ? -1 : 0;
    }
    const tableVersions = c.gained - c.lost;
    if (holders !== 0 || tableVersions !== 0) deltas.push({ key, bytes: c.bytes, holders, tableVersions });
  }
  catalog.adjustFileRefs(deltas);
}

/** Builds the whole index from the live refs (once per catalog, or to repair it); O(every database's files). */
export function rebuildFileReferences(catalog: Catalog): void {
  const rows = new Map<string, { bytes: number; holders: number; tableVersions: number }>();
  for (const ref of catalog.listRefs()) {
    const held = new Set<string>();
    for (const id of commitTableVersions(catalog, ref.commitId)) {
      for (const [key, bytes] of tableVersionFiles(manifestsOf(catalog).read(id))) {
        const r = rows.get(key) ?? { bytes, holders: 0, tableVersions: 0 };
        r.tableVersions++;
        if (!held.has(key)) r.holders++;
        held.add(key);
        rows.set(key, r);
      }
    }
  }
  catalog.rebuildFileRefs([...rows].map(([key, r]) => ({ key, ...r })));
}

/** Builds the index if this catalog does not have it yet (an existing warehouse, first use after an upgrade), and applies the queued ref changes. */
export function ensureFileReferences(catalog: Catalog): void {
  if (catalog.fileRefsBuilt() && !catalog.hasPendingFileRefs()) return;
  catalog.atomically(() => {
    if (!catalog.fileRefsBuilt()) rebuildFileReferences(catalog);
    else drainFileReferences(catalog);
  });
}
