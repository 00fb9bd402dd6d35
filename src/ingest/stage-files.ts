import type { CopyInto } from '../warehouse/pipe-objects.js';
import type { Stage, StageFile } from './stage.js';

/**
 * The files of a stage a pipe loads, by path: under its path (a prefix, or a
 * glob with `*`, `**` and `?`), matching its PATTERN in full when it has one.
 * Files still being written by convention are left out: names starting with
 * `.` or `_`, or ending with `.tmp`, `.part` or `.partial`.
 */
export async function pipeFiles(stage: Stage, copy: Pick<CopyInto, 'path' | 'pattern'>): Promise<readonly StageFile[]> {
  const glob = /[*?[]/.test(copy.path) ? globRegExp(copy.path) : undefined;
  const prefix = glob ? copy.path.slice(0, copy.path.search(/[*?[]/)) : copy.path;
  const pattern = copy.pattern === undefined ? undefined : new RegExp(`^(?:${copy.pattern})$`);
  return (await stage.list(prefix)).filter((f) => !inFlight(f.path) && (glob?.test(f.path) ?? true) && (pattern?.test(f.path) ?? true));
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
  return new RegExp(`^${out}$`);
}
