/**
 * The schema where the control plane keeps a database's own versioned
 * records (load history, deployment log): cloned and time-travelled with the
 * data. User SQL may read it; only trusted sessions write it.
 */
export const SYSTEM_SCHEMA = 'mayfly';

/** System tables whose rows describe one table each (by their `target_table` column): they travel with that table when it is cloned. */
export const TABLE_KEYED_SYSTEM_TABLES = ['load_history', 'load_errors'] as const;

// These names live apart from session.ts and clone-history.ts so that the
// warehouse facade can use them without loading the SQL layer: a command that
// runs no SQL (`clone list`, `clone create`) never reads the parser.
