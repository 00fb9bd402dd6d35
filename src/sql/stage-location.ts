import { quoteLiteral } from '../core/names.js';
import type { TokenCursor } from './token-cursor.js';

/** `@stage/path`, split. */
export interface StageLocation {
  readonly stage: string;
  readonly path: string;
}

const STAGE_NAME = /^[a-z_][a-z0-9_$]{0,127}$/;
// Characters that tokenize back into one location when unquoted (`/*`, `--` and `$` would start comments or strings).
const PLAIN_PATH = /^[A-Za-z0-9_./=-]*$/;

/**
 * Reads a stage location: `@raw/source_a/customers/` written as adjoining
 * tokens (no spaces), or quoted (`'@raw/folder with spaces/'`, and globs:
 * `'@raw/source_a/*.csv'`, since `/*` unquoted would open a comment).
 */
export function parseStageLocation(c: TokenCursor): StageLocation {
  const first = c.peek();
  const start = c.pos;
  let text: string;
  if (first?.type === 'string') {
    text = first.value;
    c.pos++;
  } else {
    if (!c.isSymbol('@')) throw c.error('a stage location @<stage>[/<path>] after FROM');
    let end = first?.end ?? 0;
    c.pos++;
    // The location runs on for as long as tokens touch each other.
    while (!c.done() && c.peek()?.start === end) {
      end = (c.peek() as { end: number }).end;
      c.pos++;
    }
    text = c.source.slice(first?.start ?? 0, end);
  }
  try {
    return splitStageLocation(text);
  } catch (e) {
    throw c.failAt(start, (e as Error).message);
  }
}

/** Splits and checks `@stage[/path]`: a lower-case stage name, a relative path that never leaves the stage. */
export function splitStageLocation(text: string): StageLocation {
  if (!text.startsWith('@')) throw new Error(`a stage location starts with @, as in @raw/source_a/, not ${JSON.stringify(text)}`);
  const slash = text.indexOf('/');
  const stage = (slash < 0 ? text.slice(1) : text.slice(1, slash)).toLowerCase();
  const path = slash < 0 ? '' : text.slice(slash + 1);
  if (!STAGE_NAME.test(stage)) throw new Error(`invalid stage name ${JSON.stringify(stage)}: use lower-case letters, digits and _, as in @raw`);
  if (path.startsWith('/') || path.includes('\\') || path.split('/').some((seg) => seg === '..' || seg === '.')) {
    throw new Error(`stage path ${JSON.stringify(path)} must be relative and stay inside the stage (no /, \\, . or .. segments)`);
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f]/.test(path)) throw new Error('a stage path cannot contain control characters');
  return { stage, path };
}

/** `@stage/path`, quoted when the path holds characters that would not read back as one location. */
export function formatStageLocation(stage: string, path: string): string {
  const text = `@${stage}${path === '' ? '' : `/${path}`}`;
  return PLAIN_PATH.test(path) && !path.includes('--') ? text : quoteLiteral(text);
}
