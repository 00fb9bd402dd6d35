import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';

const MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const home = mkdtempSync(join(tmpdir(), 'mayfly-seed-cli-'));

/** Runs the built CLI against the test home (no mayfly.yaml, MAYFLY_HOME unset). */
function mayfly(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const env = { ...process.env };
  delete env.MAYFLY_HOME;
  const r = spawnSync(process.execPath, [MAIN, ...args, '--home', home], { encoding: 'utf8', cwd: tmpdir(), env });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function ok(...args: string[]): string {
  const r = mayfly(...args);
  assert.equal(r.code, 0, `mayfly ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

function errorCode(r: { stdout: string }): unknown {
  return (JSON.parse(r.stdout) as { error: { code: string } }).error.code;
}

before(() => {
  ok('init');
  ok('sql', 'create schema staging; create table staging.customers_a (customer_id BIGINT, name VARCHAR, email VARCHAR, country VARCHAR, signup_date DATE, load_date DATE)');
  ok('sql', 'create database one clone prod; create database two clone prod');
});

after(() => rmSync(home, { recursive: true, force: true }));

describe('mayfly seed (CLI)', () => {
  test('--json reports the rows inserted, the seed, the as-of day and the elapsed time; the same seed gives the same rows', () => {
    const report = JSON.parse(ok('seed', '--db', 'one', 'staging.customers_a', '--rows', '1_500', '--seed', '9', '--as-of', '2026-03-01', '--batch', '400', '--json')) as Record<string, unknown>;
    assert.equal(report.rows, 1500);
    assert.equal(report.batches, 4);
    assert.equal(report.seed, 9);
    assert.equal(report.asOf, '2026-03-01');
    assert.equal(typeof report.elapsedMs, 'number');
    ok('seed', '--db', 'two', 'staging.customers_a', '--rows', '1500', '--seed', '9', '--as-of', '2026-03-01');
    const same = JSON.parse(ok('sql', '--json', 'select count(*) as n from (select * from one.staging.customers_a except select * from two.staging.customers_a)'));
    assert.deepEqual(same, [{ n: 0 }]);
  });

  test('text output says what was inserted, how each column was generated and how to reproduce it', () => {
    const out = ok('seed', '--db', 'two', 'staging.customers_a', '--rows', '10', '--seed', '3', '--as-of', '2026-03-01');
    assert.match(out, /^seeded 10 rows into two\.staging\.customers_a \(seed 3, as of 2026-03-01\) in /);
    assert.match(out, /customer_id\s+BIGINT\s+own key: sequence from 1501/);
    assert.match(out, /email\s+VARCHAR\s+email/);
    assert.match(out, /reproduce with: --seed 3 --as-of 2026-03-01/);
  });

  test('bad arguments exit 1 with a stable code and insert nothing', () => {
    const before = ok('sql', '--json', 'select count(*) as n from one.staging.customers_a');
    const cases: [string[], string][] = [
      [['--rows', 'lots'], 'INVALID_ROWS'],
      [['--rows', '5', '--seed', '1.5'], 'INVALID_SEED'],
      [['--rows', '5', '--batch', 'x'], 'INVALID_BATCH'],
      [['--rows', '5', '--as-of', 'yesterday'], 'INVALID_TIMESTAMP'],
    ];
    for (const [args, code] of cases) {
      const r = mayfly('seed', '--db', 'one', 'staging.customers_a', ...args, '--json');
      assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(errorCode(r), code);
    }
    const missingTable = mayfly('seed', '--db', 'one', 'staging.orders', '--rows', '5', '--json');
    assert.equal(errorCode(missingTable), 'TABLE_NOT_FOUND');
    const noDb = mayfly('seed', 'staging.customers_a', '--rows', '5');
    assert.equal(noDb.code, 1);
    assert.match(noDb.stderr, /error \[USAGE\]: missing --db/);
    assert.equal(ok('sql', '--json', 'select count(*) as n from one.staging.customers_a'), before);
  });
});
