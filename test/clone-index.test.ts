import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { CLONE_DUE_KIND, CLONE_SCOPE_KIND, idleSince, liveCloneNames, scopeMembers } from '../src/clones/clone-index.js';
import { clonePolicy } from '../src/clones/clone-policy.js';
import { listCloneRecords, type CloneRecord } from '../src/clones/clone-record.js';
import { cloneStatus } from '../src/clones/clone-status.js';
import { reap } from '../src/clones/clone-reaper.js';
import { reapCandidates } from '../src/clones/reap-candidates.js';
import { isMayflyError, type ControlStore } from '../src/index.js';
import { withProject } from './workers/reap-fixture.js';

const HOUR = 3_600_000;
const NAMES = ['squad_a_one', 'squad_a_two', 'squad_a_three', 'squad_a_four', 'squad_b_one', 'family_f_one', 'family_f_two'] as const;

type Op =
  | { readonly kind: 'create' | 'refresh' | 'destroy' | 'extend' | 'use' | 'drop-outside'; readonly clone: number }
  | { readonly kind: 'advance'; readonly hours: number }
  | { readonly kind: 'reap' };

const clone = fc.nat({ max: NAMES.length - 1 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('create' as const), clone }), weight: 5 },
  { arbitrary: fc.record({ kind: fc.constantFrom('refresh' as const, 'destroy' as const, 'extend' as const, 'use' as const, 'drop-outside' as const), clone }), weight: 5 },
  { arbitrary: fc.record({ kind: fc.constant('advance' as const), hours: fc.integer({ min: 1, max: 24 * 20 }) }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('reap' as const) }), weight: 2 },
);

/** Errors an operation may rightly end with in a random sequence (a limit reached, a clone gone, a name taken). */
const EXPECTED = ['CLONE_LIMIT', 'CLONE_NOT_FOUND', 'CLONE_DESTROYED', 'CLONE_EXISTS', 'DB_EXISTS', 'DB_NOT_FOUND', 'TTL_TOO_LONG'];

/** The indexes as a full scan of the records says they should be. */
function recomputed(records: readonly CloneRecord[]): { scopes: Map<string, string[]>; due: string[] } {
  const scopes = new Map<string, string[]>();
  const due: string[] = [];
  for (const r of records) {
    if (r.state === 'destroyed') continue;
    scopes.set(r.scope, [...(scopes.get(r.scope) ?? []), r.name].sort());
    due.push(`expires/${r.scopeKind}/${String(r.expiresAt).padStart(15, '0')}/${r.name}`, `idle/${r.scopeKind}/${String(idleSince(r)).padStart(15, '0')}/${r.name}`);
  }
  return { scopes, due: due.sort() };
}

function assertIndexesMatch(store: ControlStore): void {
  const records = listCloneRecords(store);
  const want = recomputed(records);
  const scopes = new Map(store.listRecords<{ live: string[] }>(CLONE_SCOPE_KIND).map((r) => [r.key, [...r.value.live]]));
  assert.deepEqual(scopes, want.scopes, 'the live clones per scope equal a full count');
  for (const [scope, live] of want.scopes) assert.deepEqual(scopeMembers(store, scope), live);
  assert.deepEqual(store.listRecords(CLONE_DUE_KIND).map((r) => r.key), want.due, 'the due keys equal those of the live records');
  assert.deepEqual(liveCloneNames(store), [...want.scopes.values()].flat().sort());
}

describe('clone indexes', () => {
  it('after random create/refresh/destroy/extend/use/expire sequences, the per-scope counts and due keys equal a full count, and reap sees every clone that is due', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 14 }), async (ops) => {
        await withProject(async (p) => {
          const { warehouse, config, lifecycle, activity } = p.mayfly;
          for (const op of ops) {
            try {
              if (op.kind === 'advance') p.clock.advance(op.hours * HOUR);
              else if (op.kind === 'reap') await reap(warehouse, config);
              else {
                const name = NAMES[op.clone] ?? NAMES[0];
                if (op.kind === 'create') await lifecycle.create({ name, owner: 'ann' });
                else if (op.kind === 'refresh') await lifecycle.refresh(name);
                else if (op.kind === 'destroy') await lifecycle.destroy(name);
                else if (op.kind === 'extend') await lifecycle.extend(name, '1d');
                else if (op.kind === 'drop-outside') warehouse.dropDatabase(name);
                else {
                  warehouse.reportActivity({ db: name, kind: 'read', purpose: 'query', elapsedMs: 1 });
                  activity.flush();
                }
              }
            } catch (e) {
              if (!EXPECTED.some((code) => isMayflyError(e, code))) throw e;
            }
            assertIndexesMatch(warehouse.control);
          }
          // Every clone a full scan finds expiring or expired is among reap's candidates.
          const now = p.clock.now();
          const candidates = new Set(reapCandidates(warehouse.control, config, now).map((r) => r.name));
          for (const r of listCloneRecords(warehouse.control)) {
            const state = cloneStatus(r, clonePolicy(config, r.scopeKind), now).state;
            if (state === 'expiring' || state === 'expired') assert.ok(candidates.has(r.name), `${r.name} is ${state} but not a reap candidate`);
          }
        });
      }),
      { numRuns: 20 },
    );
  });

  it('builds the indexes once for a catalog written before they existed', async () => {
    await withProject(async (p) => {
      const { warehouse, lifecycle } = p.mayfly;
      for (const name of ['squad_a_one', 'squad_a_two', 'family_f_one']) await lifecycle.create({ name, owner: 'ann' });
      await lifecycle.destroy('squad_a_two');
      const store = warehouse.control;
      // An older catalog: the records without any index record.
      store.atomically(() => {
        for (const kind of [CLONE_SCOPE_KIND, CLONE_DUE_KIND, 'clone-index']) for (const r of store.listRecords(kind)) store.deleteRecord(kind, r.key);
      });
      assert.deepEqual(liveCloneNames(store), []);
      await lifecycle.create({ name: 'squad_a_three', owner: 'ann' });
      assertIndexesMatch(store);
      assert.deepEqual(scopeMembers(store, 'squad:a'), ['squad_a_one', 'squad_a_three']);
    });
  });

  it('refuses a clone over the scope limit naming the scope\'s clones, and suggests near names for an unknown clone', async () => {
    await withProject(async (p) => {
      const { lifecycle } = p.mayfly;
      for (const name of ['squad_a_one', 'squad_a_two', 'squad_a_three']) await lifecycle.create({ name, owner: 'ann' });
      await assert.rejects(lifecycle.create({ name: 'squad_a_four', owner: 'ann' }), (e: unknown) => isMayflyError(e, 'CLONE_LIMIT') && /squad:a already has 3 clones \(squad_a_one, squad_a_three, squad_a_two\)/.test(e.message));
      await assert.rejects(lifecycle.destroy('squad_a_onee'), (e: unknown) => isMayflyError(e, 'CLONE_NOT_FOUND') && /similar name: squad_a_one, squad_a_three, squad_a_two\)/.test(e.message));
      await assert.rejects(lifecycle.destroy('nothing'), (e: unknown) => isMayflyError(e, 'CLONE_NOT_FOUND') && !/similar/.test(e.message) && /mayfly clone list/.test(e.message));
    });
  });
});
