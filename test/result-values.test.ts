import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { catalogState, rejectsWithCode, rows, withSession, withWarehouse } from './helpers/warehouse.js';

describe('result values', () => {
  it('keep their type: numeric columns become numbers where nothing is lost, text that looks numeric stays text', async () => {
    await withWarehouse(async ({ warehouse }) => {
      await withSession(warehouse, 'prod', async (s) => {
        await s.run(`create table t (s varchar, b bigint, h hugeint, d decimal(5,2), l varchar[], n bigint[], st struct(a varchar, b bigint))`);
        await s.run(`insert into t values ('42', 42, 9007199254740993, 1.50, ['7', '08'], [1, 2], {'a': '1', 'b': 2})`);
        const [row] = await rows(s, `select *, map {'k': 5::bigint} as m, '0042' as z, 12::varchar as v from t`);
        assert.deepEqual(row, {
          s: '42',
          b: 42,
          // Numbers a double cannot hold exactly stay strings, as do decimals whose text would change.
          h: '9007199254740993',
          d: '1.50',
          l: ['7', '08'],
          n: [1, 2],
          st: { a: '1', b: 2 },
          m: [{ key: 'k', value: 5 }],
          z: '0042',
          v: '12',
        });
      });
    });
  });

  it('refuses DEFAULT and GENERATED columns, which Mayfly would not apply, instead of reading NULL where DuckDB reads the value', async () => {
    await withWarehouse(async ({ warehouse }) => {
      await withSession(warehouse, 'prod', async (s) => {
        const before = catalogState(warehouse);
        for (const sql of [
          'create table t (a int default 5, b varchar)',
          'create table t (a int, b int generated always as (a * 2) virtual)',
          'create table t (a int, b int as (a + 1))',
          'create table t (a timestamptz default current_timestamp)',
        ]) {
          await rejectsWithCode(s.run(sql), 'COLUMN_DEFAULT_UNSUPPORTED', /DEFAULT or GENERATED/);
        }
        assert.deepEqual(catalogState(warehouse), before);
      });
    });
  });
});
