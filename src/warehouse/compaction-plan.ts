import type { DataFile, DeleteFile, TableVersion } from '../catalog/model.js';

/** Default share of a data file's rows that must be deleted before compaction rewrites it (10 %). */
export const DEFAULT_DELETED_FRACTION = 0.1;

/**
 * A table left with more delete vectors than this has those it owns folded
 * into one: every read of a changed file opens each vector naming it, while
 * folding rewrites only delete-vector bytes, never data.
 */
export const FOLD_DELETE_VECTORS_ABOVE = 8;

/** What makes a data file worth rewriting. */
export interface CompactionThresholds {
  /** A file with more than this share of its rows deleted is rewritten without them. */
  readonly deletedFraction: number;
  /** Files below this size are merged together, up to the target file size. */
  readonly smallFileBytes: number;
  /** Rewrite every file with a deleted row and every small file (the behaviour before partial compaction). */
  readonly full: boolean;
}

/** Which files of one table a compaction rewrites, and what becomes of its delete vectors. */
export interface CompactionPlan {
  /** Data files read and written anew (without their deleted rows). */
  readonly rewrite: readonly DataFile[];
  /** Data files left as they are. */
  readonly kept: readonly DataFile[];
  /** Delete vectors all of whose targets are kept: left as they are. */
  readonly keptDeletes: readonly DeleteFile[];
  /** Delete vectors targeting kept and rewritten files: rewritten with the kept files' rows only. */
  readonly trimmedDeletes: readonly DeleteFile[];
  /** Delete vectors targeting only rewritten files: dropped. */
  readonly droppedDeletes: readonly DeleteFile[];
  /** Delete vectors all of whose targets are kept, folded with the trimmed ones into one (see {@link FOLD_DELETE_VECTORS_ABOVE}). */
  readonly mergedDeletes: readonly DeleteFile[];
}

/**
 * Plans the compaction of one table version. `deleted` gives the deleted rows
 * per data file key; `mayRewrite` says which files this compaction may touch
 * (files shared with another database are not, unless asked). A file is
 * rewritten when its deleted share passes the threshold, or when it is small
 * and at least one other small file merges with it. Delete vectors it may
 * rewrite are folded into one when the table has too many; nothing is planned
 * when the rewrite would gain nothing.
 */
export function planCompaction(
  v: TableVersion,
  deleted: ReadonlyMap<string, number>,
  mayRewrite: (key: string) => boolean,
  t: CompactionThresholds,
): CompactionPlan | undefined {
  const candidates = v.files.filter((f) => mayRewrite(f.key));
  const hasDeletes = (f: DataFile): boolean => (deleted.get(f.key) ?? 0) > 0;
  const tooDeleted = (f: DataFile): boolean => (deleted.get(f.key) ?? 0) > t.deletedFraction * f.rows;
  const small = candidates.filter((f) => f.bytes < t.smallFileBytes);
  // One small file alone is rewritten only for its deletes: merging it with nothing gains nothing.
  const merge = small.length > 1 ? small : [];
  const chosen = new Set<string>();
  for (const f of candidates) {
    if (t.full ? hasDeletes(f) || f.bytes < t.smallFileBytes : tooDeleted(f)) chosen.add(f.key);
  }
  for (const f of merge) chosen.add(f.key);
  const rewrite = v.files.filter((f) => chosen.has(f.key));
  const kept = new Set(v.files.filter((f) => !chosen.has(f.key)).map((f) => f.key));
  let keptDeletes: DeleteFile[] = [];
  const trimmedDeletes: DeleteFile[] = [];
  const droppedDeletes: DeleteFile[] = [];
  for (const d of v.deletes) {
    // Targets no longer in the table (rewritten now, or gone before) need no delete rows.
    const live = d.targets.filter((k) => kept.has(k)).length;
    if (live === 0) droppedDeletes.push(d);
    else if (live === d.targets.length) keptDeletes.push(d);
    else trimmedDeletes.push(d);
  }
  // Vectors another database or table version holds stay: folding them would copy their rows, not free them.
  let mergedDeletes: DeleteFile[] = [];
  if (keptDeletes.length + trimmedDeletes.length > FOLD_DELETE_VECTORS_ABOVE) {
    mergedDeletes = keptDeletes.filter((d) => mayRewrite(d.key));
    if (mergedDeletes.length + trimmedDeletes.length < 2) mergedDeletes = [];
    keptDeletes = keptDeletes.filter((d) => !mergedDeletes.includes(d));
  }
  const worthIt = rewrite.length > 1 || rewrite.some(hasDeletes) || droppedDeletes.length + trimmedDeletes.length + mergedDeletes.length > 0;
  if (!worthIt) return undefined;
  return { rewrite, kept: v.files.filter((f) => kept.has(f.key)), keptDeletes, trimmedDeletes, droppedDeletes, mergedDeletes };
}
