/** Rows per INSERT by default: fewer, larger statements and data files; progress still moves on 100,000 rows. */
export const DEFAULT_BATCH_ROWS = 20_000;
