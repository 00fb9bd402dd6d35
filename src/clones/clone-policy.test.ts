import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig, validateConfig } from '../config/mayfly-config.js';
import { isMayflyError } from '../core/errors.js';
import { clonePolicy } from './clone-policy.js';

const DAY = 86_400_000;

function configInvalid(raw: unknown, ...patterns: RegExp[]): void {
  assert.throws(
    () => validateConfig(raw),
    (e: unknown) => isMayflyError(e, 'CONFIG_INVALID') && patterns.every((p) => p.test(e.message)),
  );
}

describe('clone policies in mayfly.yaml', () => {
  it('needs no section: every scope kind has a sensible default policy and there are no hooks', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'mayfly-policy-'));
    const config = loadConfig({ cwd, env: {} });
    const squad = clonePolicy(config, 'squad');
    assert.equal(squad.defaultTtlMs, 14 * DAY);
    assert.ok(squad.maxTtlMs >= squad.defaultTtlMs);
    assert.equal(squad.atExpiry, 'destroy');
    assert.equal(clonePolicy(config, 'cross-family').kind, 'cross-family');
    assert.equal(config.project.clones.naming, '{scope}_{id}_{slug}');
    assert.deepEqual(config.project.hooks, []);
  });

  it('reads a partial policy over the defaults', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'mayfly-policy-'));
    writeFileSync(join(cwd, 'mayfly.yaml'), 'clones:\n  scopes:\n    family:\n      atExpiry: refresh\n      idleExpiry: never\n      maxActive: 2\n');
    const family = clonePolicy(loadConfig({ cwd, env: {} }), 'family');
    assert.deepEqual([family.atExpiry, family.idleExpiryMs, family.maxActive, family.warningLeadMs], ['refresh', null, 2, 2 * DAY]);
  });

  it('names the field and the allowed values of a malformed clones or hooks section', () => {
    configInvalid({ clones: { scopes: { team: {} } } }, /clones\.scopes: unknown scope kind team \(allowed: squad, family, cross-family\)/);
    configInvalid({ clones: { scopes: { squad: { atExpiry: 'delete' } } } }, /clones\.scopes\.squad\.atExpiry: .*"destroy"\|"refresh"/);
    configInvalid({ clones: { scopes: { squad: { beforeRetentionDeadline: 'ignore' } } } }, /beforeRetentionDeadline: .*"refresh"\|"destroy"\|"warn"/);
    configInvalid({ clones: { scopes: { squad: { maxTtl: 'forever' } } } }, /clones\.scopes\.squad\.maxTtl: a duration/);
    configInvalid({ clones: { scopes: { squad: { defaultTtl: '40d', maxTtl: '30d' } } } }, /clones\.scopes\.squad\.defaultTtl: defaultTtl must not exceed maxTtl/);
    configInvalid({ clones: { naming: '{scope}_{id}' } }, /clones\.naming: the pattern must contain \{slug\}/);
    configInvalid({ clones: { naming: '{team}_{slug}' } }, /clones\.naming: placeholders are \{scope\}, \{id\}, \{slug\}, \{owner\}/);
    configInvalid({ clones: { naming: 'Dev-{slug}' } }, /clones\.naming: outside placeholders/);
    configInvalid({ hooks: [{ command: 'x', url: 'http://localhost/' }] }, /hooks\.0: a hook has either command or url/);
    configInvalid({ hooks: [{ url: 'ftp://x' }] }, /hooks\.0\.url: an http or https URL/);
    configInvalid({ hooks: [{ command: 'x', events: ['born'] }] }, /hooks\.0\.events\.0: .*"created"/);
  });
});
