import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isMayflyError } from '../core/errors.js';
import { cachedValidation } from './config-cache.js';
import { loadConfig } from './mayfly-config.js';

function withDir<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'mayfly-config-cache-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('config cache', () => {
  it('validates a text once, then returns the kept result; another text, or no cache, validates again', () => {
    withDir((dir) => {
      const env = { MAYFLY_CACHE_DIR: join(dir, 'cache') };
      let validations = 0;
      const validate = (): { n: number } => ({ n: ++validations });
      assert.deepEqual(cachedValidation('a: 1', env, validate), { n: 1 });
      assert.deepEqual(cachedValidation('a: 1', env, validate), { n: 1 }, 'the same text is not validated again');
      assert.deepEqual(cachedValidation('a: 2', env, validate), { n: 2 });
      assert.deepEqual(cachedValidation(undefined, env, validate), { n: 3 }, 'no file is its own entry');
      assert.deepEqual(cachedValidation(undefined, env, validate), { n: 3 });
      assert.deepEqual(cachedValidation('a: 1', { MAYFLY_CACHE_DIR: 'off' }, validate), { n: 4 }, 'off: always validated');
      assert.equal(readdirSync(join(dir, 'cache')).length, 3);
    });
  });

  it('uses an entry only for the key it holds: another text under the same file name is validated', () => {
    withDir((dir) => {
      const env = { MAYFLY_CACHE_DIR: join(dir, 'cache') };
      let validations = 0;
      const validate = (): { n: number } => ({ n: ++validations });
      assert.deepEqual(cachedValidation('a: 1', env, validate), { n: 1 });
      const [name = ''] = readdirSync(join(dir, 'cache'));
      const file = join(dir, 'cache', name);
      const entry = JSON.parse(readFileSync(file, 'utf8')) as { key: string; value: unknown };
      assert.ok(entry.key.includes('a: 1'), 'the entry holds the text it was validated from');
      // What a colliding name would hold: a value kept for another key.
      writeFileSync(file, JSON.stringify({ key: `${entry.key} (another text)`, value: { n: 99 } }));
      assert.deepEqual(cachedValidation('a: 1', env, validate), { n: 2 }, 'validated again, not the value kept for another key');
      assert.deepEqual(cachedValidation('a: 1', env, validate), { n: 2 }, 'and kept again under its own key');
    });
  });

  it('gives loadConfig the same configuration from the cache as from validation, and never keeps an invalid one', () => {
    withDir((dir) => {
      const env = { MAYFLY_CACHE_DIR: join(dir, 'cache') };
      writeFileSync(join(dir, 'mayfly.yaml'), 'production: main\nclones:\n  scopes:\n    squad: { maxActive: 4 }\n');
      const fresh = loadConfig({ cwd: dir, env });
      const cached = loadConfig({ cwd: dir, env });
      assert.deepEqual(cached, fresh);
      assert.deepEqual(loadConfig({ cwd: dir, env: { MAYFLY_CACHE_DIR: 'off' } }), fresh);
      assert.equal(cached.project.clones.scopes.squad.maxActive, 4);
      writeFileSync(join(dir, 'mayfly.yaml'), 'production: Main\n');
      for (let i = 0; i < 2; i++) assert.throws(() => loadConfig({ cwd: dir, env }), (e: unknown) => isMayflyError(e, 'CONFIG_INVALID') && /production/.test(e.message));
      assert.equal(readdirSync(join(dir, 'cache')).length, 1, 'only the valid file was kept');
    });
  });
});
