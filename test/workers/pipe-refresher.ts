/**
 * A pipe refresh in its own process, for the kill and race tests:
 *   node dist/test/workers/pipe-refresher.js <home> <stage dir> <db> [pipe…]
 * Refreshes the running pipes (or those named) of <db> from stage `raw` in
 * <stage dir>, printing `loaded <file>` as each file commits and `done` at
 * the end.
 */
import { createMayfly } from '../../src/index.js';
import { TEST_SETTINGS } from '../helpers/warehouse.js';
import { pipeService } from '../helpers/pipe-fixtures.js';

async function main(args: readonly string[]): Promise<number> {
  const [home, stageDir, db, ...names] = args;
  if (home === undefined || stageDir === undefined || db === undefined) return 0;
  const mayfly = createMayfly({ home, settings: TEST_SETTINGS });
  try {
    const pipes = pipeService(mayfly.warehouse, stageDir);
    await pipes.refresh(db, {
      names,
      onEvent: (e) => {
        if (e.kind === 'loaded') process.stdout.write(`loaded ${e.outcome.file} ${e.outcome.status}\n`);
      },
    });
    process.stdout.write('done\n');
    return 0;
  } finally {
    mayfly.close();
  }
}

process.exitCode = await main(process.argv.slice(2));
