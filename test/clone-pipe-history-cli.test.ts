import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from './helpers/cli.js';
import { STAGING_DDL } from './helpers/pipe-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'mayfly-clone-pipes-cli-'));
const landing = join(dir, 'landing');
const config = join(dir, 'mayfly.yaml');
const home = join(dir, '.mayfly');

/** `mayfly … --json` in this process, through main(argv, io); the parsed output. */
async function json<T>(...args: string[]): Promise<T> {
  const r = await runCli([...args, '--home', home, '--config', config, '--json']);
  assert.equal(r.code, 0, `mayfly ${args.join(' ')}: ${r.stderr}${r.stdout}`);
  return JSON.parse(r.stdout) as T;
}

type Refresh = { pipes: { pipe: string; files: { file: string; status: string }[] }[] };

async function refreshed(db: string, pipe: string): Promise<string[]> {
  await json('pipe', 'resume', '--db', db, pipe);
  const r = await json<Refresh>('pipe', 'refresh', '--db', db, pipe);
  return (r.pipes[0]?.files ?? []).filter((f) => f.status === 'LOADED').map((f) => f.file.replace(/^.*\//, ''));
}

async function orders(db: string): Promise<[number, number]> {
  const [r] = await json<{ n: number; d: number }[]>('sql', '--db', db, 'select count(*) as n, count(distinct order_id) as d from staging.orders_a');
  return [Number(r?.n), Number(r?.d)];
}

before(async () => {
  writeFileSync(
    config,
    `stages:\n  raw: { path: ${JSON.stringify(landing)} }\npipes:\n  staging.load_orders_a:\n    copy: COPY INTO staging.orders_a FROM @raw/source_a/orders/ FILE_FORMAT = (TYPE = CSV SKIP_HEADER = 1)\n`,
  );
  await json('init');
  await json('sql', STAGING_DDL);
  await json('pipe', 'sync');
  await json('mock', 'landing', '--dir', landing, '--days', '3', '--scale', '0.2');
});

after(() => rmSync(dir, { recursive: true, force: true }));

describe('pipes resumed in schema and table clones (CLI)', () => {
  it('load only the files production had not loaded, into every kind of clone', async () => {
    assert.deepEqual(await refreshed('prod', 'staging.load_orders_a'), ['2024-01-01.csv', '2024-01-02.csv', '2024-01-03.csv']);
    await json('clone', 'create', 'squad_c_schema', '--scope', 'squad:c', '--schema', 'staging');
    await json('sql', 'create database dev');
    await json('sql', '--db', 'dev', 'create schema staging; create table staging.orders_a clone prod.staging.orders_a');
    await json('sql', '--db', 'dev', 'create pipe staging.p as copy into staging.orders_a from @raw/source_a/orders/ file_format = (type = csv skip_header = 1)');
    await json('sql', 'create schema staging_next clone staging');
    await json('mock', 'landing', '--dir', landing, '--days', '5', '--scale', '0.2', '--only-from', '2024-01-04');

    const fresh = ['2024-01-04.csv', '2024-01-05.csv'];
    assert.deepEqual(await refreshed('squad_c_schema', 'staging.load_orders_a'), fresh);
    assert.deepEqual(await refreshed('dev', 'staging.p'), fresh);
    assert.deepEqual(await refreshed('prod', 'staging_next.load_orders_a'), fresh);
    const [prodBefore] = await orders('prod');
    assert.deepEqual(await refreshed('prod', 'staging.load_orders_a'), fresh);
    const [prodAfter, distinct] = await orders('prod');
    assert.ok(prodAfter > prodBefore);
    assert.equal(distinct, prodAfter);
    assert.deepEqual(await orders('squad_c_schema'), [prodAfter, prodAfter]);
    assert.deepEqual(await orders('dev'), [prodAfter, prodAfter]);
    const [next] = await json<{ n: number }[]>('sql', 'select count(*) as n from staging_next.orders_a');
    assert.equal(Number(next?.n), prodAfter);
  });
});

describe('a loaded file rewritten in place (CLI)', () => {
  it('is skipped by name at refresh, and reported by pipe status and refresh --check-changed, never reloaded', async () => {
    await refreshed('prod', 'staging.load_orders_a');
    const file = join(landing, 'source_a', 'orders', '2024-01-01.csv');
    appendFileSync(file, '999999,1,2024-01-01,shipped,1.00\n');
    utimesSync(file, new Date(), new Date(Date.now() + 60_000));
    type Changed = { pipes: { changed: string[]; files: unknown[] }[] };
    const plain = await json<Changed>('pipe', 'refresh', 'staging.load_orders_a');
    assert.deepEqual([plain.pipes[0]?.changed, plain.pipes[0]?.files], [[], []]);
    const status = await json<{ pipe: string; changedFiles: string[] }[]>('pipe', 'status');
    assert.deepEqual(status.find((p) => p.pipe === 'staging.load_orders_a')?.changedFiles, ['@raw/source_a/orders/2024-01-01.csv']);
    const checked = await json<Changed>('pipe', 'refresh', '--check-changed', 'staging.load_orders_a');
    assert.deepEqual([checked.pipes[0]?.changed, checked.pipes[0]?.files], [['@raw/source_a/orders/2024-01-01.csv'], []]);
    const [err] = await json<{ n: number }[]>('sql', "select count(*) as n from mayfly.load_errors where file = '@raw/source_a/orders/2024-01-01.csv'");
    assert.equal(Number(err?.n), 1);
  });
});
