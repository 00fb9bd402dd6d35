import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Catalog } from '../src/catalog/catalog.js';
import { STORAGE_EVENT_KIND } from '../src/costs/meter-events.js';
import { maintainedStorageMetrics } from '../src/warehouse/maintained-metrics.js';
import { storageMetrics } from '../src/warehouse/storage-metrics.js';
import { manifestsOf } from '../src/warehouse/table-manifests.js';
import { withSession, withWarehouse } from './helpers/warehouse.js';

const CLONES = 200;

/** The real catalog, counting the calls that read databases: refs listed, commits and metadata rows read. */
function counting(catalog: Catalog): { catalog: Catalog; calls: Map<string, number>; metadata: Set<string> } {
  const calls = new Map<string, number>();
  const metadata = new Set<string>();
  const proxy = new Proxy(catalog, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls.set(String(prop), (calls.get(String(prop)) ?? 0) + 1);
        if (prop === 'getMetadata') metadata.add(String(args[1]));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { catalog: proxy, calls, metadata };
}

describe('storage metrics at many clones', () => {
  it(`a one-row INSERT into production with ${CLONES} clones samples only production, and one clone's metrics read only that clone`, async () => {
    await withWarehouse(async ({ warehouse: w, mayfly, clock }) => {
      await withSession(w, 'prod', (s) => s.run('create table t (id bigint); insert into t select * from range(1000); create table u (id bigint); insert into u values (1)'));
      for (let i = 0; i < CLONES; i++) w.cloneDatabase(`c${String(i).padStart(3, '0')}`, 'prod');
      // Every clone diverges: its own table version, so its tree is its own.
      for (const name of ['c000', 'c005', 'c199']) await withSession(w, name, (s) => s.run(`insert into u values (${name.length})`));
      mayfly.meter.flush();
      clock.advance(60_000);
      const before = w.control.listEvents(STORAGE_EVENT_KIND, { since: clock.now() }).length;
      await withSession(w, 'prod', (s) => s.run('insert into t values (-1)'));
      mayfly.meter.flush();
      const written = w.control.listEvents(STORAGE_EVENT_KIND, { since: clock.now() });
      assert.equal(before, 0);
      assert.deepEqual(
        written.map((e) => e.subject),
        ['prod'],
        'one sample, production',
      );

      // One clone's figures: its own tree and clone point only, no listing of the databases.
      const c = counting(w.catalog);
      const one = maintainedStorageMetrics(c.catalog, ['c005']);
      assert.deepEqual(one.databases, storageMetrics(w.catalog, 'c005').databases);
      assert.equal(c.calls.get('listRefs') ?? 0, 0, 'no database listed');
      const own = new Set<string>();
      const tree = (commitId: string): void => {
        const root = w.catalog.getCommit(commitId).tree;
        own.add(root);
        for (const schemaId of Object.values(w.catalog.getMetadata<{ schemas: Record<string, string> }>('root', root).schemas)) {
          own.add(schemaId);
          for (const id of Object.values(w.catalog.getMetadata<{ tables: Record<string, string> }>('schema', schemaId).tables)) {
            own.add(id);
            // A table version's manifests are part of it.
            manifestsOf(w.catalog).walk(id, (chunk) => Boolean(own.add(chunk)), undefined);
          }
        }
      };
      const ref = w.catalog.getRef('c005');
      assert.ok(ref?.source);
      tree(ref.commitId);
      tree(ref.source.commitId);
      assert.deepEqual([...c.metadata].filter((id) => !own.has(id)), [], 'read nothing outside its tree and its clone point');
      assert.ok((c.calls.get('getCommit') ?? 0) <= 2, `commits read: ${c.calls.get('getCommit')}`);

      // Bytes only clones keep are split among them: production drops u's file, which every clone still holds.
      await withSession(w, 'prod', (s) => s.run('drop table u'));
      const all = w.metrics();
      assert.deepEqual(all, storageMetrics(w.catalog));
      const clone = all.databases.find((d) => d.name === 'c001');
      assert.ok(clone && clone.chargedBytes > 0 && clone.exclusiveBytes === 0, 'a file 197 clones keep is charged to each of them');
      assert.equal(all.databases.reduce((n, d) => n + d.chargedBytes, 0) + all.chargeRemainderBytes, all.liveBytes);
    });
  });
});
