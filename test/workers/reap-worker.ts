/**
 * A reap the reap crash test kills mid-run:
 *   node dist/test/workers/reap-worker.js <project dir>
 * Runs one reap on the project with the real clock, printing `step N` after
 * each clone's step and `done` at the end.
 */
import { join } from 'node:path';
import { reap } from '../../src/clones/clone-reaper.js';
import { systemClock } from '../../src/index.js';
import { openProject } from './reap-fixture.js';
import { runWorker } from './worker-main.js';

async function main(args: readonly string[]): Promise<number> {
  const [dir] = args;
  // Run without arguments (the test runner may load every file under test/): nothing to do.
  if (dir === undefined) return 0;
  const mayfly = openProject({ dir, configPath: join(dir, 'mayfly.yaml'), home: join(dir, 'home') }, systemClock);
  try {
    const report = await reap(mayfly.warehouse, mayfly.config, { onProgress: (done) => process.stdout.write(`step ${done}\n`) });
    process.stdout.write(`done ${report.applied.length} ${report.hooks.sent}\n`);
    return report.errors.length ? 1 : 0;
  } finally {
    mayfly.close();
  }
}

runWorker(main);
