import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { WORKERS_DIR } from './helpers/processes.js';

/** Runs the commit-heap worker under `node --expose-gc` and returns what it printed. */
async function runHeapWorker(args: readonly string[]): Promise<{ heap: number[]; catalogBytes: number }> {
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  const child = spawn(process.execPath, ['--expose-gc', join(WORKERS_DIR, 'commit-heap.js'), ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 0, err);
  return JSON.parse(out) as { heap: number[]; catalogBytes: number };
}

describe('bounded memory', () => {
  it('keeps the heap of one process flat over 20,000 commits', async () => {
    // tmpfs when there is one: the test measures memory, and 20,000 fsyncs would only make it slow.
    const home = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'mayfly-heap-'));
    try {
      // A 2 MB metadata cache fills within the first thousand commits, so what follows shows growth beyond the bounds.
      const { heap } = await runHeapWorker([home, '20000', '300', String(2 * 1024 * 1024)]);
      assert.equal(heap.length, 20);
      const first = heap[0] as number;
      const middle = heap[9] as number;
      const last = heap[19] as number;
      assert.ok(last <= 2 * first, `heap after the last 1,000 commits ${last} is more than twice that after the first ${first}: ${heap.join(', ')}`);
      // Every cache is full by half-way: a leak of even 100 bytes a commit would show here.
      assert.ok(last <= 1.15 * middle, `heap grew from ${middle} after 10,000 commits to ${last} after 20,000: ${heap.join(', ')}`);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
