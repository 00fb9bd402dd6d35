import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isMayflyError } from '../core/errors.js';
import { LocalDirectoryStage } from './local-directory-stage.js';
import { createMayfly, type Mayfly } from '../app/create-mayfly.js';
import type { Session } from '../warehouse/session.js';
import { globRegExp, pipeFiles, pipePaths, sessionMatcher } from './stage-files.js';

describe('stage files', () => {
  let root = '';
  let home = '';
  let stage: LocalDirectoryStage;
  let mayfly: Mayfly;
  let session: Session;
  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'mayfly-stage-files-'));
    // Patterns are matched by the engine (RE2), through a real session.
    home = mkdtempSync(join(tmpdir(), 'mayfly-stage-files-home-'));
    mayfly = createMayfly({ home, settings: { threads: 1, memoryLimit: '256MB' } });
    mayfly.warehouse.init();
    session = await mayfly.warehouse.session();
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
  after(() => {
    session.close();
    mayfly.close();
    rmSync(root, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
  });

  const paths = async (path: string, pattern?: string): Promise<string[]> =>
    (await pipeFiles(stage, { path, ...(pattern !== undefined ? { pattern } : {}) }, sessionMatcher(session))).map((f) => f.path);

  it('lists every file under a folder at any depth, by path, leaving out files still being written', async () => {
    assert.deepEqual(await paths('a/customers/'), ['a/customers/2024-01-01.csv', 'a/customers/2024-01-02.csv.gz', 'a/customers/old/2023-12-31.csv']);
    // A prefix without a trailing slash matches like a string prefix, as in Snowflake.
    assert.deepEqual(await paths('a/customers'), [...(await paths('a/customers/')), 'a/customers_archive/x.csv']);
    assert.equal((await paths('')).length, 5);
  });

  it('lists the same paths without a size or time each, for every path and pattern', async () => {
    for (const [path, pattern] of [['a/customers/'], ['a/customers'], [''], ['a/**/*.csv'], ['a/customers/', '.*[.]csv(\\.gz)?']] as const) {
      const copy = { path, ...(pattern !== undefined ? { pattern } : {}) };
      assert.deepEqual(await pipePaths(stage, copy, sessionMatcher(session)), await paths(path, pattern), `${path} ${pattern ?? ''}`);
    }
  });

  it('narrows by a glob in the path and by a PATTERN matched against the whole path', async () => {
    assert.deepEqual(await paths('a/customers/*.csv'), ['a/customers/2024-01-01.csv']);
    assert.deepEqual(await paths('a/**/*.csv'), ['a/customers/2024-01-01.csv', 'a/customers/old/2023-12-31.csv', 'a/customers_archive/x.csv']);
    assert.deepEqual(await paths('a/customers/', '.*[.]csv(\\.gz)?'), ['a/customers/2024-01-01.csv', 'a/customers/2024-01-02.csv.gz', 'a/customers/old/2023-12-31.csv']);
    assert.deepEqual(await paths('a/customers/', '2024.*'), [], 'PATTERN must match the whole stage path');
    assert.ok(globRegExp('x/?[0-9].csv').test('x/a1.csv'));
    assert.ok(!globRegExp('x/*.csv').test('x/y/z.csv'));
  });

  it('matches a catastrophic PATTERN against a long name in linear time (RE2), and refuses what RE2 cannot match', async () => {
    const name = `a/evil/${'a'.repeat(200)}!`;
    mkdirSync(join(root, 'a/evil'), { recursive: true });
    writeFileSync(join(root, name), 'x');
    try {
      // A backtracking engine takes exponential time on these; RE2 answers at once.
      for (const pattern of ['a/evil/(a+)+$', 'a/evil/(a|a)*', 'a/evil/(a*)*b', 'a/evil/(a|aa)+$', 'a/evil/(.*a){20}']) {
        assert.deepEqual(await paths('a/evil/', pattern), [], pattern);
      }
      assert.deepEqual(await paths('a/evil/', 'a/evil/(a+)+!'), [name]);
      // A glob of many stars is matched by the same engine.
      assert.deepEqual(await paths(`a/evil/${'*a'.repeat(30)}*b`), []);
      await assert.rejects(paths('a/evil/', 'a/(?=evil).*'), (e: unknown) => isMayflyError(e, 'PIPE_PATTERN_INVALID') && /RE2/.test(e.message));
    } finally {
      rmSync(join(root, 'a/evil'), { recursive: true, force: true });
    }
  });

  it('gives sizes, times and SHA-256 checksums, and refuses paths outside the stage or a missing directory', async () => {
    const [first] = await pipeFiles(stage, { path: 'b/' }, sessionMatcher(session));
    assert.equal(first?.size, 'b/payments/2024-01-01.jsonl'.length);
    assert.ok(Number.isInteger(first?.modifiedAt));
    assert.equal(await stage.checksum('b/payments/2024-01-01.jsonl'), createHash('sha256').update('b/payments/2024-01-01.jsonl').digest('hex'));
    assert.equal(await stage.stat('b/payments/gone.jsonl'), undefined);
    await assert.rejects(stage.localPath('../../etc/passwd'), (e: unknown) => isMayflyError(e, 'STAGE_PATH'));
    const missing = new LocalDirectoryStage('gone', join(root, 'no-such-dir'));
    await assert.rejects(missing.list(''), (e: unknown) => isMayflyError(e, 'STAGE_MISSING') && /stages.gone.path/.test(e.message));
  });
});
