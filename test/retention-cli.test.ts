import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';

const MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'mayfly-retention-cli-'));
const home = join(dir, 'home');
const config = join(dir, 'mayfly.yaml');

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function mayfly(...args: string[]): Run {
  const env = { ...process.env };
  delete env.MAYFLY_HOME;
  const r = spawnSync(process.execPath, [MAIN, ...args, '--home', home, '--config', config], { encoding: 'utf8', cwd: dir, env });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function json<T>(...args: string[]): T {
  const r = mayfly(...args, '--json');
  assert.equal(r.code, 0, `mayfly ${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

function fails(code: string, message: RegExp, ...args: string[]): void {
  const r = mayfly(...args);
  assert.equal(r.code, 1, `mayfly ${args.join(' ')} should fail: ${r.stdout}`);
  assert.match(r.stderr, new RegExp(`error \\[${code}\\]: `));
  assert.match(r.stderr, message);
}

before(() => {
  writeFileSync(config, 'retention:\n  staging.orders_a: { column: load_date, days: 30 }\nprices:\n  currency: EUR\n  storagePerTbMonth: 20\n');
  assert.equal(mayfly('init').code, 0);
  const sql =
    'create schema staging; create table staging.orders_a (id bigint, load_date date); ' +
    'insert into staging.orders_a select range, current_date - 100 + range::INT from range(10); ' +
    'insert into staging.orders_a select range + 10, current_date - range::INT from range(10)';
  const r = mayfly('sql', sql);
  assert.equal(r.code, 0, r.stderr);
});

after(() => rmSync(dir, { recursive: true, force: true }));

describe('mayfly retention', () => {
  it('apply --dry-run counts, apply purges and records, report shows the purge', () => {
    const dry = json<{ dryRun: boolean; rows: number; filesDropped: number }>('retention', 'apply', '--dry-run');
    assert.deepEqual([dry.dryRun, dry.rows, dry.filesDropped], [true, 10, 1]);
    const applied = json<{ rows: number; filesDropped: number; tables: { table: string; deleteVectors: number }[] }>('retention', 'apply');
    assert.deepEqual([applied.rows, applied.filesDropped, applied.tables[0]?.deleteVectors], [10, 1, 0]);
    const text = mayfly('retention', 'apply');
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /purged 0 rows from prod/);
    const report = json<{ policies: { table: string; lastPurge: { rows: number } | null }[]; clones: unknown[] }>('retention', 'report');
    assert.deepEqual(
      report.policies.map((p) => [p.table, p.lastPurge?.rows]),
      [['staging.orders_a', 10]],
    );
    const shown = mayfly('retention', 'report', '--within', '3d');
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /staging\.orders_a\s+load_date\s+30/);
    assert.match(shown.stdout, /0 clones non-compliant, 0 near their deadline \(within 3 d\)/);
  });

  it('refuses a bad --within', () => {
    fails('INVALID_DURATION', /--within "soon"/, 'retention', 'report', '--within', 'soon');
  });
});

describe('mayfly report cost', () => {
  it('prints table, csv and json, and refuses bad options naming the allowed values', () => {
    const report = json<{ by: string; rows: unknown[]; totals: { total: number; currency: string } }>('report', 'cost', '--by', 'owner', '--since', '2026-01-01');
    assert.deepEqual([report.by, report.rows.length, report.totals.total, report.totals.currency], ['owner', 0, 0, 'EUR']);
    const csv = mayfly('report', 'cost', '--format', 'csv');
    assert.equal(csv.code, 0, csv.stderr);
    assert.equal(csv.stdout.split('\n')[0], 'clone,scope,owner,state,clones,storage_tb_months,retained_tb_months,compute_hours,storage,compute,total,full_copy,currency');
    assert.match(csv.stdout.split('\n')[1] ?? '', /^total,/);
    const table = mayfly('report', 'cost');
    assert.match(table.stdout, /EUR: 20 per TB-month, 2 per compute hour/);
    fails('USAGE', /unknown --by "team" \(allowed: clone, scope, owner\)/, 'report', 'cost', '--by', 'team');
    fails('USAGE', /unknown --format "xml" \(allowed: table, csv, json\)/, 'report', 'cost', '--format', 'xml');
    fails('INVALID_TIMESTAMP', /invalid --since "last tuesday"/, 'report', 'cost', '--since', 'last tuesday');
    fails('COST_PERIOD', /must be before --until/, 'report', 'cost', '--since', '2026-02-01', '--until', '2026-01-01');
  });

  it('refuses a malformed prices section, naming the field', () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'prices:\n  currency: euros\n');
    const r = spawnSync(process.execPath, [MAIN, 'report', 'cost', '--home', home, '--config', bad], { encoding: 'utf8', cwd: dir });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /error \[CONFIG_INVALID\]: .*\n\s+prices\.currency: a three-letter currency code/);
  });
});
