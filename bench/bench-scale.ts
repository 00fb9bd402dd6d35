/** The sizes one benchmark run uses; `--quick` divides every size by about 10. */
export interface BenchScale {
  readonly quick: boolean;
  /** (a) the small warehouse: one table. */
  readonly small: { readonly files: number; readonly rowsPerFile: number };
  /** (b) the ~1 GB warehouse: the events table (also the query, update and GC table). */
  readonly large: { readonly files: number; readonly rowsPerFile: number };
  /** (c) many tables of tiny files; generation stops early when it would pass `budgetMs`. */
  readonly many: { readonly tables: number; readonly filesPerTable: number; readonly rowsPerFile: number; readonly tablesPerBatch: number; readonly budgetMs: number };
  /** Measured clones per size, after `warmupClones`. */
  readonly clones: number;
  readonly warmupClones: number;
  /** Timed runs per query and variant, after one warm-up. */
  readonly queryRuns: number;
  /** One-row updates measured in a clone. */
  readonly updates: number;
  /** Clones written into and dropped before GC. */
  readonly gcClones: number;
}

/** The full benchmark (sizes of the issue). */
export const FULL_SCALE: BenchScale = {
  quick: false,
  small: { files: 10, rowsPerFile: 10_000 },
  large: { files: 1_000, rowsPerFile: 10_000 },
  many: { tables: 1_000, filesPerTable: 100, rowsPerFile: 5, tablesPerBatch: 100, budgetMs: 180_000 },
  clones: 50,
  warmupClones: 5,
  queryRuns: 9,
  updates: 3,
  gcClones: 20,
};

/** A smoke run: every size about 10× smaller. */
export const QUICK_SCALE: BenchScale = {
  quick: true,
  small: { files: 10, rowsPerFile: 1_000 },
  large: { files: 100, rowsPerFile: 10_000 },
  many: { tables: 100, filesPerTable: 100, rowsPerFile: 5, tablesPerBatch: 50, budgetMs: 18_000 },
  clones: 50,
  warmupClones: 5,
  queryRuns: 5,
  updates: 3,
  gcClones: 5,
};
