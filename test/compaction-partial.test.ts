import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Session, Warehouse } from '../src/index.js';
import type { TableVersion } from '../src/catalog/model.js';
import { runCli } from './helpers/cli.js';
import { iso, rejectsWithCode, rows, withSession, withWarehouse } from './helpers/warehouse.js';

const MINUTE = 60_000;

/** The table version of `main.t` in database `db` now. */
function version(warehouse: Warehouse, db: string, table = 't'): TableVersion {
  const tree = warehouse.tree(warehouse.database(db).commitId);
  const id = tree.schemas.get('main')?.tables.get(table);
  assert.ok(id !== undefined, `${db}.main.${table} exists`);
  return tree.tableVersion(id);
}

/** Every row of `t`, in id order, as JSON (a value compared exactly). */
async function content(s: Session, table: string): Promise<string> {
  return JSON.stringify(await rows(s, `select * from ${table} order by id, v`));
}

/**
 * Four data files of 1,000 rows (ids 0–3999, one INSERT each), then deletes:
 * A loses 30 % (one vector), B 5 % (one vector), C 50 % (one vector) and
 * 10 % more with 0.2 % of D in one vector naming both.
 */
async function fourFiles(s: Session): Promise<void> {
  await s.run('create table t (id int, v varchar)');
  for (let f = 0; f < 4; f++) await s.run(`insert into t select ${f * 1000} + i, 'value ' || (${f * 1000} + i) from range(1000) r(i)`);
  await s.run('delete from t where id < 300');
  await s.run('delete from t where id between 1000 and 1049');
  await s.run('delete from t where id between 2000 and 2499');
  await s.run('delete from t where id between 2500 and 2599 or id in (3000, 3001)');
}

describe('partial compaction', () => {
  it('leaves files another table of the same database holds, whether it lists the same version or another', async () => {
    await withWarehouse(async ({ warehouse }) => {
      await withSession(warehouse, 'prod', async (s) => {
        await fourFiles(s);
        // u lists t's version unchanged; w lists the same files in a version of its own (one more delete).
        await s.run('create table u clone t');
        await s.run('create table w clone t');
        await s.run('delete from w where id = 3999');
        const shared = version(warehouse, 'prod', 't').files.map((f) => f.key);
        await warehouse.compact();
        for (const table of ['t', 'u']) assert.deepEqual(version(warehouse, 'prod', table).files.map((f) => f.key), shared, `${table} keeps the files u shares`);
        const w = version(warehouse, 'prod', 'w').files.map((f) => f.key);
        assert.deepEqual(w, shared, 'w keeps the files t and u hold');
      });
    });
  });

  it('rewrites exactly the files whose deleted share passes the threshold, keeps the others and their delete vectors', async () => {
    await withWarehouse(
      async ({ warehouse, clock }) => {
        await withSession(warehouse, 'prod', async (s) => {
          await fourFiles(s);
          const before = version(warehouse, 'prod');
          assert.equal(before.files.length, 4);
          assert.equal(before.deletes.length, 4);
          const [a, b, c, d] = before.files.map((f) => f.key) as [string, string, string, string];
          const [dvA, dvB, dvC, dvCD] = before.deletes;
          assert.deepEqual(dvCD?.targets, [c, d].sort());
          const wanted = await content(s, 't');
          const at = clock.now();
          clock.advance(MINUTE);

          const report = await warehouse.compact();
          const after = version(warehouse, 'prod');
          const keys = new Set(after.files.map((f) => f.key));
          // A (30 %) and C (60 %) are rewritten; B (5 %) and D (0.2 %) stay the same objects.
          assert.ok(keys.has(b) && keys.has(d), 'B and D are kept');
          assert.ok(!keys.has(a) && !keys.has(c), 'A and C are rewritten');
          assert.equal(after.files.length, 3, 'A and C become one new file');
          assert.equal(report.filesRewritten, 2);
          assert.equal(report.filesWritten, 1);
          // B's vector is kept as is; A's and C's are dropped; the one naming C and D is trimmed to D.
          assert.equal(after.deletes.length, 2);
          assert.ok(after.deletes.some((x) => x.key === dvB?.key));
          assert.ok(!after.deletes.some((x) => x.key === dvA?.key || x.key === dvC?.key || x.key === dvCD?.key));
          const trimmed = after.deletes.find((x) => x.key !== dvB?.key);
          assert.deepEqual(trimmed?.targets, [d]);
          assert.equal(trimmed?.rows, 2);
          assert.equal(report.deleteVectorsDropped, 2);
          assert.equal(report.deleteVectorsTrimmed, 1);
          const fileBytes = (v: TableVersion, k: string): number => v.files.find((f) => f.key === k)?.bytes ?? 0;
          const dvBytes = before.deletes.reduce((n, x) => n + x.bytes, 0);
          assert.equal(report.bytesRead, fileBytes(before, a) + fileBytes(before, c) + dvBytes);
          const newFile = after.files.find((f) => f.key !== b && f.key !== d);
          assert.equal(report.bytesWritten, (newFile?.bytes ?? 0) + (trimmed?.bytes ?? 0));
          assert.equal(newFile?.rows, 700 + 400);
          assert.equal(report.databases.length, 1);
          assert.equal(report.databases[0]?.name, 'prod');

          // Exactly the same rows, now and through time travel to before compaction.
          assert.equal(await content(s, 't'), wanted);
          assert.equal(await content(s, `t at (timestamp => ${iso(at)})`), wanted);

          // Nothing left to do: a second run rewrites nothing and moves no ref.
          const commit = warehouse.database('prod').commitId;
          const again = await warehouse.compact();
          assert.equal(again.filesRewritten, 0);
          assert.equal(again.bytesWritten, 0);
          assert.equal(warehouse.database('prod').commitId, commit);
        });
      },
      { settings: { smallFileBytes: 1 } },
    );
  });

  it('merges small files up to the target size and leaves a lone small file alone', async () => {
    await withWarehouse(
      async ({ warehouse }) => {
        await withSession(warehouse, 'prod', async (s) => {
          await s.run('create table t (id int, v varchar); create table u (id int, v varchar)');
          await s.run(`insert into t select i, md5(i::varchar) || md5((i + 1)::varchar) from range(20000) r(i)`);
          const big = version(warehouse, 'prod').files.map((f) => f.key);
          for (let k = 0; k < 5; k++) await s.run(`insert into t values (${100000 + k}, 'small ${k}')`);
          await s.run(`insert into u values (1, 'alone')`);
          const wanted = await content(s, 't');
          const u = version(warehouse, 'prod', 'u').files[0]?.key;
          const report = await warehouse.compact({ smallFileBytes: 16 * 1024 });
          const after = version(warehouse, 'prod');
          for (const k of big) assert.ok(after.files.some((f) => f.key === k), 'the large files are kept');
          assert.equal(after.files.length, big.length + 1, 'five small files became one');
          assert.equal(report.filesRewritten, 5);
          assert.equal(report.tablesCompacted, 1);
          assert.equal(version(warehouse, 'prod', 'u').files[0]?.key, u);
          assert.equal(await content(s, 't'), wanted);
        });
      },
      { settings: { targetFileBytes: 64 * 1024 * 1024 } },
    );
  });

  it('--full rewrites every file with deletes or below the small size, and --json reports it', async () => {
    await withWarehouse(
      async ({ home, warehouse }) => {
        await withSession(warehouse, 'prod', async (s) => {
          await fourFiles(s);
          const before = version(warehouse, 'prod');
          const wanted = await content(s, 't');
          const run = await runCli(['compact', '--full', '--json', '--small-file-size', '1B', '--home', home]);
          assert.equal(run.code, 0, run.stderr);
          const report = JSON.parse(run.stdout) as { filesRewritten: number; deleteVectorsDropped: number; bytesWritten: number; databases: { name: string }[] };
          assert.equal(report.filesRewritten, 4);
          assert.equal(report.deleteVectorsDropped, 4);
          assert.ok(report.bytesWritten > 0);
          const after = version(warehouse, 'prod');
          assert.ok(!after.files.some((f) => before.files.some((g) => g.key === f.key)), 'no file is kept');
          assert.equal(after.deletes.length, 0);
          await withSession(warehouse, 'prod', async (s2) => assert.equal(await content(s2, 't'), wanted));
        });
      },
      { settings: { smallFileBytes: 1 } },
    );
  });

  it('folds many small delete vectors into one without rewriting data, unless a clone holds them', async () => {
    await withWarehouse(
      async ({ warehouse, clock }) => {
        await withSession(warehouse, 'prod', async (s) => {
          await s.run('create table t (id int, v varchar)');
          await s.run(`insert into t select i, 'value ' || i from range(1000) r(i)`);
          await s.run(`insert into t select i, 'other ' || i from range(1000, 2000) r(i)`);
          // Twelve vectors: ten naming one file, one naming both, one from an UPDATE.
          for (let k = 0; k < 10; k++) await s.run(`delete from t where id = ${k * 7}`);
          await s.run('delete from t where id in (500, 1500)');
          await s.run(`update t set v = 'changed' where id = 1001`);
          const before = version(warehouse, 'prod');
          assert.equal(before.deletes.length, 12);
          const wanted = await content(s, 't');
          const at = clock.now();
          clock.advance(MINUTE);

          // A clone holds the same vectors: folding them in production would copy their rows, so nothing moves.
          warehouse.cloneDatabase('c', 'prod');
          const held = await warehouse.compact();
          assert.equal(held.deleteVectorsMerged, 0);
          assert.deepEqual(version(warehouse, 'prod').deletes.map((d) => d.key), before.deletes.map((d) => d.key));
          warehouse.dropDatabase('c');

          const report = await warehouse.compact();
          const after = version(warehouse, 'prod');
          assert.deepEqual(after.files.map((f) => f.key), before.files.map((f) => f.key), 'no data file is rewritten');
          assert.equal(after.deletes.length, 1);
          assert.equal(report.deleteVectorsMerged, 12);
          assert.equal(report.filesRewritten, 0);
          assert.equal(after.deletes[0]?.rows, before.deletes.reduce((n, d) => n + d.rows, 0));
          assert.deepEqual(after.deletes[0]?.targets, [...new Set(before.deletes.flatMap((d) => d.targets))].sort());
          assert.equal(report.bytesWritten, after.deletes[0]?.bytes);
          assert.equal(await content(s, 't'), wanted);
          assert.equal(await content(s, `t at (timestamp => ${iso(at)})`), wanted);
          // The folded vector serves writes as the old ones did.
          await s.run('delete from t where id between 1 and 3');
          assert.deepEqual(await rows(s, 'select count(*)::int as n from t'), [{ n: 2000 - 11 - 1 - 3 }]);
          const again = await warehouse.compact();
          assert.equal(again.deleteVectorsMerged, 0, 'two vectors are under the limit');
        });
      },
      { settings: { smallFileBytes: 1 } },
    );
  });

  it('refuses bad thresholds and conflicting targets with a clear code, changing nothing', async () => {
    await withWarehouse(async ({ home, warehouse }) => {
      const commit = warehouse.database('prod').commitId;
      await rejectsWithCode(warehouse.compact({ deletedFraction: 1.5 }), 'COMPACT_THRESHOLD');
      await rejectsWithCode(warehouse.compact({ db: 'prod', all: true }), 'COMPACT_TARGET');
      const bad = await runCli(['compact', '--deleted-fraction', 'lots', '--home', home]);
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /deleted-fraction/);
      const size = await runCli(['compact', '--small-file-size', 'huge', '--home', home]);
      assert.equal(size.code, 1);
      assert.equal(warehouse.database('prod').commitId, commit);
    });
  });
});

describe('compaction in a clone', () => {
  it('writes files the clone owns when asked, and leaves the source’s files and versions untouched', async () => {
    await withWarehouse(
      async ({ home, warehouse }) => {
        await withSession(warehouse, 'prod', async (s) => {
          await fourFiles(s);
          warehouse.cloneDatabase('c', 'prod');
          const prodCommit = warehouse.database('prod').commitId;
          const prodVersion = version(warehouse, 'prod');
          const cloneCommit = warehouse.database('c').commitId;
          const wanted = await content(s, 'c.main.t');

          // Compacting production leaves what it shares with the clone alone: neither moves.
          const prodRun = await warehouse.compact();
          assert.equal(prodRun.filesRewritten, 0);
          assert.equal(warehouse.database('prod').commitId, prodCommit);
          assert.equal(warehouse.database('c').commitId, cloneCommit);

          const exclusiveBefore = warehouse.metrics('c').databases[0]?.exclusiveBytes ?? -1;
          assert.equal(exclusiveBefore, 0);
          const run = await runCli(['compact', '--db', 'c', '--json', '--small-file-size', '1B', '--home', home]);
          assert.equal(run.code, 0, run.stderr);
          const report = JSON.parse(run.stdout) as { filesRewritten: number; bytesWritten: number; databases: { name: string; shared: boolean; bytesWritten: number }[] };
          assert.equal(report.filesRewritten, 2);
          assert.deepEqual(
            report.databases.map((d) => [d.name, d.shared]),
            [['c', true]],
          );

          // The source: same commit, same version, same files.
          assert.equal(warehouse.database('prod').commitId, prodCommit);
          assert.deepEqual(version(warehouse, 'prod'), prodVersion);
          // The clone: its new files are its own, reported as its bytes.
          const cloneVersion = version(warehouse, 'c');
          const prodKeys = new Set([...prodVersion.files, ...prodVersion.deletes].map((f) => f.key));
          const own = [...cloneVersion.files, ...cloneVersion.deletes].filter((f) => !prodKeys.has(f.key));
          assert.equal(own.length, 2, 'one merged data file and one trimmed delete vector');
          const ownBytes = own.reduce((n, f) => n + f.bytes, 0);
          assert.equal(report.databases[0]?.bytesWritten, ownBytes);
          assert.equal(warehouse.metrics('c').databases[0]?.exclusiveBytes, ownBytes);
          await withSession(warehouse, 'c', async (cs) => assert.equal(await content(cs, 't'), wanted));
        });
      },
      { settings: { smallFileBytes: 1 } },
    );
  });
});

/** One step of a random history of one table. */
type Step =
  | { readonly kind: 'insert'; readonly n: number }
  | { readonly kind: 'delete'; readonly m: number; readonly r: number }
  | { readonly kind: 'update'; readonly m: number; readonly r: number };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('insert' as const), n: fc.integer({ min: 1, max: 300 }) }),
  fc.record({ kind: fc.constant('delete' as const), m: fc.integer({ min: 2, max: 9 }), r: fc.nat({ max: 8 }) }),
  fc.record({ kind: fc.constant('update' as const), m: fc.integer({ min: 2, max: 9 }), r: fc.nat({ max: 8 }) }),
);

describe('compaction keeps results exact', () => {
  it('property: after random inserts, deletes and updates, compaction returns exactly the rows of the uncompacted snapshot', async () => {
    let rewritten = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(stepArb, { minLength: 1, maxLength: 10 }),
        fc.constantFrom(0, 0.05, 0.1, 0.5),
        fc.boolean(),
        async (steps, deletedFraction, full) => {
          await withWarehouse(
            async ({ warehouse, clock }) => {
              await withSession(warehouse, 'prod', async (s) => {
                await s.run('create table t (id bigint, v varchar, w double)');
                let next = 0;
                for (const step of steps) {
                  if (step.kind === 'insert') {
                    await s.run(`insert into t select ${next} + i, 'v' || (${next} + i), i / 7.0 from range(${step.n}) r(i)`);
                    next += step.n;
                  } else if (step.kind === 'delete') await s.run(`delete from t where id % ${step.m} = ${step.r % step.m}`);
                  else await s.run(`update t set v = v || 'u', w = w + 1 where id % ${step.m} = ${step.r % step.m}`);
                }
                const at = clock.now();
                clock.advance(MINUTE);
                const report = await warehouse.compact({ deletedFraction, full, smallFileBytes: 2048 });
                rewritten += report.filesRewritten;
                const now = await content(s, 't');
                const then = await content(s, `t at (timestamp => ${iso(at)})`);
                assert.equal(now, then);
                const live = Number((await rows(s, 'select count(*) as n from t'))[0]?.n);
                const v = version(warehouse, 'prod');
                // The catalog's live-row count (files minus delete vectors) stays exact.
                assert.equal(v.files.reduce((n, f) => n + f.rows, 0) - v.deletes.reduce((n, d) => n + d.rows, 0), live);
              });
            },
            { settings: { targetFileBytes: 8 * 1024 } },
          );
        },
      ),
      { numRuns: 25 },
    );
    assert.ok(rewritten > 0, 'some runs rewrote files');
  });
});
