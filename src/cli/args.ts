import { parseArgs, type ParseArgsConfig } from 'node:util';
import { invalid, type MayflyError } from '../core/errors.js';
import { parseDuration } from '../core/duration.js';

/** The option table `node:util` parseArgs takes. */
export type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

/** A command's parsed arguments: typed values of the global and its own options, and positionals. */
export type ParsedCommandArgs<O extends OptionsConfig> = ReturnType<
  typeof parseArgs<{ args: readonly string[]; options: typeof GLOBAL_OPTIONS & O; allowPositionals: true; strict: true }>
>;

/** Options every command takes. */
export const GLOBAL_OPTIONS = {
  home: { type: 'string' },
  config: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies OptionsConfig;

/** The global options as parsed. */
export interface GlobalOptions {
  /** Warehouse home (`--home`); else MAYFLY_HOME, mayfly.yaml's home, `./.mayfly`. */
  readonly home?: string | undefined;
  /** Path of mayfly.yaml (`--config`). */
  readonly config?: string | undefined;
  /** Machine-readable output (`--json`). */
  readonly json: boolean;
  /** Show the command's help (`--help`, `-h`). */
  readonly help: boolean;
}

/** The usage text of global options, shared by every help screen. */
export const GLOBAL_OPTIONS_HELP = `Global options:
  --home DIR       warehouse home (else MAYFLY_HOME, else mayfly.yaml's home, else ./.mayfly)
  --config FILE    mayfly.yaml to read (default: ./mayfly.yaml when present)
  --json           print results as JSON on stdout
  -h, --help       show help`;

/** A wrong command line; main prints the usage with it. */
export function usageError(message: string): MayflyError {
  return invalid('USAGE', message);
}

/**
 * Parses a command's arguments (the command words removed) strictly: the
 * global options plus the command's own; an unknown option or a missing
 * value is a usage error.
 */
export function parseCommandArgs<const O extends OptionsConfig>(args: readonly string[], options: O): ParsedCommandArgs<O> {
  try {
    return parseArgs({ args, options: { ...GLOBAL_OPTIONS, ...options }, allowPositionals: true, strict: true });
  } catch (e) {
    // parseArgs throws TypeErrors with ERR_PARSE_ARGS_* codes and readable messages.
    const message = e instanceof Error ? e.message.replace(/\. To specify a positional argument.*$/s, '') : String(e);
    throw usageError(message);
  }
}

/** Refuses more positional arguments than a command takes. */
export function expectPositionals(positionals: readonly string[], names: readonly string[]): void {
  if (positionals.length > names.length) {
    throw usageError(`unexpected argument ${JSON.stringify(positionals[names.length])}${names.length ? ` (expected ${names.join(' ')})` : ''}`);
  }
  const missing = names.slice(positionals.length).filter((n) => !n.startsWith('['));
  if (missing.length > 0) throw usageError(`missing ${missing.join(' ')}`);
}

const ISO_8601 = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;

/**
 * Parses a point in time given as an ISO-8601 timestamp (`2026-03-01T12:00:00Z`;
 * without a zone it is local time, a bare date is UTC midnight) or as a
 * duration ago (`2h`, `1d`), relative to `now`.
 */
export function parsePointInTime(text: string, now: number, what = '--at'): number {
  const t = text.trim();
  if (/^\d+(\.\d+)?\s*(ms|s|m|h|d|w)$/.test(t)) return now - parseDuration(t, what);
  if (ISO_8601.test(t)) {
    const ms = Date.parse(t.replace(' ', 'T'));
    if (!Number.isNaN(ms)) return ms;
  }
  throw invalid('INVALID_TIMESTAMP', `invalid ${what} ${JSON.stringify(text)}: use an ISO-8601 timestamp (2026-03-01T12:00:00Z) or a duration ago (90m, 2h, 1d)`);
}
