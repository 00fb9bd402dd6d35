/**
 * A pipe refresh in its own process, for the kill and race tests:
 *   node dist/test/workers/pipe-refresher.js <home> <stage dir> <db> [--batch=N] [--stall-at=file] [pipe…]
 * Refreshes the running pipes (or those named) of <db> from stage `raw` in
 * <stage dir>, N files per transaction, printing `loaded <file> <status>` as
 * each file commits and `done` at the end. With --stall-at, the refresh stops
 * for good (printing `stalled <file>`) when the batch holding that file
 * (`@raw/…`) has written its rows and history and is about to commit, so a
 * test can kill it there.
 */
import { createMayfly } from '../../src/index.js';
import { LocalDirectoryStage } from '../../src/ingest/local-directory-stage.js';
import { PipeService } from '../../src/ingest/pipe-service.js';
import { StageRegistry } from '../../src/ingest/stage-registry.js';
import { TEST_SETTINGS } from '../helpers/warehouse.js';

async function main(args: readonly string[]): Promise<number> {
  const flag = (name: string): string | undefined => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const [home, stageDir, db, ...names] = args.filter((a) => !a.startsWith('--'));
  if (home === undefined || stageDir === undefined || db === undefined) return 0;
  const batch = flag('batch');
  const mayfly = createMayfly({ home, settings: TEST_SETTINGS });
  try {
    const stallAt = flag('stall-at');
    const pipes = new PipeService(mayfly.warehouse, new StageRegistry([new LocalDirectoryStage('raw', stageDir)]));
    await pipes.refresh(db, {
      names,
      ...(batch !== undefined ? { batch: { files: Number(batch) } } : {}),
      onEvent: (e) => {
        if (e.kind === 'loaded') process.stdout.write(`loaded ${e.outcome.file} ${e.outcome.status}\n`);
        if (e.kind === 'committing' && stallAt !== undefined && e.files.includes(stallAt)) {
          process.stdout.write(`stalled ${stallAt}\n`);
          // Block this process for good, its transaction open and uncommitted, until the test kills it.
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
        }
      },
    });
    process.stdout.write('done\n');
    return 0;
  } finally {
    mayfly.close();
  }
}

process.exitCode = await main(process.argv.slice(2));
