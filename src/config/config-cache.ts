import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Validated configurations, kept per user and keyed by the file's text and
 * by the code that validates it, so a command started with a mayfly.yaml it
 * has seen before neither parses YAML nor loads zod (about 0.2 s of start-up).
 * Only successes are kept: a file that fails validation fails the same way,
 * through the schema, every time. A cache that cannot be read or written is
 * skipped, never an error.
 */

const FORMAT = 'mayfly-config-cache:v2';
/** Entries kept; past this, a write removes the least recently written (each entry is one small file). */
const MAX_ENTRIES = 64;

/** The cache directory: MAYFLY_CACHE_DIR, else $XDG_CACHE_HOME/mayfly, else ~/.cache/mayfly; `off` disables it. */
function cacheDir(env: NodeJS.ProcessEnv): string | undefined {
  if (env.MAYFLY_CACHE_DIR === 'off') return undefined;
  if (env.MAYFLY_CACHE_DIR) return env.MAYFLY_CACHE_DIR;
  const base = env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'mayfly');
}

let fingerprint: string | undefined;

/** What the validation code is: the name, size and time of each compiled config module (every build rewrites them). */
function codeFingerprint(): string {
  if (fingerprint === undefined) {
    const dir = fileURLToPath(new URL('.', import.meta.url));
    const files = readdirSync(dir).filter((f) => f.endsWith('.js')).sort();
    fingerprint = files
      .map((f) => {
        const s = statSync(join(dir, f));
        return `${f}:${s.size}:${s.mtimeMs}`;
      })
      .join('|');
  }
  return fingerprint;
}

/**
 * The validated configuration for `text` (undefined: no file) from the cache,
 * else `validate()`'s, then kept for next time.
 */
export function cachedValidation<T>(text: string | undefined, env: NodeJS.ProcessEnv, validate: () => T): T {
  let file: string | undefined;
  let key = '';
  try {
    const dir = cacheDir(env);
    if (dir !== undefined) {
      key = `${FORMAT}\0${codeFingerprint()}\0${text === undefined ? '\0none' : `\0file\0${text}`}`;
      file = join(dir, `config-${keyName(key)}.json`);
      const entry = JSON.parse(readFileSync(file, 'utf8')) as Entry<T>;
      // The name is a short hash: the entry holds its whole key, so two texts that share a name never share a value.
      if (entry.key === key) return entry.value;
    }
  } catch {
    // A miss (or an unreadable cache): validate below.
  }
  const value = validate();
  if (file !== undefined) {
    try {
      mkdirSync(join(file, '..'), { recursive: true, mode: 0o700 });
      // Written aside and renamed, so a concurrent reader sees the whole entry or none.
      const tmp = `${file}.${process.pid}.tmp`;
      const entry: Entry<T> = { key, value };
      writeFileSync(tmp, JSON.stringify(entry), { mode: 0o600 });
      renameSync(tmp, file);
      prune(join(file, '..'));
    } catch {
      // Not writable: the next start validates again.
    }
  }
  return value;
}

/** One cache file: the key it was written for (format, code fingerprint, file text) and the validated configuration. */
interface Entry<T> {
  readonly key: string;
  readonly value: T;
}

/**
 * A file name for a key: two 32-bit FNV-1a lanes (different primes), 16 hex
 * digits. Not a proof of the key (the entry holds it), so collisions only
 * cost a miss; not node:crypto, whose loading alone would cost every
 * command's start-up more than hashing a small file.
 */
function keyName(key: string): string {
  let a = 0x811c9dc5;
  let b = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  return `${(a >>> 0).toString(16).padStart(8, '0')}${(b >>> 0).toString(16).padStart(8, '0')}`;
}

/** Keeps the newest MAX_ENTRIES entries (only on a miss, so a hit never lists the directory). */
function prune(dir: string): void {
  const entries = readdirSync(dir).filter((f) => f.startsWith('config-') && f.endsWith('.json'));
  if (entries.length <= MAX_ENTRIES) return;
  const byAge = entries.map((f) => ({ f, at: statSync(join(dir, f)).mtimeMs })).sort((a, b) => b.at - a.at);
  for (const { f } of byAge.slice(MAX_ENTRIES)) rmSync(join(dir, f), { force: true });
}
