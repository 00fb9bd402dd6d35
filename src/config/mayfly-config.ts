import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { invalid } from '../core/errors.js';
import { parseDuration } from '../core/duration.js';
import type { WarehouseSettings } from '../warehouse/warehouse-settings.js';
import type * as ConfigSchema from './config-schema.js';
import { cachedValidation } from './config-cache.js';

export type { MayflyConfig } from './config-schema.js';
import type { MayflyConfig } from './config-schema.js';

// The YAML parser and the zod schema are loaded on first use (synchronously: loadConfig is), not with this module.
const load = createRequire(import.meta.url);

const SIZE_UNITS: Readonly<Record<string, number>> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

export { DEFAULT_JOB_STATEMENT_TIMEOUT, DEFAULT_STATEMENT_TIMEOUT } from './statement-limits.js';

/** Validates a parsed `mayfly.yaml`, naming the field and the allowed values on error. */
export function validateConfig(raw: unknown, source = 'mayfly.yaml'): MayflyConfig {
  return (load('./config-schema.js') as typeof ConfigSchema).validateWithSchema(raw, source);
}

/** Resolved configuration: the warehouse settings (sizes and durations in numbers) and the absolute home. */
export interface ResolvedConfig extends WarehouseSettings {
  readonly home: string;
  /** The file the configuration came from, if any. */
  readonly file?: string;
  /** The whole validated file (control-plane sections: clones, retention, prices, stages, pipes, models, …). */
  readonly project: MayflyConfig;
  /** The directory relative paths in the file resolve against (the file's folder, or the working directory). */
  readonly projectDir: string;
  /** Bound of the catalog's parsed-metadata cache, in bytes (`catalogCacheSize`). */
  readonly catalogCacheBytes: number;
}

/** Parses `512KB`, `128MB`, `1GB` into bytes. */
export function parseSize(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)\s*$/i.exec(text);
  if (!m?.[2]) throw invalid('INVALID_SIZE', `invalid size ${JSON.stringify(text)}: use e.g. 128MB`);
  return Math.round(Number(m[1]) * (SIZE_UNITS[m[2].toLowerCase()] ?? 1));
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
  const found = existsSync(file);
  if (options.configPath && !found) throw invalid('CONFIG_NOT_FOUND', `configuration file ${file} does not exist`);
  const text = found ? readFileSync(file, 'utf8') : undefined;
  const c = cachedValidation(text, env, () => validateConfig(text === undefined ? {} : parseYamlText(text, file), file));
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
    catalogCacheBytes: parseSize(c.catalogCacheSize),
    threads: c.engine.threads,
    memoryLimit: c.engine.memoryLimit,
    project: c,
    projectDir: found ? dirname(file) : cwd,
    ...(found ? { file } : {}),
  };
}

function parseYamlText(text: string, file: string): unknown {
  try {
    return (load('yaml') as typeof import('yaml')).parse(text);
  } catch (e) {
    throw invalid('CONFIG_INVALID', `${file} is not valid YAML: ${(e as Error).message}`);
  }
}
