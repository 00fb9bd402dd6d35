import { z } from 'zod';
import { COMPRESSIONS, FILE_TYPES, ON_ERROR_ACTIONS } from '../sql/landing-format.js';

/** Kinds of stage: a local directory (an S3-compatible bucket can be added later). */
export const STAGE_TYPES = ['local'] as const;
/** One of {@link STAGE_TYPES}. */
export type StageType = (typeof STAGE_TYPES)[number];

const NAME = /^[a-z_][a-z0-9_$]*$/;
const QUALIFIED = /^[a-z_][a-z0-9_$]*\.[a-z_][a-z0-9_$]*$/;

const stageSchema = z
  .object({
    type: z.enum(STAGE_TYPES, { message: `one of ${STAGE_TYPES.join(', ')}` }).default('local'),
    /** The directory, relative to mayfly.yaml. */
    path: z.string({ message: 'a directory, relative to mayfly.yaml' }).min(1, 'a directory, relative to mayfly.yaml'),
  })
  .strict();

const formatSchema = z
  .object({
    type: z.enum(FILE_TYPES, { message: `one of ${FILE_TYPES.join(', ')}` }).default('csv'),
    fieldDelimiter: z.string().min(1).max(4).optional(),
    skipHeader: z.number().int().min(0).max(1000).optional(),
    /** The quote character, or '' for none. */
    quote: z.string().max(1).optional(),
    dateFormat: z.string().min(1).optional(),
    timestampFormat: z.string().min(1).optional(),
    compression: z.enum(COMPRESSIONS, { message: `one of ${COMPRESSIONS.join(', ')}` }).default('auto'),
    nullIf: z.array(z.string()).optional(),
  })
  .strict();

/** A declared pipe: either the `COPY INTO …` text, or its parts. */
const pipeSchema = z
  .object({
    /** `COPY INTO staging.customers_a FROM @raw/source_a/customers/ FILE_FORMAT = (…)`. */
    copy: z.string().min(1).optional(),
    /** The table: `schema.table`. */
    into: z.string().regex(QUALIFIED, 'a table as schema.table').optional(),
    /** The stage location: `@raw/source_a/customers/`. */
    from: z.string().regex(/^@[a-z_][a-z0-9_$]*(\/.*)?$/, 'a stage location such as @raw/source_a/customers/').optional(),
    /** A regular expression the file's stage path must match in full. */
    pattern: z.string().min(1).optional(),
    format: formatSchema.optional(),
    onError: z.enum(ON_ERROR_ACTIONS, { message: `one of ${ON_ERROR_ACTIONS.join(', ')}` }).optional(),
  })
  .strict()
  .superRefine((p, ctx) => {
    const parts = p.into !== undefined || p.from !== undefined || p.pattern !== undefined || p.format !== undefined || p.onError !== undefined;
    if (p.copy !== undefined && parts) ctx.addIssue({ code: 'custom', message: 'give either copy (the COPY INTO text) or into/from/pattern/format/onError, not both' });
    if (p.copy === undefined && (p.into === undefined || p.from === undefined)) ctx.addIssue({ code: 'custom', message: 'a pipe needs copy: "COPY INTO …", or into: schema.table and from: @stage/path' });
  });

/** A stage as configured. */
export type StageConfig = z.infer<typeof stageSchema>;
/** A declared pipe as configured. */
export type PipeConfig = z.infer<typeof pipeSchema>;

/** The `mayfly.yaml` sections of the ingest module, as top-level keys (merged into the file's schema). */
export const ingestConfigShape = {
  /** Landing locations by name: `raw: { path: landing }` (pipes read `@raw/…`). */
  stages: z.record(z.string().regex(NAME, 'a stage name: lower-case letters, digits and _'), stageSchema).default({}),
  /** Pipes declared by name (`staging.load_customers_a`), created in a database by `mayfly pipe sync`. */
  pipes: z.record(z.string().regex(QUALIFIED, 'a pipe name as schema.name'), pipeSchema).default({}),
} satisfies Record<string, z.ZodType>;
