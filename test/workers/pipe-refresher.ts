/**
 * A pipe refresh in its own process, for the kill and race tests:
 *   node dist/test/workers/pipe-refresher.js <home> <stage dir> <db> [--batch=N] [--stall-at=path] [pipe…]
 * Refreshes the running pipes (or those named) of <db> from stage `raw` in
 * <stage dir>, N files per transaction, printing `loaded <file> <status>` as
 * each file commits and `done` at the end. With --stall-at, the refresh stops
 * for good (printing `stalled <path>`) when it is about to read that file, in
 * the middle of its batch's transaction, so a test can kill it there.
 */
import { createMayfly } from '../../src/index.js';
import { LocalDirectoryStage } from '../../src/ingest/local-directory-stage.js';
import { PipeService } from '../../src/ingest/pipe-service.js';
import { StageRegistry } from '../../src/ingest/stage-registry.js';
import { TEST_SETTINGS } from '../helpers/warehouse.js';

/** The local stage, except that reading one file never finishes. */
class StallingStage extends LocalDirectoryStage {
  constructor(
    root: string,
    private readonly stallAt: string | undefined,
  ) {
    super('raw', root);
  }

  override async localPath(path: string): Promise<string> {
    if (path === this.stallAt) {
      process.stdout.write(`stalled ${path}\n`);
      // Keep the process alive, holding its open transaction, until it is killed.
      setInterval(() => undefined, 1000);
      await new Promise<never>(() => undefined);
    }
    return super.localPath(path);
  }
}

async function main(args: readonly string[]): Promise<number> {
  const flag = (name: string): string | undefined => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const [home, stageDir, db, ...names] = args.filter((a) => !a.startsWith('--'));
  if (home === undefined || stageDir === undefined || db === undefined) return 0;
  const batch = flag('batch');
  const mayfly = createMayfly({ home, settings: TEST_SETTINGS });
  try {
    const pipes = new PipeService(mayfly.warehouse, new StageRegistry([new StallingStage(stageDir, flag('stall-at'))]));
    await pipes.refresh(db, {
      names,
      ...(batch !== undefined ? { batch: { files: Number(batch) } } : {}),
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
