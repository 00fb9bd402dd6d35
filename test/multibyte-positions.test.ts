import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { runCli } from './helpers/cli.js';
import type { Session } from '../src/index.js';
import { indexToUtf8Offset, utf8Indexer, utf8OffsetToIndex } from '../src/sql/text-offsets.js';
import { rows, tempHome, withSession, withWarehouse } from './helpers/warehouse.js';

/** Multi-byte text of every width: 2-byte Latin, 3-byte CJK, 4-byte emoji (surrogate pairs), combining marks, ZWJ sequences. */
const SAMPLES = ['é', 'ééééé', '漢字テキスト', '😀', '👩‍👩‍👧‍👦', 'e\u0301', 'Z\u0351\u0352\u0353', '🏳️‍🌈x', '\u00a0', '\u3000\u200b', '\u2060\ufeff'];

/** Tables a and b (in prod.main) and s.a (a schema table of the same name): each row says which table it is. */
async function setup(s: Session): Promise<void> {
  await s.run(`create table a as select 'A' as t, 1 as id; create table b as select 'B' as t, 1 as id;
    create schema s; create table s.a as select 'SA' as t, 1 as id`);
}

/** Every statement shape with `X` where multi-byte text goes, and what it must return. */
const SHAPES: readonly { sql: string; expect: readonly Record<string, unknown>[] }[] = [
  { sql: `select 'X' u, y.t from a x, b y`, expect: [{ u: 'X', t: 'B' }] },
  { sql: `select x.t, 'X' u, y.t as t2 from a x, b y`, expect: [{ t: 'A', u: 'X', t2: 'B' }] },
  { sql: `/* X */ select y.t from a x, b y -- X`, expect: [{ t: 'B' }] },
  { sql: `select "X".t from a "X" join b on true`, expect: [{ t: 'A' }] },
  { sql: `select y.t as "X" from a, b y where 'X' <> ''`, expect: [{ X: 'B' }] },
  { sql: `select t from b where t <> 'X' union all select t from a where t <> 'X' order by 1`, expect: [{ t: 'A' }, { t: 'B' }] },
  { sql: `with "X" as (select 'X' v) select b.t, "X".v from "X", b`, expect: [{ t: 'B', v: 'X' }] },
  { sql: `select (select t from b where 'X' = 'X') as t2, t from s.a`, expect: [{ t2: 'B', t: 'SA' }] },
  { sql: `select t, 'X' from a where id in (select id from b where t = 'B' and 'X' is not null) and t <> 'X'`, expect: [{ t: 'A', "'X'": 'X' }] },
  { sql: `select 'X' as u, t from s.a`, expect: [{ u: 'X', t: 'SA' }] },
  { sql: `select t from b at (timestamp => NOW /* X */) y where 'X' = 'X'`, expect: [{ t: 'B' }] },
  { sql: `select 'X' u, y.t from a at (timestamp => NOW) x, b y`, expect: [{ u: 'X', t: 'B' }] },
];

function render(shape: string, text: string): string {
  return shape.replaceAll('X', text);
}

function expected(shape: (typeof SHAPES)[number], text: string): Record<string, unknown>[] {
  return shape.expect.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k.replaceAll('X', text), typeof v === 'string' ? v.replaceAll('X', text) : v])));
}

describe('UTF-8 offsets', () => {
  it('map byte offsets to string indexes and back for every kind of character', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' }), (a, b) => {
        const text = a + b;
        const toIndex = utf8Indexer(text);
        let index = 0;
        for (const ch of text) {
          const byte = indexToUtf8Offset(text, index);
          assert.equal(utf8OffsetToIndex(text, byte), index);
          assert.equal(toIndex(byte), index);
          index += ch.length;
        }
        assert.equal(indexToUtf8Offset(text, text.length), Buffer.byteLength(text));
        assert.equal(toIndex(Buffer.byteLength(text)), text.length);
      }),
    );
    assert.equal(utf8OffsetToIndex('é', 1), undefined, 'an offset inside a character maps to nothing');
  });
});

describe('multi-byte text in every position of a statement', () => {
  it('reads the tables the statement names, through a Session', async () => {
    await withWarehouse(async ({ warehouse, clock }) => {
      await withSession(warehouse, 'prod', async (s) => {
        await setup(s);
        clock.advance(1000);
        const now = `'${new Date(clock.now()).toISOString()}'::timestamptz`;
        for (const shape of SHAPES) {
          for (const text of SAMPLES) {
            const sql = render(shape.sql, text).replaceAll('NOW', now);
            assert.deepEqual(await rows(s, sql), expected(shape, text), sql);
          }
        }
      });
    });
  });

  it('writes with multi-byte text in values, aliases and conditions land in the right table', async () => {
    await withWarehouse(async ({ warehouse }) => {
      await withSession(warehouse, 'prod', async (s) => {
        await setup(s);
        for (const text of SAMPLES) {
          await s.run(`insert into b (t, id) select '${text}' || x.t, 2 from a x, s.a y where y.t = 'SA'`);
          await s.run(`update b set t = '${text}' where t = '${text}' || 'A' and id = (select id + 1 from a where '${text}' <> '')`);
          await s.run(`create or replace table c as select '${text}' "${text}", y.t from a x, b y where y.id = 1`);
          assert.deepEqual(await rows(s, `select t from c`), [{ t: 'B' }]);
          await s.run(`create or replace view v as select '${text}' u, y.t from a x, s.a y`);
          assert.deepEqual(await rows(s, `select t from v`), [{ t: 'SA' }]);
        }
        const written = (await rows(s, `select t from b where id = 2`)).map((r) => String(r.t));
        assert.deepEqual(written.sort(), [...SAMPLES].sort());
      });
    });
  });

  it('reports the place of a parse error in characters after multi-byte text', async () => {
    await withWarehouse(async ({ warehouse }) => {
      await withSession(warehouse, 'prod', async (s) => {
        await setup(s);
        // DuckDB counts a parse error's place in code points (an emoji is one), table locations in bytes.
        await assert.rejects(s.engine.inspect(`select '😀😀😀' u, /*\u00a0*/ 1 2 from a`), (e: Error) => {
          assert.match(e.message, /line 1, column (\d+)/);
          const column = Number(/column (\d+)/.exec(e.message)?.[1]);
          // Columns count code points, as an editor shows them: each emoji is one.
          assert.equal(column, [...`select '😀😀😀' u, /*\u00a0*/ 1 `].length + 1, e.message);
          assert.doesNotMatch(e.message, /"prod"/);
          return true;
        });
      });
    });
  });

  it('property: random multi-byte padding around references still reads the right tables (against DuckDB on the same data)', async () => {
    await withWarehouse(async ({ warehouse }) => {
      await withSession(warehouse, 'prod', async (s) => {
        await setup(s);
        const pad = fc.array(fc.constantFrom(...SAMPLES, 'a', 'b', ' '), { maxLength: 6 }).map((p) => p.join('').replaceAll("'", ''));
        await fc.assert(
          fc.asyncProperty(pad, pad, pad, fc.constantFrom('a', 'b', 's.a'), fc.constantFrom('a', 'b', 's.a'), async (p1, p2, p3, t1, t2) => {
            const sql = `select '${p1}' p1, x.t tx, /* ${p2} */ y.t ty, '${p3}' p3 from ${t1} x, ${t2} y -- ${p3}`;
            const want = { p1, tx: label(t1), ty: label(t2), p3 };
            const got = await rows(s, sql);
            assert.deepEqual(got, [want], `${sql} returned ${JSON.stringify(got)}`);
          }),
          { numRuns: 60 },
        );
      });
    });
  });
});

describe('Unicode spaces (which DuckDB reads as spaces) between the words of a statement', () => {
  it('property: the statement reads the right tables or is refused with a user error, never another table', async () => {
    await withWarehouse(async ({ warehouse }) => {
      await withSession(warehouse, 'prod', async (s) => {
        await setup(s);
        const words = ['select', 'x.t', 'tx,', 'y.t', 'ty', 'from', 'a', 'x,', 'b', 'y', 'where', "'é'", '<>', "'😀'"];
        const space = fc.constantFrom(' ', '\u00a0', '\u2003', '\u200b', '\u3000', '\ufeff', ' \u00a0 ', '/*\u00a0*/ ');
        await fc.assert(
          fc.asyncProperty(fc.array(space, { minLength: words.length - 1, maxLength: words.length - 1 }), async (spaces) => {
            const sql = words.reduce((out, w, i) => out + (i > 0 ? (spaces[i - 1] as string) : '') + w, '');
            try {
              assert.deepEqual(await rows(s, sql), [{ tx: 'A', ty: 'B' }], sql);
            } catch (e) {
              if (e instanceof assert.AssertionError) throw e;
              const code = (e as { code?: string }).code;
              assert.ok(code === 'SQL_PARSE' || code === 'SQL_UNSUPPORTED', `${JSON.stringify(sql)} failed with ${String(code)}: ${String(e)}`);
            }
          }),
          { numRuns: 60 },
        );
      });
    });
  });
});

function label(table: string): string {
  return table === 's.a' ? 'SA' : table.toUpperCase();
}

describe('mayfly sql with multi-byte text (in process)', () => {
  it('reads the right table and never exits 2', async () => {
    const home = tempHome();
    try {
    assert.equal((await runCli(['init', '--home', home])).code, 0);
    assert.equal((await runCli(['sql', '--home', home, "create table a as select 'A' as t; create table b as select 'B' as t"])).code, 0);
    for (const text of ['éé', 'ééééé', '😀', '👩‍👩‍👧‍👦', 'e\u0301']) {
      const r = await runCli(['sql', '--home', home, '--json', `select '${text}' u, y.* from a x, b y`]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout), [{ u: text, t: 'B' }]);
    }
    const bad = await runCli(['sql', '--home', home, "select '😀' u, 1 2 from a x, b y"]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /SQL_PARSE/);
    assert.doesNotMatch(bad.stderr, /"main"/);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
