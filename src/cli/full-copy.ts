import { copyFile, mkdtemp, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Warehouse } from '../warehouse/warehouse.js';

/** What a full physical copy of a database cost. */
export interface FullCopyCost {
  readonly files: number;
  readonly bytes: number;
  readonly elapsedMs: number;
}

/**
 * Measures a full physical copy of a database, for real: copies every file
 * it references into a scratch folder under `parent`, times it, sums the
 * bytes written, then deletes the copy.
 */
export async function measureFullCopy(warehouse: Warehouse, db: string, parent: string): Promise<FullCopyCost> {
  const files = warehouse.databaseFiles(db);
  const dir = await mkdtemp(join(parent, '.full-copy-'));
  try {
    const targets: string[] = [];
    const started = performance.now();
    for (const f of files) {
      const target = join(dir, `${targets.length}-${f.key}`);
      await copyFile(f.path, target);
      targets.push(target);
    }
    const elapsedMs = performance.now() - started;
    let bytes = 0;
    for (const t of targets) bytes += (await stat(t)).size;
    return { files: targets.length, bytes, elapsedMs };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
