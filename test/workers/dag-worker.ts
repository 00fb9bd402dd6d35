/**
 * A DAG run in its own process, for the tests of concurrent runs:
 *   node dist/test/workers/dag-worker.js <home> <target> <projectDir> [threads]
 * Opens the warehouse, prints `ready`, waits for a line on stdin, runs every
 * model of the project's `models` folder against `target`, and prints one JSON
 * line: the run's id, status and each model's status. An error exits with code 1.
 */
import { join } from 'node:path';
import { createMayfly } from '../../src/index.js';
import { runDag } from '../../src/orchestrate/dag-runner.js';
import { TEST_SETTINGS } from '../helpers/warehouse.js';
import { firstLine, runWorker } from './worker-main.js';

async function main(args: readonly string[]): Promise<number> {
  const [home, target, projectDir, threads = '2'] = args;
  if (home === undefined || target === undefined || projectDir === undefined) return 0;
  const mayfly = createMayfly({ home, settings: TEST_SETTINGS });
  try {
    process.stdout.write('ready\n');
    await firstLine();
    const project = { projectDir, modelsDir: join(projectDir, 'models'), deploymentsDir: join(projectDir, 'migrations'), dags: {}, production: 'prod' };
    const run = await runDag(mayfly.warehouse, project, { target, threads: Number(threads) });
    process.stdout.write(`${JSON.stringify({ id: run.id, status: run.status, models: run.models.map((m) => ({ id: m.id, status: m.status, error: m.error })) })}\n`);
    return 0;
  } finally {
    mayfly.close();
  }
}

runWorker(main);
