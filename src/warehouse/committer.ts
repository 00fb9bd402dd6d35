import { conflict, forbidden, notFound, type MayflyError } from '../core/errors.js';
import { contentId } from '../core/ids.js';
import type { Clock } from '../core/clock.js';
import type { Catalog } from '../catalog/catalog.js';
import type { Commit } from '../catalog/model.js';
import type { ObjectStore } from '../storage/object-store.js';
import { updateFileReferences } from './file-references.js';
import { prunedBaseConflict } from './pruned-base.js';
import { changedKeys, overlappingKey, WorkingTree } from './working-tree.js';

/** What a commit needs from the warehouse. */
export interface CommitContext {
  readonly catalog: Catalog;
  readonly store: ObjectStore;
  readonly clock: Clock;
}

/**
 * Commits a working tree to database `db` as a compare-and-swap of its ref.
 * If another commit landed since `base`, the change is replayed on top of it
 * when the two touched different objects, and refused with WRITE_CONFLICT
 * otherwise. Files are checked to exist inside the transaction, so a GC that
 * ran meanwhile can never leave the commit pointing at a missing file.
 * `writeOnly` (SessionOptions.writeOnly) is the only database the caller may
 * change: any other ref is refused here, where refs move (WRITE_OUTSIDE_TARGET).
 */
export function commitTree(ctx: CommitContext, db: string, base: string, tree: WorkingTree, message: string, unit: 'statement' | 'transaction' = 'statement', writeOnly?: string): Commit {
  if (writeOnly !== undefined && db !== writeOnly) throw writeOutsideTarget(db, writeOnly);
  try {
    return commitAtomically(ctx, db, base, tree, message, unit);
  } catch (e) {
    throw prunedBaseConflict(e, unit);
  }
}

function commitAtomically(ctx: CommitContext, db: string, base: string, tree: WorkingTree, message: string, unit: 'statement' | 'transaction'): Commit {
  let target = tree;
  const commit = ctx.catalog.atomically(() => {
    const ref = ctx.catalog.getRef(db);
    if (!ref) throw notFound('DB_NOT_FOUND', `database ${db} does not exist (it was dropped while this statement ran)`);
    target = tree;
    if (ref.commitId !== base) {
      const baseRoot = ctx.catalog.getCommit(base).tree;
      const headRoot = ctx.catalog.getCommit(ref.commitId).tree;
      const theirs = changedKeys(ctx.catalog, baseRoot, headRoot);
      const clash = overlappingKey(tree.changed, theirs);
      if (clash !== undefined) {
        throw conflict(
          'WRITE_CONFLICT',
          `${db}.${clash.replace('/', '.')} was changed by another session since this ${unit} read it; nothing was applied — run the ${unit} again`,
        );
      }
      target = tree.replayOnto(WorkingTree.load(ctx.catalog, headRoot));
    }
    for (const key of target.addedFileKeys()) {
      if (!ctx.store.exists(key)) {
        // Only a GC whose grace period is shorter than this write took can do this: retrying is safe.
        throw conflict('OBJECT_MISSING', `data file ${key} was removed by a garbage collection before this ${unit} committed; nothing was applied — run the ${unit} again (and keep gcGrace longer than your longest write)`);
      }
    }
    const root = target.persist();
    const createdAt = ctx.clock.now();
    const commit: Commit = { id: contentId('commit:v1', ref.commitId, root, String(createdAt), message), parent: ref.commitId, tree: root, createdAt, message };
    ctx.catalog.putCommit(commit);
    ctx.catalog.moveRef(db, commit.id, createdAt, 'commit');
    updateFileReferences(ctx.catalog, ref.commitId, commit.id);
    return commit;
  });
  // Durable now: later commits need not write the chunks this one wrote again.
  target.committed();
  return commit;
}

/** The refusal of a change to `db` by a session confined to `target`: WRITE_OUTSIDE_TARGET. */
export function writeOutsideTarget(db: string, target: string): MayflyError {
  return forbidden('WRITE_OUTSIDE_TARGET', `this run writes only database ${target}; it may not change ${db} (nothing was applied)`);
}

/** Stores the first commit of a new, empty database and returns it. */
export function initialCommit(ctx: CommitContext, tree: WorkingTree, message: string): Commit {
  const root = tree.persist();
  const createdAt = ctx.clock.now();
  const commit: Commit = { id: contentId('commit:v1', '', root, String(createdAt), message), parent: null, tree: root, createdAt, message };
  ctx.catalog.putCommit(commit);
  // The caller's transaction (if any) may still roll back, so the chunks are not marked as stored: a later commit rewrites them idempotently.
  return commit;
}
