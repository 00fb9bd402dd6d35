import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DuckEngine } from './duck-engine.js';

describe('DuckEngine bound views', () => {
  it('keeps at most 512 views bound across statements, and every view a statement bound', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mayfly-bound-'));
    const engine = await DuckEngine.create({ readDirs: [`${dir}/`], stagingDir: join(dir, 'staging'), threads: 1, memoryLimit: '256MB' });
    try {
      for (let i = 0; i < 600; i++) {
        engine.beginStatement();
        await engine.bindView('many', 'main', `v${i}`, `SELECT ${i} AS n`);
      }
      const views = await engine.query("SELECT count(*)::INTEGER AS n FROM duckdb_views() WHERE database_name = 'many'");
      assert.equal(views.rows[0]?.n, 512);
      // The newest are kept; the oldest were dropped.
      assert.equal((await engine.query('SELECT n FROM many.main.v599')).rows[0]?.n, 599);
      await assert.rejects(engine.query('SELECT n FROM many.main.v0'));
      // One statement binding more than the bound keeps them all until it ends.
      engine.beginStatement();
      for (let i = 0; i < 520; i++) await engine.bindView('one', 'main', `w${i}`, `SELECT ${i} AS n`);
      assert.equal((await engine.query('SELECT n FROM one.main.w0')).rows[0]?.n, 0);
    } finally {
      engine.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
