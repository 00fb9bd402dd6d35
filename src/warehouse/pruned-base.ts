import { conflict, isMayflyError, type MayflyError } from '../core/errors.js';

/**
 * Turns the catalog's "missing commit / metadata" into what it means for a
 * statement in flight: garbage collection pruned the commit it started from
 * (the statement outlived the time-travel window). Nothing was applied and
 * running it again starts from the current commit, so it is a retryable
 * conflict (BASE_PRUNED, exit 1), not an internal error. Other errors pass through.
 */
export function prunedBaseConflict(e: unknown, unit: 'statement' | 'transaction' = 'statement'): unknown {
  if (!isMayflyError(e, 'CATALOG_MISSING_COMMIT') && !isMayflyError(e, 'CATALOG_MISSING_METADATA')) return e;
  const error: MayflyError = conflict(
    'BASE_PRUNED',
    `the database state this ${unit} started from was removed by garbage collection meanwhile (it outlived the time-travel window); nothing was applied — run the ${unit} again (and keep timeTravel longer than your longest ${unit})`,
  );
  return error;
}
