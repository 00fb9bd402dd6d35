/**
 * A long process for the bounded-memory test:
 *   node --expose-gc dist/test/workers/commit-heap.js <home> <commits> <window> <cacheBytes>
 * Makes `commits` metadata-level commits to one table in one process (each
 * appends a file and, past `window` files, removes the oldest, so the table
 * itself stays the same size), and prints one JSON line: the heap used after
 * a full GC at the end of every 1,000 commits, and the catalog's size.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { commitTable, dataFile, openRig } from '../helpers/metadata-commits.js';

function main(args: readonly string[]): number {
  const [home, commits, window, cacheBytes] = args;
  // Run without arguments (the test runner loads every file under test/): nothing to do.
  if (home === undefined || commits === undefined || window === undefined || cacheBytes === undefined) return 0;
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc');
  const rig = openRig(home, { metadataCacheBytes: Number(cacheBytes) });
  const heap: number[] = [];
  const size = Number(window);
  for (let i = 0; i < Number(commits); i++) {
    commitTable(rig, (v) => ({ ...v, files: [...(v.files.length >= size ? v.files.slice(1) : v.files), dataFile(rig, i)] }));
    if ((i + 1) % 1000 === 0) {
      gc();
      heap.push(process.memoryUsage().heapUsed);
    }
  }
  rig.catalog.close();
  process.stdout.write(`${JSON.stringify({ heap, catalogBytes: statSync(join(home, 'catalog.sqlite')).size })}\n`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
