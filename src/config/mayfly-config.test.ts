import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isMayflyError } from '../core/errors.js';
import { createMayfly } from '../app/create-mayfly.js';
import type { SqliteCatalog } from '../catalog/sqlite-catalog.js';
import { loadConfig, parseSize, validateConfig } from './mayfly-config.js';

describe('mayfly.yaml', () => {
  it('needs no file: defaults apply and the home is ./.mayfly', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'mayfly-config-'));
    const c = loadConfig({ cwd, env: {} });
    assert.equal(c.home, join(cwd, '.mayfly'));
    assert.equal(c.production, 'prod');
    assert.equal(c.timeTravelMs, 7 * 86_400_000);
    assert.equal(c.targetFileBytes, 128 * 1024 * 1024);
    assert.equal(c.file, undefined);
  });

  it('resolves the home from --home, then MAYFLY_HOME, then the file', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'mayfly-config-'));
    writeFileSync(join(cwd, 'mayfly.yaml'), 'home: wh\ntimeTravel: 2d\n');
    assert.equal(loadConfig({ cwd, env: {} }).home, join(cwd, 'wh'));
    assert.equal(loadConfig({ cwd, env: { MAYFLY_HOME: '/tmp/x' } }).home, '/tmp/x');
    assert.equal(loadConfig({ cwd, env: { MAYFLY_HOME: '/tmp/x' }, home: '/tmp/y' }).home, '/tmp/y');
    assert.equal(loadConfig({ cwd, env: {} }).timeTravelMs, 2 * 86_400_000);
  });

  it('names the field and the allowed values of an invalid file', () => {
    assert.throws(
      () => validateConfig({ timeTravel: 'soon', engine: { threads: 0 } }),
      (e: unknown) => isMayflyError(e, 'CONFIG_INVALID') && /timeTravel: a duration/.test(e.message) && /engine\.threads/.test(e.message),
    );
    assert.throws(() => validateConfig({ timetravel: '7d' }), (e: unknown) => isMayflyError(e, 'CONFIG_INVALID') && /timetravel/.test(e.message));
  });

  it('refuses malformed YAML and a missing --config file', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'mayfly-config-'));
    writeFileSync(join(cwd, 'mayfly.yaml'), 'home: [unclosed\n');
    assert.throws(() => loadConfig({ cwd, env: {} }), (e: unknown) => isMayflyError(e, 'CONFIG_INVALID'));
    assert.throws(() => loadConfig({ cwd, env: {}, configPath: 'nope.yaml' }), (e: unknown) => isMayflyError(e, 'CONFIG_NOT_FOUND'));
  });

  it('bounds the catalog cache by catalogCacheSize, 32MB unless set', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'mayfly-config-'));
    assert.equal(loadConfig({ cwd, env: {} }).catalogCacheBytes, 32 * 1024 * 1024);
    writeFileSync(join(cwd, 'mayfly.yaml'), 'catalogCacheSize: 4MB\n');
    const c = loadConfig({ cwd, env: {} });
    assert.equal(c.catalogCacheBytes, 4 * 1024 * 1024);
    const mayfly = createMayfly({ config: c });
    try {
      assert.equal((mayfly.warehouse.catalog as SqliteCatalog).metadataCacheBytes, 4 * 1024 * 1024);
    } finally {
      mayfly.close();
    }
    assert.throws(() => validateConfig({ catalogCacheSize: 'plenty' }), (e: unknown) => isMayflyError(e, 'CONFIG_INVALID') && /catalogCacheSize: a size/.test(e.message));
  });

  it('parses sizes', () => {
    assert.equal(parseSize('512KB'), 512 * 1024);
    assert.equal(parseSize('1.5 mb'), 1.5 * 1024 * 1024);
    assert.throws(() => parseSize('lots'), (e: unknown) => isMayflyError(e, 'INVALID_SIZE'));
  });
});
