import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isMayflyError } from '../core/errors.js';
import { checkCloneName, scopeFromName } from './clone-naming.js';
import { parseScope } from './clone-scope.js';

const PATTERN = '{scope}_{id}_{slug}';

describe('clone scopes and names', () => {
  it('parses the three scope kinds and refuses others, naming the allowed kinds', () => {
    assert.deepEqual(parseScope('squad:c'), { kind: 'squad', id: 'c' });
    assert.deepEqual(parseScope('cross-family:irm-a'), { kind: 'cross-family', id: 'irm-a' });
    assert.throws(() => parseScope('team:c'), (e: unknown) => isMayflyError(e, 'UNKNOWN_SCOPE_KIND') && /squad:<id>, family:<id>, cross-family:<id>/.test(e.message));
    assert.throws(() => parseScope('squad:'), (e: unknown) => isMayflyError(e, 'INVALID_SCOPE'));
    assert.throws(() => parseScope('squad:C D'), (e: unknown) => isMayflyError(e, 'INVALID_SCOPE'));
  });

  it('accepts names that follow the pattern for their scope and refuses others with the rule and an example', () => {
    checkCloneName(PATTERN, 'squad_c_sprint42', { kind: 'squad', id: 'c' }, 'ann');
    checkCloneName(PATTERN, 'cross_family_irm_a_deps', { kind: 'cross-family', id: 'irm-a' }, 'ann');
    assert.throws(
      () => checkCloneName(PATTERN, 'squad_d_sprint42', { kind: 'squad', id: 'c' }, 'ann'),
      (e: unknown) => isMayflyError(e, 'INVALID_CLONE_NAME') && /squad_c_<slug>/.test(e.message) && /\{scope\}_\{id\}_\{slug\}/.test(e.message),
    );
    assert.throws(() => checkCloneName(PATTERN, 'Squad_C_x', { kind: 'squad', id: 'c' }, 'ann'), (e: unknown) => isMayflyError(e, 'INVALID_NAME'));
    assert.throws(() => checkCloneName(PATTERN, 'squad_c_', { kind: 'squad', id: 'c' }, 'ann'), (e: unknown) => isMayflyError(e, 'INVALID_CLONE_NAME'));
  });

  it('supports the owner placeholder and literal parts', () => {
    const pattern = 'dev_{owner}_{slug}';
    checkCloneName(pattern, 'dev_ann_orders', { kind: 'family', id: 'b' }, 'Ann');
    assert.throws(() => checkCloneName(pattern, 'dev_bob_orders', { kind: 'family', id: 'b' }, 'ann'), (e: unknown) => isMayflyError(e, 'INVALID_CLONE_NAME') && /dev_ann_<slug>/.test(e.message));
  });

  it('reads the scope out of a name, longest kind first, and gives up on names without one', () => {
    assert.deepEqual(scopeFromName(PATTERN, 'squad_c_sprint42'), { kind: 'squad', id: 'c' });
    assert.deepEqual(scopeFromName(PATTERN, 'family_b_test_v2'), { kind: 'family', id: 'b' });
    assert.deepEqual(scopeFromName(PATTERN, 'cross_family_irm_deps'), { kind: 'cross-family', id: 'irm' });
    assert.equal(scopeFromName(PATTERN, 'doomed'), undefined);
    assert.equal(scopeFromName(PATTERN, 'squad_c'), undefined);
    assert.equal(scopeFromName('{owner}_{slug}', 'ann_x'), undefined);
  });
});
