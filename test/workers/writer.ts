/**
 * A writer process for the concurrency tests:
 *   node dist/test/workers/writer.js <home> <table> <n> [insert|increment] [tag]
 * Opens the warehouse, prints `ready`, waits for a line on stdin, then runs n
 * statements against `table` of production: `insert` adds the row (i, tag),
 * `increment` runs `update … set n = n + 1`. A statement that loses a race
 * fails with WRITE_CONFLICT and is counted, not retried. Prints one JSON line
 * {"ok": [i…], "conflicts": [i…]}; any other error exits with code 1.
 */
import { createMayfly, isMayflyError } from '../../src/index.js';
import { TEST_SETTINGS } from '../helpers/warehouse.js';
import { firstLine, runWorker } from './worker-main.js';

async function main(args: readonly string[]): Promise<number> {
  const [home, table, n, mode = 'insert', tag = '0'] = args;
  if (home === undefined || table === undefined || n === undefined) {
    // Run without arguments (the test runner loads every file under test/): nothing to do.
    return 0;
  }
  const mayfly = createMayfly({ home, settings: TEST_SETTINGS });
  try {
    const session = await mayfly.warehouse.session('prod');
    try {
      process.stdout.write('ready\n');
      await firstLine();
      const ok: number[] = [];
      const conflicts: number[] = [];
      for (let i = 0; i < Number(n); i++) {
        const sql = mode === 'increment' ? `update ${table} set n = n + 1` : `insert into ${table} values (${i}, ${Number(tag)})`;
        try {
          await session.run(sql);
          ok.push(i);
        } catch (e) {
          if (!isMayflyError(e, 'WRITE_CONFLICT')) throw e;
          conflicts.push(i);
        }
      }
      process.stdout.write(`${JSON.stringify({ ok, conflicts })}\n`);
      return 0;
    } finally {
      session.close();
    }
  } finally {
    mayfly.close();
  }
}

runWorker(main);
