import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { CloneLifecycle } from '../src/clones/clone-lifecycle.js';
import { listCloneRecords } from '../src/clones/clone-record.js';
import { CLONE_HISTORY_KIND } from '../src/clones/clone-hooks.js';
import { loadConfig } from '../src/index.js';
import type { Mayfly } from '../src/index.js';
import { catalogState, rejectsWithCode } from './helpers/warehouse.js';
import { hookLog, makeProject, removeProject, withProject } from './workers/reap-fixture.js';

/** Everything a refused command must leave as it was: databases, clone records, clone history. */
function snapshot(mayfly: Mayfly): string {
  const w = mayfly.warehouse;
  return JSON.stringify({ dbs: catalogState(w), records: listCloneRecords(w.control), history: w.control.listEvents(CLONE_HISTORY_KIND) });
}

describe('clone lifecycle: bad input is refused with a stable code and changes nothing', () => {
  it('refuses unknown scope kinds, TTLs over the maximum, invalid names, taken names, unknown sources and the active limit', async () => {
    await withProject(async (p) => {
      const { warehouse, config } = p.mayfly;
      const lifecycle = new CloneLifecycle(warehouse, config);
      await lifecycle.create({ name: 'squad_c_one', owner: 'ann' });
      await lifecycle.create({ name: 'squad_c_two', owner: 'ann' });
      await lifecycle.create({ name: 'squad_c_three', owner: 'ann' });
      const before = snapshot(p.mayfly);
      const hooksBefore = hookLog(p).length;
      const refused: [Promise<unknown>, string, RegExp][] = [
        [lifecycle.create({ name: 'team_c_x', scope: 'team:c' }), 'UNKNOWN_SCOPE_KIND', /unknown scope kind "team".*squad:<id>, family:<id>, cross-family:<id>/],
        [lifecycle.create({ name: 'squad_d_x', ttl: '45d' }), 'TTL_TOO_LONG', /maximum for squad clones: 30d \(clones\.scopes\.squad\.maxTtl/],
        [lifecycle.create({ name: 'squad_d_x', ttl: '0d' }), 'INVALID_TTL', /longer than zero/],
        [lifecycle.create({ name: 'squad_d_x', ttl: 'soon' }), 'INVALID_DURATION', /--ttl/],
        [lifecycle.create({ name: 'squad_d_x', scope: 'squad:c' }), 'INVALID_CLONE_NAME', /for scope squad:c it must be squad_c_<slug>/],
        [lifecycle.create({ name: 'doomed' }), 'INVALID_CLONE_NAME', /names no scope.*squad_c_sprint42/],
        [lifecycle.create({ name: 'Squad C', scope: 'squad:c' }), 'INVALID_NAME', /lower-case letters/],
        [lifecycle.create({ name: 'squad_c_one' }), 'CLONE_EXISTS', /already exists/],
        [lifecycle.create({ name: 'squad_d_x', from: 'nowhere' }), 'DB_NOT_FOUND', /nowhere/],
        [lifecycle.create({ name: 'squad_c_four' }), 'CLONE_LIMIT', /squad:c already has 3 clones.*maxActive = 3/],
        [lifecycle.create({ name: 'squad_d_x', at: p.clock.now() - 10 * 86_400_000 }), 'TIME_TRAVEL_OUT_OF_RANGE', /time-travel window/],
        [lifecycle.create({ name: 'squad_d_x', schemas: ['nope'] }), 'SCHEMA_NOT_FOUND', /nope/],
        [lifecycle.create({ name: 'squad_d_x', owner: ' ' }), 'INVALID_OWNER', /--owner/],
      ];
      for (const [action, code, message] of refused) {
        await rejectsWithCode(action, code, message);
        assert.equal(snapshot(p.mayfly), before, `${code} changed nothing`);
      }
      warehouse.createDatabase('squad_d_x');
      await rejectsWithCode(lifecycle.create({ name: 'squad_d_x' }), 'DB_EXISTS');
      assert.equal(hookLog(p).length, hooksBefore, 'no hook ran for a refused command');
    });
  });

  it('refuses to destroy production or a database it did not clone, and to change a destroyed clone', async () => {
    await withProject(async (p) => {
      const { warehouse, config } = p.mayfly;
      const lifecycle = new CloneLifecycle(warehouse, config);
      warehouse.cloneDatabase('adhoc', 'prod');
      await lifecycle.create({ name: 'squad_c_gone', owner: 'ann' });
      await lifecycle.destroy('squad_c_gone');
      const before = snapshot(p.mayfly);
      await rejectsWithCode(lifecycle.destroy('prod'), 'PROD_PROTECTED', /production database/);
      await rejectsWithCode(lifecycle.refresh('prod'), 'NOT_A_CLONE', /production database/);
      await rejectsWithCode(lifecycle.destroy('adhoc'), 'NOT_A_CLONE', /no clone record.*mayfly db drop adhoc/);
      await rejectsWithCode(lifecycle.destroy('nothing_here'), 'CLONE_NOT_FOUND');
      await rejectsWithCode(lifecycle.refresh('squad_c_gone'), 'CLONE_DESTROYED', /was destroyed on .*create a new one/);
      await rejectsWithCode(lifecycle.extend('squad_c_gone', '1d'), 'CLONE_DESTROYED');
      await rejectsWithCode(lifecycle.pin('squad_c_gone', p.clock.now() + 1000), 'CLONE_DESTROYED');
      await rejectsWithCode(lifecycle.destroy('squad_c_gone'), 'CLONE_DESTROYED');
      assert.equal(snapshot(p.mayfly), before);
    });
  });

  it('a clone name that is taken again keeps the old record when the new clone is refused', async () => {
    await withProject(async (p) => {
      const { warehouse, config } = p.mayfly;
      const lifecycle = new CloneLifecycle(warehouse, config);
      await lifecycle.create({ name: 'squad_c_again', owner: 'ann' });
      await lifecycle.destroy('squad_c_again');
      const before = snapshot(p.mayfly);
      // The old record is archived inside the same transaction as the clone, so a failing clone leaves it in place.
      await rejectsWithCode(lifecycle.create({ name: 'squad_c_again', schemas: ['nope'] }), 'SCHEMA_NOT_FOUND');
      assert.equal(snapshot(p.mayfly), before);
    });
  });

  it('refuses a malformed clones section of mayfly.yaml, naming the field and the allowed values', () => {
    const project = makeProject('clones:\n  scopes:\n    squad:\n      atExpiry: archive\n    team: {}\n');
    try {
      assert.throws(
        () => loadConfig({ configPath: project.configPath, home: project.home }),
        (e: unknown) =>
          e instanceof Error &&
          /clones\.scopes\.squad\.atExpiry: .*"destroy"\|"refresh"/.test(e.message) &&
          /unknown scope kind team \(allowed: squad, family, cross-family\)/.test(e.message) &&
          (e as { code?: string }).code === 'CONFIG_INVALID',
      );
      writeFileSync(project.configPath, 'hooks:\n  - events: [created]\n');
      assert.throws(() => loadConfig({ configPath: project.configPath }), /hooks\.0: a hook has either command or url/);
    } finally {
      removeProject(project);
    }
  });
});
