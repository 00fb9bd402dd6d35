import { z } from 'zod';

/** The most models a DAG run builds at once. */
export const MAX_DAG_THREADS = 32;

const folder = z.string({ message: 'a folder path, relative to mayfly.yaml' }).min(1, 'a folder path, relative to mayfly.yaml');

/** One named DAG: a selection of the models, at a version, with its parallelism. */
export const dagConfigSchema = z
  .object({
    description: z.string().optional(),
    /** The version folder it runs unless `--version` says otherwise (`v1`). */
    version: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'a version folder name such as v1').optional(),
    /** Selectors (`rdv`, `pl.customer_summary`, `+pl.customer_summary`, `tag:daily`); none means every model. */
    select: z.array(z.string().min(1)).default([]),
    /** Models built at once (default 2). */
    threads: z.number().int().min(1).max(MAX_DAG_THREADS, `at most ${MAX_DAG_THREADS}`).optional(),
  })
  .strict();

/** A named DAG as configured. */
export type DagConfig = z.infer<typeof dagConfigSchema>;

/** The `mayfly.yaml` sections of the orchestrate module, as top-level keys (merged into the file's schema). */
export const orchestrateConfigShape = {
  /** The models folder: `<layer>/<name>.sql`, or `<version>/<layer>/<name>.sql` for versioned DAGs. */
  models: folder.default('models'),
  /** Named DAGs: `datavault: { version: v1, select: [rdv, bdv, pl] }`. */
  dags: z
    .record(z.string().regex(/^[a-z][a-z0-9_-]*$/, 'a DAG name: lower-case letters, digits, _ and -'), dagConfigSchema)
    .default({}),
  /** The folder of deployment scripts (`V1__create_staging.sql`, `R__views.sql`) `mayfly deploy` applies by default. */
  deployments: folder.default('migrations'),
} satisfies Record<string, z.ZodType>;
