import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isMayflyError } from '../core/errors.js';
import { LocalDirectoryStage } from './local-directory-stage.js';
import { globRegExp, pipeFiles } from './stage-files.js';

describe('stage files', () => {
  let root = '';
  let stage: LocalDirectoryStage;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'mayfly-stage-files-'));
    const files = [
      'a/customers/2024-01-01.csv',
      'a/customers/2024-01-02.csv.gz',
      'a/customers/old/2023-12-31.csv',
      'a/customers/.2024-01-03.csv',
      'a/customers/2024-01-04.csv.tmp',
      'a/customers/_SUCCESS',
      'a/customers_archive/x.csv',
      'b/payments/2024-01-01.jsonl',
    ];
    for (const f of files) {
      mkdirSync(join(root, f, '..'), { recursive: true });
      writeFileSync(join(root, f), f);
    }
    stage = new LocalDirectoryStage('raw', root);
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  const paths = async (path: string, pattern?: string): Promise<string[]> =>
    (await pipeFiles(stage, { path, ...(pattern !== undefined ? { pattern } : {}) })).map((f) => f.path);

  it('lists every file under a folder at any depth, by path, leaving out files still being written', async () => {
    assert.deepEqual(await paths('a/customers/'), ['a/customers/2024-01-01.csv', 'a/customers/2024-01-02.csv.gz', 'a/customers/old/2023-12-31.csv']);
    // A prefix without a trailing slash matches like a string prefix, as in Snowflake.
    assert.deepEqual(await paths('a/customers'), [...(await paths('a/customers/')), 'a/customers_archive/x.csv']);
    assert.equal((await paths('')).length, 5);
  });

  it('narrows by a glob in the path and by a PATTERN matched against the whole path', async () => {
    assert.deepEqual(await paths('a/customers/*.csv'), ['a/customers/2024-01-01.csv']);
    assert.deepEqual(await paths('a/**/*.csv'), ['a/customers/2024-01-01.csv', 'a/customers/old/2023-12-31.csv', 'a/customers_archive/x.csv']);
    assert.deepEqual(await paths('a/customers/', '.*[.]csv(\\.gz)?'), ['a/customers/2024-01-01.csv', 'a/customers/2024-01-02.csv.gz', 'a/customers/old/2023-12-31.csv']);
    assert.deepEqual(await paths('a/customers/', '2024.*'), [], 'PATTERN must match the whole stage path');
    assert.ok(globRegExp('x/?[0-9].csv').test('x/a1.csv'));
    assert.ok(!globRegExp('x/*.csv').test('x/y/z.csv'));
  });

  it('gives sizes, times and SHA-256 checksums, and refuses paths outside the stage or a missing directory', async () => {
    const [first] = await pipeFiles(stage, { path: 'b/' });
    assert.equal(first?.size, 'b/payments/2024-01-01.jsonl'.length);
    assert.ok(Number.isInteger(first?.modifiedAt));
    assert.equal(await stage.checksum('b/payments/2024-01-01.jsonl'), createHash('sha256').update('b/payments/2024-01-01.jsonl').digest('hex'));
    assert.equal(await stage.stat('b/payments/gone.jsonl'), undefined);
    await assert.rejects(stage.localPath('../../etc/passwd'), (e: unknown) => isMayflyError(e, 'STAGE_PATH'));
    const missing = new LocalDirectoryStage('gone', join(root, 'no-such-dir'));
    await assert.rejects(missing.list(''), (e: unknown) => isMayflyError(e, 'STAGE_MISSING') && /stages.gone.path/.test(e.message));
  });
});
