import { createReadStream, existsSync, mkdirSync } from 'node:fs';
import { open, readdir, rename, rm, stat, unlink, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { internal, invalid } from '../core/errors.js';
import type { ObjectStore, StoredObject } from './object-store.js';

const KEY = /^[0-9a-f]{64}\.[a-z]+$/;

/** Objects as files under `<root>/objects/<2 hex>/<sha256>.<ext>`, staged under `<root>/staging`. */
export class LocalObjectStore implements ObjectStore {
  readonly stagingDir: string;
  readonly engineDirs: readonly string[];
  private readonly objectsDir: string;

  constructor(root: string) {
    this.objectsDir = join(root, 'objects');
    this.stagingDir = join(root, 'staging');
    for (const dir of [this.objectsDir, this.stagingDir]) {
      try {
        mkdirSync(dir, { recursive: true });
      } catch (e) {
        throw storeDirError(e, dir);
      }
    }
    this.engineDirs = [this.objectsDir + '/', this.stagingDir + '/'];
  }

  async put(stagingPath: string, extension: string): Promise<StoredObject> {
    const hash = await sha256File(stagingPath);
    const key = `${hash}.${extension}`;
    const dir = join(this.objectsDir, key.slice(0, 2));
    const target = join(dir, key);
    await syncPath(stagingPath);
    if (existsSync(target)) {
      // Same content already stored: re-use it, and refresh its time so GC's grace period covers this writer.
      const now = new Date();
      await utimes(target, now, now);
      await unlink(stagingPath);
    } else {
      mkdirSync(dir, { recursive: true });
      await rename(stagingPath, target);
      await syncPath(dir);
    }
    const s = await stat(target);
    return { key, bytes: s.size, touchedAt: s.mtimeMs };
  }

  localPath(key: string): string {
    if (!KEY.test(key)) throw internal('BAD_OBJECT_KEY', `not an object key: ${key}`);
    return join(this.objectsDir, key.slice(0, 2), key);
  }

  exists(key: string): boolean {
    return existsSync(this.localPath(key));
  }

  async *list(): AsyncIterable<StoredObject> {
    for (const sub of await readdir(this.objectsDir)) {
      const dir = join(this.objectsDir, sub);
      const names = (await readdir(dir)).filter((n) => KEY.test(n));
      // Stat a batch at a time: one by one, 100,000 files take seconds.
      for (let i = 0; i < names.length; i += 256) {
        const batch = names.slice(i, i + 256);
        const stats = await Promise.all(batch.map((n) => stat(join(dir, n)).catch(() => undefined)));
        for (let j = 0; j < batch.length; j++) {
          const s = stats[j];
          const key = batch[j];
          if (s && key) yield { key, bytes: s.size, touchedAt: s.mtimeMs };
        }
      }
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.localPath(key), { force: true });
  }

  async sweepStaging(olderThan: number): Promise<number> {
    let n = 0;
    for (const name of await readdir(this.stagingDir)) {
      const p = join(this.stagingDir, name);
      const s = await stat(p).catch(() => undefined);
      if (s && s.mtimeMs < olderThan) {
        await rm(p, { recursive: true, force: true });
        n++;
      }
    }
    return n;
  }
}

/** A user error for a store folder that cannot be made or used (a file in its place, no permission, a read-only disk). */
function storeDirError(e: unknown, dir: string): unknown {
  const code = (e as NodeJS.ErrnoException).code;
  const reasons: Readonly<Record<string, string>> = {
    EEXIST: 'a file is in its place; move it away',
    ENOTDIR: 'a file is in its place, or on its path; move it away',
    EACCES: 'this user may not create or write it; fix the permissions of the warehouse home',
    EPERM: 'this user may not create or write it; fix the permissions of the warehouse home',
    EROFS: 'the disk is read-only',
    ENOSPC: 'the disk is full',
  };
  const reason = code === undefined ? undefined : reasons[code];
  return reason === undefined ? e : invalid('STORE_UNUSABLE', `the warehouse folder ${dir} cannot be used: ${reason}`);
}

async function sha256File(path: string): Promise<string> {
  // Loaded here, not above: opening the store (every command) must not load node:crypto.
  const { createHash } = await import('node:crypto');
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** fsync a file or a directory, so a rename or its content survives a crash. */
async function syncPath(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

