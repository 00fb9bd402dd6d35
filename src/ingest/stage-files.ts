import { invalid, isMayflyError } from '../core/errors.js';
import { quoteLiteral } from '../core/names.js';
import type { CopyInto } from '../warehouse/pipe-objects.js';
import type { Session } from '../warehouse/session.js';
import type { Stage, StageFile } from './stage.js';

/**
 * Which of `paths` match a regular expression in full. Patterns come from
 * users, so the matcher must take time linear in the path's length: a
 * backtracking engine (JavaScript's) can spend hours on `(a+)+$`.
 */
export type PatternMatcher = (regex: string, paths: readonly string[]) => Promise<ReadonlySet<string>>;

/** Paths per matching query: keeps each statement's text small. */
const MATCH_BATCH = 500;

/**
 * A {@link PatternMatcher} that runs DuckDB's `regexp_full_match` (RE2:
 * linear time, no backreferences or lookaround) in the session, under its
 * statement time limit.
 */
export function sessionMatcher(session: Session): PatternMatcher {
  return async (regex, paths) => {
    const matched = new Set<string>();
    for (let i = 0; i < paths.length; i += MATCH_BATCH) {
      const values = paths.slice(i, i + MATCH_BATCH).map((p) => `(${quoteLiteral(p)})`).join(', ');
      const results = await session.run(`SELECT p FROM (VALUES ${values}) AS v(p) WHERE regexp_full_match(p, ${quoteLiteral(regex)})`).catch((e: unknown) => {
        if (isMayflyError(e, 'SQL_EXECUTION')) throw invalid('PIPE_PATTERN_INVALID', `PATTERN ${JSON.stringify(regex)} is not a regular expression Mayfly can match (RE2 syntax: no backreferences or lookaround): ${e.message}`);
        throw e;
      });
      for (const r of results) if (r.kind === 'rows') for (const row of r.rows) matched.add(String(row.p));
    }
    return matched;
  };
}

/**
 * The files of a stage a pipe loads, by path: under its path (a prefix, or a
 * glob with `*`, `**` and `?`), matching its PATTERN in full when it has one.
 * Both are matched by `match`, in linear time. Files still being written by
 * convention are left out: names starting with `.` or `_`, or ending with
 * `.tmp`, `.part` or `.partial`.
 */
export async function pipeFiles(stage: Stage, copy: Pick<CopyInto, 'path' | 'pattern'>, match: PatternMatcher): Promise<readonly StageFile[]> {
  return pipeMatches(await stage.list(listedPrefix(copy)), (f) => f.path, copy, match);
}

/** The paths of {@link pipeFiles}, listed without a size or time each (see {@link Stage.listPaths}). */
export async function pipePaths(stage: Stage, copy: Pick<CopyInto, 'path' | 'pattern'>, match: PatternMatcher): Promise<readonly string[]> {
  return pipeMatches(await stage.listPaths(listedPrefix(copy)), (p) => p, copy, match);
}

/** The prefix a pipe's path lists: all of it, or what comes before its first wildcard. */
function listedPrefix(copy: Pick<CopyInto, 'path'>): string {
  const wildcard = copy.path.search(/[*?[]/);
  return wildcard < 0 ? copy.path : copy.path.slice(0, wildcard);
}

/** The listed items a pipe loads: not in flight, matching its glob and its PATTERN. */
async function pipeMatches<T>(listed: readonly T[], pathOf: (item: T) => string, copy: Pick<CopyInto, 'path' | 'pattern'>, match: PatternMatcher): Promise<readonly T[]> {
  const glob = /[*?[]/.test(copy.path) ? globRegex(copy.path) : undefined;
  let items = listed.filter((f) => !inFlight(pathOf(f)));
  for (const regex of [glob, copy.pattern]) {
    if (regex === undefined || items.length === 0) continue;
    const matched = await match(regex, items.map(pathOf));
    items = items.filter((f) => matched.has(pathOf(f)));
  }
  return items;
}

/** `@stage/path` of a file: how load history names it. */
export function stagePath(stage: string, path: string): string {
  return `@${stage}/${path}`;
}

function inFlight(path: string): boolean {
  const name = path.slice(path.lastIndexOf('/') + 1);
  return name.startsWith('.') || name.startsWith('_') || /\.(tmp|part|partial)$/i.test(name);
}

/** A glob as a regular expression: `*` within a folder, `**` across folders, `?` one character, `[…]` a class. */
export function globRegExp(glob: string): RegExp {
  return new RegExp(`^${globRegex(glob)}$`);
}

/** A glob as the text of a regular expression to match in full (RE2 and JavaScript syntax alike). */
function globRegex(glob: string): string {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '*' && glob[i + 1] === '*') {
      const folders = glob[i + 2] === '/';
      out += folders ? '(?:.*/)?' : '.*';
      i += folders ? 2 : 1;
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end < 0) out += '\\[';
      else {
        out += `[${glob.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else out += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return out;
}
