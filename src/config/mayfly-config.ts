import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { invalid } from '../core/errors.js';
import { parseDuration } from '../core/duration.js';
import type { WarehouseSettings } from '../warehouse/warehouse-settings.js';
import { timeoutProblem } from './statement-limits.js';
import { clonesConfigShape } from './clones-config.js';
import { costsConfigShape } from './costs-config.js';
import { ingestConfigShape } from './ingest-config.js';
import { orchestrateConfigShape } from './orchestrate-config.js';
import { retentionConfigShape } from './retention-config.js';

const SIZE_UNITS: Readonly<Record<string, number>> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

const DURATION = /^\s*\d+(\.\d+)?\s*(ms|s|m|h|d|w)\s*$/;
const duration = z.string().refine((s) => DURATION.test(s), { message: 'a duration such as 90s, 15m, 12h, 7d or 2w' });

/** How long a statement of user SQL may run by default. */
export const DEFAULT_STATEMENT_TIMEOUT = '5m';
/** How long a statement of a pipe, DAG or deployment may run by default (they move more data than a query). */
export const DEFAULT_JOB_STATEMENT_TIMEOUT = '30m';
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

/** Resolved configuration: the warehouse settings (sizes and durations in numbers) and the absolute home. */
export interface ResolvedConfig extends WarehouseSettings {
  readonly home: string;
  /** The file the configuration came from, if any. */
  readonly file?: string;
  /** The whole validated file (control-plane sections: clones, retention, prices, stages, pipes, models, …). */
  readonly project: MayflyConfig;
  /** The directory relative paths in the file resolve against (the file's folder, or the working directory). */
  readonly projectDir: string;
}

/** Parses `512KB`, `128MB`, `1GB` into bytes. */
export function parseSize(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)\s*$/i.exec(text);
  if (!m?.[2]) throw invalid('INVALID_SIZE', `invalid size ${JSON.stringify(text)}: use e.g. 128MB`);
  return Math.round(Number(m[1]) * (SIZE_UNITS[m[2].toLowerCase()] ?? 1));
}

/** Validates a parsed `mayfly.yaml`, naming the field and the allowed values on error. */
export function validateConfig(raw: unknown, source = 'mayfly.yaml'): MayflyConfig {
  const r = mayflyConfigSchema.safeParse(raw ?? {});
  if (!r.success) {
    const lines = r.error.issues.map((i) => `${i.path.join('.') || '(top level)'}: ${i.message}`);
    throw invalid('CONFIG_INVALID', `${source} is invalid:\n  ${lines.join('\n  ')}`);
  }
  return r.data;
}

/**
 * Loads configuration: `mayfly.yaml` from `configPath` or the working
 * directory (optional), then the home from `--home`, `MAYFLY_HOME`, the file,
 * or `./.mayfly`, in that order.
 */
export function loadConfig(options: { configPath?: string; home?: string; cwd?: string; env?: NodeJS.ProcessEnv } = {}): ResolvedConfig {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const file = options.configPath ? resolve(cwd, options.configPath) : resolve(cwd, 'mayfly.yaml');
  let raw: unknown = {};
  const found = existsSync(file);
  if (options.configPath && !found) throw invalid('CONFIG_NOT_FOUND', `configuration file ${file} does not exist`);
  if (found) {
    try {
      raw = parseYaml(readFileSync(file, 'utf8'));
    } catch (e) {
      throw invalid('CONFIG_INVALID', `${file} is not valid YAML: ${(e as Error).message}`);
    }
  }
  const c = validateConfig(raw, file);
  const home = options.home ?? env.MAYFLY_HOME ?? (c.home !== undefined ? resolve(dirname(file), c.home) : resolve(cwd, '.mayfly'));
  return {
    home: resolve(cwd, home),
    production: c.production,
    timeTravelMs: parseDuration(c.timeTravel, 'timeTravel'),
    gcGraceMs: parseDuration(c.gcGrace, 'gcGrace'),
    statementTimeoutMs: parseDuration(c.statementTimeout, 'statementTimeout'),
    jobStatementTimeoutMs: parseDuration(c.jobStatementTimeout, 'jobStatementTimeout'),
    targetFileBytes: parseSize(c.targetFileSize),
    smallFileBytes: parseSize(c.smallFileSize),
    threads: c.engine.threads,
    memoryLimit: c.engine.memoryLimit,
    project: c,
    projectDir: found ? dirname(file) : cwd,
    ...(found ? { file } : {}),
  };
}
