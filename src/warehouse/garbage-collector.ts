import { drainFileReferences } from './file-references.js';
import { rmSync, statSync } from 'node:fs';
import { internal } from '../core/errors.js';
import type { Clock } from '../core/clock.js';
import type { Catalog } from '../catalog/catalog.js';
import type { RootTree, SchemaTree } from '../catalog/model.js';
import type { ObjectStore } from '../storage/object-store.js';
import { prunePurgeBoundaries, purgedOnlyFiles } from './purge-boundaries.js';
import { manifestsOf } from './table-manifests.js';

/** What a GC run found and removed. */
export interface GcReport {
  readonly filesScanned: number;
  readonly filesReachable: number;
  /** Reachable only from commits of the time-travel window: no live database uses them. */
  readonly filesKeptForTimeTravel: number;
  /** Unreachable, but younger than the grace period (they may belong to a write in flight). */
  readonly filesInGracePeriod: number;
  readonly filesDeleted: number;
  /** Of the files deleted, those the time-travel window still reached but that held only rows retention purged. */
  readonly filesPurgedByRetention: number;
  readonly bytesReclaimed: number;
  readonly commitsPruned: number;
  readonly metadataPruned: number;
  readonly stagingFilesRemoved: number;
  readonly dryRun: boolean;
  readonly elapsedMs: number;
}

/** Options of a GC run. */
export interface GcOptions {
  readonly dryRun?: boolean;
  /** Called as files are scanned. */
  readonly onProgress?: (done: number, total: number) => void;
}

/**
 * Mark and sweep. Marks every commit a live database points at, every commit
 * of the time-travel window (and the state at its start), and what they reach;
 * sweeps files that nothing reaches and that are older than the grace period.
 * The sweep runs inside the catalog's write lock and re-marks there, so a
 * commit can never land between the mark and the delete of a file it uses.
 */
export async function collectGarbage(
  ctx: { readonly catalog: Catalog; readonly store: ObjectStore; readonly clock: Clock; readonly settings: { readonly timeTravelMs: number; readonly gcGraceMs: number } },
  options: GcOptions = {},
): Promise<GcReport> {
  const started = performance.now();
  const now = ctx.clock.now();
  const windowStart = now - ctx.settings.timeTravelMs;
  const graceStart = now - ctx.settings.gcGraceMs;
  // List outside the lock: only files already older than the grace period are candidates.
  const candidates: { key: string; bytes: number }[] = [];
  const young: string[] = [];
  let scanned = 0;
  for await (const o of ctx.store.list()) {
    scanned++;
    if (o.touchedAt < graceStart) candidates.push({ key: o.key, bytes: o.bytes });
    else young.push(o.key);
    if (scanned % 1000 === 0) options.onProgress?.(scanned, 0);
  }
  const swept = ctx.catalog.atomically(() => {
    // Queued ref changes name commits this sweep may prune: the index takes them first.
    if (ctx.catalog.fileRefsBuilt()) drainFileReferences(ctx.catalog);
    const mark = markReachable(ctx.catalog, windowStart);
    // Time travel to a state holding rows retention purged is refused, so only live databases keep the files that held only them.
    const purged = purgedOnlyFiles(ctx.catalog);
    const keep = (key: string): boolean => mark.live.has(key) || (mark.files.has(key) && !purged.has(key));
    let deleted = 0;
    let purgedDeleted = 0;
    let bytes = 0;
    for (const c of candidates) {
      if (keep(c.key)) continue;
      const path = ctx.store.localPath(c.key);
      // Re-check the time under the lock: a writer may have re-used this content since the listing.
      const s = statSync(path, { throwIfNoEntry: false });
      if (!s || s.mtimeMs >= graceStart) continue;
      if (!options.dryRun) rmSync(path, { force: true });
      deleted++;
      if (mark.files.has(c.key)) purgedDeleted++;
      bytes += c.bytes;
    }
    const ids = ctx.catalog.allIds();
    const commits = ids.commits.filter((id) => !mark.commits.has(id));
    const metadata = ids.metadata.filter((m) => !mark.metadata.has(m.id)).map((m) => m.id);
    if (!options.dryRun) {
      ctx.catalog.prune(commits, metadata, windowStart);
      // Chunks this process remembers as stored may be among the pruned: the next commit writes them again.
      if (metadata.length > 0) manifestsOf(ctx.catalog).forgetStored();
      prunePurgeBoundaries(ctx.catalog, windowStart, (f) => mark.files.has(f));
    }
    return {
      deleted,
      purgedDeleted,
      bytes,
      reachable: [...mark.files].filter(keep).length,
      timeTravelOnly: [...mark.files].filter((k) => keep(k) && !mark.live.has(k)).length,
      inGrace: young.filter((k) => !mark.files.has(k)).length,
      commits: commits.length,
      metadata: metadata.length,
    };
  });
  const staging = options.dryRun ? 0 : await ctx.store.sweepStaging(graceStart);
  options.onProgress?.(scanned, scanned);
  return {
    filesScanned: scanned,
    filesReachable: swept.reachable,
    filesKeptForTimeTravel: swept.timeTravelOnly,
    filesInGracePeriod: swept.inGrace,
    filesDeleted: swept.deleted,
    filesPurgedByRetention: swept.purgedDeleted,
    bytesReclaimed: swept.bytes,
    commitsPruned: swept.commits,
    metadataPruned: swept.metadata,
    stagingFilesRemoved: staging,
    dryRun: options.dryRun ?? false,
    elapsedMs: performance.now() - started,
  };
}

/**
 * Everything reachable from live refs and the time-travel window. The commit
 * each clone was taken from keeps its metadata (not its files), so storage
 * metrics can still tell which of a clone's files it inherited.
 */
export function markReachable(
  catalog: Catalog,
  windowStart: number,
): { commits: Set<string>; metadata: Set<string>; files: Set<string>; liveFiles: number; live: ReadonlySet<string> } {
  const mark = { commits: new Set<string>(), metadata: new Set<string>(), files: new Set<string>(), filesOf: new Set<string>() };
  const roots = new Set<string>();
  const clonePoints = new Set<string>();
  for (const r of catalog.listRefs()) {
    roots.add(r.commitId);
    markCommit(catalog, r.commitId, mark, true);
    if (r.source) clonePoints.add(r.source.commitId);
  }
  const liveFiles = mark.files.size;
  const live = new Set(mark.files);
  const latestBefore = new Map<string, string | null>();
  for (const e of catalog.refLogSince(0)) {
    if (e.at >= windowStart) {
      if (e.commitId) roots.add(e.commitId);
    } else latestBefore.set(e.name, e.commitId);
  }
  for (const id of latestBefore.values()) if (id) roots.add(id);
  for (const id of roots) markCommit(catalog, id, mark, true);
  for (const id of clonePoints) if (!roots.has(id)) markCommit(catalog, id, mark, false);
  return { commits: mark.commits, metadata: mark.metadata, files: mark.files, liveFiles, live };
}

/** What marking has reached; `filesOf` are the manifests whose files are marked (a clone point marks manifests without their files). */
interface Marks {
  commits: Set<string>;
  metadata: Set<string>;
  files: Set<string>;
  filesOf: Set<string>;
}

function markCommit(catalog: Catalog, id: string, mark: Marks, withFiles: boolean): void {
  let commit;
  try {
    commit = catalog.getCommit(id);
  } catch {
    // A clone point collected before this rule existed: nothing left to keep.
    if (withFiles) throw internal('CATALOG_MISSING_COMMIT', `commit ${id} is missing from the catalog`);
    return;
  }
  mark.commits.add(id);
  const root = commit.tree;
  if (mark.metadata.has(root) && withFiles) return;
  mark.metadata.add(root);
  for (const schemaId of Object.values(catalog.getMetadata<RootTree>('root', root).schemas)) {
    mark.metadata.add(schemaId);
    for (const tableId of Object.values(catalog.getMetadata<SchemaTree>('schema', schemaId).tables)) {
      if (withFiles ? mark.filesOf.has(tableId) : mark.metadata.has(tableId)) continue;
      mark.metadata.add(tableId);
      if (withFiles) mark.filesOf.add(tableId);
      // A manifest is reachable iff a reachable table version lists it; one shared by many versions is read once.
      const visitChunk = (chunkId: string): boolean => {
        if (withFiles ? mark.filesOf.has(chunkId) : mark.metadata.has(chunkId)) return false;
        mark.metadata.add(chunkId);
        if (withFiles) mark.filesOf.add(chunkId);
        return true;
      };
      manifestsOf(catalog).walk(tableId, visitChunk, withFiles ? (e) => mark.files.add(e.key) : undefined);
    }
  }
}
