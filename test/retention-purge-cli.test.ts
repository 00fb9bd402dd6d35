import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli, type CliRun } from './helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'mayfly-purge-cli-'));
const home = join(dir, 'home');
const config = join(dir, 'mayfly.yaml');

/** `mayfly …` in this process, against this test's home and config. */
function mayfly(...args: string[]): Promise<CliRun> {
  return runCli([...args, '--home', home, '--config', config]);
}

async function ok(...args: string[]): Promise<string> {
  const r = await mayfly(...args);
  assert.equal(r.code, 0, `mayfly ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

async function purged(...args: string[]): Promise<void> {
  const r = await mayfly(...args);
  assert.equal(r.code, 1, `mayfly ${args.join(' ')} should be refused: ${r.stdout}`);
  assert.match(r.stderr, /error \[RETENTION_PURGED\]: .*staging\.orders_a.*purged on .*back to /);
  assert.doesNotMatch(r.stderr + r.stdout, /objects\/|\.parquet|read_parquet/);
}

/** Object files, each made older than the GC grace period. */
function agedObjects(): string[] {
  const root = join(home, 'objects');
  const out: string[] = [];
  const old = new Date(Date.now() - 60_000);
  for (const sub of readdirSync(root)) {
    for (const name of readdirSync(join(root, sub))) {
      const path = join(root, sub, name);
      if (!statSync(path).isFile()) continue;
      utimesSync(path, old, old);
      out.push(`${sub}/${name}`);
    }
  }
  return out;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

before(async () => {
  writeFileSync(config, 'timeTravel: 1h\ngcGrace: 10s\nstatementTimeout: 5s\njobStatementTimeout: 5s\nretention:\n  staging.orders_a: { column: load_date, days: 30 }\n');
  await ok('init');
  await ok('sql', 'create schema staging; create table staging.orders_a (id bigint, load_date date)');
  await ok('sql', 'insert into staging.orders_a select range, current_date - 100 + range::INT from range(10)');
  await ok('sql', 'insert into staging.orders_a select range + 10, current_date - range::INT from range(10)');
});

after(() => rmSync(dir, { recursive: true, force: true }));

describe('mayfly retention apply, then time travel and gc through the CLI', () => {
  it('refuses every AT before the purge, and gc reclaims the purged file once no live clone holds it', async () => {
    await sleep(5);
    const beforePurge = new Date().toISOString();
    await sleep(5);
    await ok('clone', 'create', 'squad_c_keep', '--scope', 'squad:c');
    const filesBefore = agedObjects();
    const applied = JSON.parse(await ok('retention', 'apply', '--json')) as { rows: number; filesDropped: number };
    assert.deepEqual([applied.rows, applied.filesDropped], [10, 1]);
    await sleep(5);

    const atBefore = `at (timestamp => '${beforePurge}')`;
    await purged('sql', `select * from staging.orders_a ${atBefore}`);
    await purged('sql', `create table staging.copy clone staging.orders_a ${atBefore}`);
    await purged('sql', `create schema then_staging clone staging ${atBefore}`);
    await purged('sql', `create database then_db clone prod ${atBefore}`);
    await purged('clone', 'create', 'squad_c_late', '--scope', 'squad:c', '--at', beforePurge);
    await purged('clone', 'create', 'squad_c_late2', '--scope', 'squad:c', '--at', beforePurge, '--schema', 'staging');
    const now = JSON.parse(await ok('sql', `select count(*) as n from staging.orders_a at (timestamp => '${new Date().toISOString()}')`, '--json')) as { n: number }[];
    assert.equal(Number(now[0]?.n), 10);

    // The live clone taken before the purge keeps the file and reads it; the next gc keeps it.
    const kept = JSON.parse(await ok('gc', '--json')) as { filesDeleted: number };
    assert.equal(kept.filesDeleted, 0);
    const clone = JSON.parse(await ok('sql', '--db', 'squad_c_keep', 'select count(*) as n from staging.orders_a', '--json')) as { n: number }[];
    assert.equal(Number(clone[0]?.n), 20);

    await ok('clone', 'destroy', 'squad_c_keep');
    agedObjects();
    const gc = JSON.parse(await ok('gc', '--json')) as { filesDeleted: number; filesPurgedByRetention: number };
    assert.equal(gc.filesPurgedByRetention, 1);
    const filesAfter = agedObjects();
    const gone = filesBefore.filter((f) => !filesAfter.includes(f));
    assert.equal(gone.length, 1, 'exactly the file of purged rows left the object store');
    await purged('sql', `select * from staging.orders_a ${atBefore}`);
    assert.match(await ok('gc', '--dry-run'), /purged by retention, to remove:\s+0/);
    const rows = JSON.parse(await ok('sql', 'select min(load_date) >= current_date - 30 as recent, count(*) as n from staging.orders_a', '--json')) as { recent: boolean; n: number }[];
    assert.deepEqual([rows[0]?.recent, Number(rows[0]?.n)], [true, 10]);
  });
});
