import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { DuckEngine } from './duck-engine.js';
import { DEFAULT_LANDING_FORMAT, type LandingFormat } from './landing-format.js';
import { LandingScan, type LandingColumn } from './landing-reader.js';

const COLUMNS: readonly LandingColumn[] = [
  { id: 1, name: 'id', type: 'BIGINT' },
  { id: 2, name: 'day', type: 'DATE' },
  { id: 4, name: 'amount', type: 'DECIMAL(12,2)' },
  { id: 5, name: 'Note', type: 'VARCHAR' },
];

describe('LandingScan', () => {
  let dir = '';
  let engine: DuckEngine;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mayfly-landing-'));
    engine = await DuckEngine.create({ readDirs: [`${dir}/`], stagingDir: join(dir, 'staging'), threads: 1, memoryLimit: '256MB' });
  });
  after(() => {
    engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Reads a file: its good rows (by user column name) and every reject. */
  async function read(name: string, content: string | Buffer, format: Partial<LandingFormat> = {}) {
    const path = join(dir, name);
    writeFileSync(path, content);
    const scan = LandingScan.open(engine, path, { ...DEFAULT_LANDING_FORMAT, ...format }, COLUMNS);
    try {
      const staged = await scan.writeRows((sql) => engine.writeParquet(sql, 1 << 30));
      const files = (staged ?? []).map((f) => `'${f.path}'`);
      const rows = files.length ? (await engine.query(`SELECT c1 AS id, c2::VARCHAR AS day, c4::VARCHAR AS amount, c5 AS note FROM read_parquet([${files.join(', ')}]) ORDER BY id`)).rows : [];
      return { rows, rejected: await scan.rejectCount(), rejects: await scan.rejects(100), unreadable: scan.unreadable };
    } finally {
      await scan.close();
    }
  }

  it('reads CSV typed, by position, and rejects bad values and lines with their line, reason and text', async () => {
    const r = await read('a.csv', 'id,day,amount,note\n1,2024-01-02,12.5,ok\nx,2024-01-03,1,bad id\n3,2024-02-30,1,bad day\n4,2024-01-04,2\n5,2024-01-05,3,"quoted, with comma"\n', { skipHeader: 1 });
    assert.deepEqual(r.rows, [
      { id: 1, day: '2024-01-02', amount: '12.50', note: 'ok' },
      { id: 5, day: '2024-01-05', amount: '3.00', note: 'quoted, with comma' },
    ]);
    assert.equal(r.rejected, 3);
    assert.deepEqual(r.rejects.map((x) => [x.line, x.raw]), [
      [3, 'x,2024-01-03,1,bad id'],
      [4, '3,2024-02-30,1,bad day'],
      [5, '4,2024-01-04,2'],
    ]);
    assert.match(r.rejects[0]?.reason ?? '', /converting column "id".*"x".*BIGINT/);
    assert.match(r.rejects[2]?.reason ?? '', /^missing columns: /);
  });

  it('applies the delimiter, date format, NULL_IF and gzip compression of a CSV format', async () => {
    const text = '7;31/12/2023;NULL;n/a\n8;01/01/2024;1.5;\n';
    const r = await read('b.csv.gz', gzipSync(text), { fieldDelimiter: ';', dateFormat: '%d/%m/%Y', nullIf: ['NULL', 'n/a'] });
    assert.deepEqual(r.rows, [
      { id: 7, day: '2023-12-31', amount: null, note: null },
      { id: 8, day: '2024-01-01', amount: '1.50', note: null },
    ]);
    assert.equal(r.rejected, 0);
  });

  it('reads JSON lines by key, skipping blank lines and rejecting what does not parse or convert', async () => {
    const r = await read(
      'c.jsonl',
      '{"id": 1, "day": "2024-01-02", "amount": 1.25, "Note": "a", "extra": true}\r\n\n{"id": 2, "day": "soon"}\n{"id": 3,\n"just a string"\n{"id": "4", "Note": ["x"], "amount": null}\n',
      { type: 'json' },
    );
    assert.deepEqual(r.rows, [
      { id: 1, day: '2024-01-02', amount: '1.25', note: 'a' },
      { id: 4, day: null, amount: null, note: '["x"]' },
    ]);
    assert.deepEqual(r.rejects.map((x) => [x.line, x.reason.replace(/column .*/, 'column')]), [
      [3, 'Error when converting column'],
      [4, 'not valid JSON'],
      [5, 'not a JSON object (varchar)'],
    ]);
    assert.equal(r.rejects[0]?.raw, '{"id": 2, "day": "soon"}');
  });

  it('reads a JSON lines file without a bad line the same way, with its date formats, gzip included', async () => {
    const text = '{"id": 9, "day": "03.01.2024", "amount": "7", "Note": null}\n\n{"id": 10}\n';
    const r = await read('g.jsonl.gz', gzipSync(text), { type: 'json', dateFormat: '%d.%m.%Y' });
    assert.deepEqual(r.rows, [
      { id: 9, day: '2024-01-03', amount: '7.00', note: null },
      { id: 10, day: null, amount: null, note: null },
    ]);
    assert.equal(r.rejected, 0);
  });

  it('reads Parquet by column name (any case), rejecting values that do not convert, by row number', async () => {
    const [staged] = await engine.writeParquet(`SELECT * FROM (VALUES (1, '2024-01-01', 'x1'), (2, 'never', 'x2')) AS t("ID", day, note)`, 1 << 30);
    assert.ok(staged);
    const scan = LandingScan.open(engine, staged.path, { ...DEFAULT_LANDING_FORMAT, type: 'parquet' }, COLUMNS);
    try {
      const [out] = (await scan.writeRows((sql) => engine.writeParquet(sql, 1 << 30))) ?? [];
      assert.deepEqual((await engine.query(`SELECT c1, c2::VARCHAR AS c2, c4, c5 FROM read_parquet('${out?.path ?? ''}')`)).rows, [{ c1: 1, c2: '2024-01-01', c4: null, c5: 'x1' }]);
      assert.deepEqual(await scan.rejects(10), [{ line: 2, reason: `Error when converting column "day". Could not convert "never" to DATE`, raw: '{"ID":2,"day":"never","note":"x2"}' }]);
    } finally {
      await scan.close();
    }
  });

  it('turns a file it cannot read into one reject for the whole file, and no rows', async () => {
    const r = await read('d.parquet', 'not parquet', { type: 'parquet' });
    assert.deepEqual(r.rows, []);
    assert.equal(r.unreadable, true);
    assert.equal(r.rejected, 1);
    assert.match(r.rejects[0]?.reason ?? '', /^file could not be read: .*Parquet file/);
    assert.equal(r.rejects[0]?.line, null);
    const gz = await read('e.csv.gz', 'plain text, not gzip');
    assert.equal(gz.unreadable, true);
    assert.match(gz.rejects[0]?.reason ?? '', /GZIP/);
  });
});
