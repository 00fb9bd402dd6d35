import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { invalid, notFound } from '../core/errors.js';
import type { Stage, StageFile } from './stage.js';

/** A stage that is a directory on this machine: the raw bucket of the embedded default. */
export class LocalDirectoryStage implements Stage {
  readonly root: string;

  constructor(
    readonly name: string,
    root: string,
  ) {
    this.root = resolve(root);
  }

  get location(): string {
    return this.root;
  }

  get readableDirs(): readonly string[] {
    return [this.root.endsWith(sep) ? this.root : this.root + sep];
  }

  async list(prefix: string): Promise<readonly StageFile[]> {
    const paths = await this.listPaths(prefix);
    // Synchronous stats: a few microseconds each (mostly the system call), where a promise per file costs several times that.
    const out: StageFile[] = [];
    const root = this.root.endsWith(sep) ? this.root : this.root + sep;
    for (const path of paths) {
      const s = statSync(root + path, { throwIfNoEntry: false });
      if (s !== undefined && s.isFile()) out.push({ path, size: s.size, modifiedAt: Math.trunc(s.mtimeMs) });
    }
    return out;
  }

  async listPaths(prefix: string): Promise<readonly string[]> {
    // Walk only the deepest folder the prefix names; the rest of the prefix filters names.
    const folder = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/') + 1) : '';
    const root = await stat(this.root).catch(() => undefined);
    if (!root?.isDirectory()) throw notFound('STAGE_MISSING', `stage ${this.name} is the directory ${this.root}, which does not exist; create it (or fix stages.${this.name}.path in mayfly.yaml)`);
    const paths: string[] = [];
    await this.walk(folder, prefix, paths);
    // The default order compares UTF-16 code units, as `<` does, without a call per comparison.
    return paths.sort();
  }

  async stat(path: string): Promise<StageFile | undefined> {
    const s = await stat(this.file(path)).catch(() => undefined);
    return s?.isFile() ? { path, size: s.size, modifiedAt: Math.trunc(s.mtimeMs) } : undefined;
  }

  open(path: string): NodeJS.ReadableStream {
    return createReadStream(this.file(path));
  }

  async checksum(path: string): Promise<string> {
    const hash = createHash('sha256');
    await pipeline(createReadStream(this.file(path)), hash);
    return hash.digest('hex');
  }

  async localPath(path: string): Promise<string> {
    return this.file(path);
  }

  private file(path: string): string {
    const full = resolve(this.root, path);
    if (!full.startsWith(this.root + sep)) throw invalid('STAGE_PATH', `${path} is outside stage ${this.name}`);
    return full;
  }

  /** Collects the paths of files under `folder` that start with `prefix` (only those are stat'ed). */
  private async walk(folder: string, prefix: string, out: string[]): Promise<void> {
    const entries = await readdir(join(this.root, folder), { withFileTypes: true }).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return [];
      throw e;
    });
    for (const e of entries) {
      const path = `${folder}${e.name}`;
      if (e.isDirectory()) {
        const sub = `${path}/`;
        if (sub.startsWith(prefix) || prefix.startsWith(sub)) await this.walk(sub, prefix, out);
      } else if (e.isFile() && path.startsWith(prefix)) out.push(path);
    }
  }
}
