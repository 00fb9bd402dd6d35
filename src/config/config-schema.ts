import { z } from 'zod';
import { invalid } from '../core/errors.js';
import { DEFAULT_JOB_STATEMENT_TIMEOUT, DEFAULT_STATEMENT_TIMEOUT } from './statement-limits.js';
import { parseDuration } from '../core/duration.js';
import { timeoutProblem } from './statement-limits.js';
import { clonesConfigShape } from './clones-config.js';
import { costsConfigShape } from './costs-config.js';
import { ingestConfigShape } from './ingest-config.js';
import { orchestrateConfigShape } from './orchestrate-config.js';
import { retentionConfigShape } from './retention-config.js';

// The zod schema of mayfly.yaml, apart from loading: zod and the schemas cost about 0.15 s to load,
// so `loadConfig` reads this module only when a configuration it has not validated before needs it.

const DURATION = /^\s*\d+(\.\d+)?\s*(ms|s|m|h|d|w)\s*$/;
const duration = z.string().refine((s) => DURATION.test(s), { message: 'a duration such as 90s, 15m, 12h, 7d or 2w' });

const size = z.string().refine((s) => /^\s*\d+(\.\d+)?\s*(b|kb|mb|gb)\s*$/i.test(s), { message: 'a size such as 512KB, 128MB or 1GB' });

/** The schema of `mayfly.yaml`; unknown keys are refused so typos surface. */
export const mayflyConfigSchema = z
  .object({
    home: z.string().min(1).optional(),
    production: z.string().regex(/^[a-z_][a-z0-9_$]*$/, 'a lower-case database name').default('prod'),
    timeTravel: duration.default('7d'),
    gcGrace: duration.default('1h'),
    /** Longest one statement of user SQL may run; `mayfly sql --timeout` overrides it per session. */
    statementTimeout: duration.default(DEFAULT_STATEMENT_TIMEOUT),
    /** Longest one statement of a job (pipe load, DAG model, deployment) may run. */
    jobStatementTimeout: duration.default(DEFAULT_JOB_STATEMENT_TIMEOUT),
    targetFileSize: size.default('128MB'),
    smallFileSize: size.default('8MB'),
    /** Bound of each process's cache of parsed catalog metadata (manifest chunks, table versions). */
    catalogCacheSize: size.default('32MB'),
    engine: z
      .object({
        threads: z.number().int().min(1).max(64).default(2),
        memoryLimit: z.string().regex(/^\d+(\.\d+)?\s*(MB|GB|TB|MiB|GiB)$/i, 'a memory size such as 4GB').default('4GB'),
      })
      .strict()
      .default({ threads: 2, memoryLimit: '4GB' }),
    ...clonesConfigShape,
    ...retentionConfigShape,
    ...costsConfigShape,
    ...ingestConfigShape,
    ...orchestrateConfigShape,
  })
  .strict()
  .superRefine((c, ctx) => {
    // Each duration is checked by its own field; only compare the ones that parsed.
    const ms = (text: string): number => (DURATION.test(text) ? parseDuration(text) : NaN);
    const settings = { timeTravelMs: ms(c.timeTravel), gcGraceMs: ms(c.gcGrace) };
    if (Number.isNaN(settings.timeTravelMs) || Number.isNaN(settings.gcGraceMs)) return;
    for (const key of ['statementTimeout', 'jobStatementTimeout'] as const) {
      const limit = ms(c[key]);
      const problem = Number.isNaN(limit) ? undefined : timeoutProblem(limit, settings);
      if (problem) ctx.addIssue({ code: 'custom', path: [key], message: `unsafe: ${problem}` });
    }
  });

/** `mayfly.yaml` as validated, with defaults applied. */
export type MayflyConfig = z.infer<typeof mayflyConfigSchema>;

/** Validates a parsed `mayfly.yaml`, naming the field and the allowed values on error. */
export function validateWithSchema(raw: unknown, source = 'mayfly.yaml'): MayflyConfig {
  const r = mayflyConfigSchema.safeParse(raw ?? {});
  if (!r.success) {
    const lines = r.error.issues.map((i) => `${i.path.join('.') || '(top level)'}: ${i.message}`);
    throw invalid('CONFIG_INVALID', `${source} is invalid:\n  ${lines.join('\n  ')}`);
  }
  return r.data;
}

