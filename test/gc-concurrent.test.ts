import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { startWorker } from './helpers/processes.js';
import { column, withSession, withWarehouse } from './helpers/warehouse.js';

describe('GC while another process writes', () => {
  it('never removes a file a committed or in-flight write uses, and still reclaims garbage', async () => {
    // A real grace period protects writes in flight; a tiny window makes replaced tables garbage soon.
    // The fake clock follows the real one: the grace period compares it with file times.
    await withWarehouse(
      async ({ home, clock, warehouse }) => {
        await withSession(warehouse, 'prod', async (s) => {
          await s.run('create table a (id int, tag int)');
          const n = 40;
          const writer = startWorker('writer', [home, 'main.a', String(n), 'insert', '1']);
          try {
            await writer.waitForLine('ready');
            writer.child.stdin?.write('go\n');
            let reclaimed = 0;
            let running = true;
            const exited = writer.exited().finally(() => (running = false));
            const started = Date.now();
            // Run until the writer is done and garbage older than the grace period exists.
            for (let i = 0; running || Date.now() - started < 3_500; i++) {
              clock.set(Date.now());
              // Garbage of our own: every replaced version of `junk` falls out of the tiny window.
              await s.run(`create or replace table junk as select range + ${i} as x from range(50)`);
              reclaimed += (await warehouse.gc()).filesDeleted;
            }
            const exit = await exited;
            assert.equal(exit.code, 0, writer.stderr());
            const report = JSON.parse(writer.stdout().trim().split('\n').pop() ?? '{}') as { ok: number[] };
            assert.deepEqual((await column(s, 'select id from a order by id')).map(Number), report.ok);
            assert.equal(report.ok.length, n);
            assert.ok(reclaimed > 0, 'GC reclaimed the replaced versions of junk');
          } finally {
            if (writer.child.exitCode === null) writer.child.kill('SIGKILL');
          }
          for (const d of warehouse.listDatabases()) {
            for (const f of warehouse.databaseFiles(d.name)) assert.ok(existsSync(f.path), `${d.name} references missing ${f.key}`);
          }
        });
      },
      { settings: { gcGraceMs: 2_000, timeTravelMs: 200 } },
    );
  });
});
