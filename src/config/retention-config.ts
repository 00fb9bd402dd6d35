import { z } from 'zod';

const TABLE_KEY = /^[a-z_][a-z0-9_$]*\.[a-z_][a-z0-9_$]*$/;
const TABLE_KEY_MESSAGE = 'a table as schema.table in lower case, such as staging.orders_a';

/** One table's retention policy: the date column that partitions its data, and how many days production keeps. */
const tablePolicySchema = z.strictObject(
  {
    column: z.string({ error: 'the name of the DATE or TIMESTAMP column the data is partitioned by, such as load_date' }).min(1, 'a column name'),
    days: z
      .number({ error: 'a whole number of days, such as 90' })
      .int('a whole number of days, such as 90')
      .min(1, 'at least 1 day')
      .max(36_500, 'at most 36500 days'),
  },
  { error: (iss) => (iss.code === 'unrecognized_keys' ? `unknown key ${iss.keys.join(', ')} (allowed: column, days)` : 'an object { column: load_date, days: 90 }') },
);

/** The `mayfly.yaml` sections of the retention module, as top-level keys (merged into the file's schema). */
export const retentionConfigShape = {
  /** `schema.table: { column: load_date, days: 90 }` per table of production with a retention policy. */
  retention: z
    .record(
      z.string().regex(TABLE_KEY, TABLE_KEY_MESSAGE),
      tablePolicySchema,
      {
        error: (iss) =>
          iss.code === 'invalid_key' ? `${TABLE_KEY_MESSAGE} (not ${JSON.stringify(iss.path?.at(-1) ?? '')})` : iss.code === 'invalid_type' ? 'a map of schema.table: { column: load_date, days: 90 }' : undefined,
      },
    )
    .default({}),
} satisfies Record<string, z.ZodType>;

/** One table's retention policy as written in `mayfly.yaml`. */
export type TableRetentionConfig = z.infer<typeof tablePolicySchema>;
