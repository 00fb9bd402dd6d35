import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { STAGING_DDL } from './helpers/pipe-fixtures.js';

const MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

const CONFIG = `home: .mayfly
stages:
  raw: { path: landing }
pipes:
  staging.load_customers_a:
    into: staging.customers_a
    from: "@raw/source_a/customers/"
    format: { type: csv, skipHeader: 1 }
    onError: continue
  staging.load_orders_a:
    copy: COPY INTO staging.orders_a FROM @raw/source_a/orders/ FILE_FORMAT = (TYPE = CSV SKIP_HEADER = 1) ON_ERROR = ABORT_STATEMENT
`;

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

describe('mayfly pipe and mock landing', () => {
  let project = '';
  const mayfly = (args: readonly string[], cwd = project): Run => {
    const env = { ...process.env };
    delete env.MAYFLY_HOME;
    const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', cwd, env });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const json = (args: readonly string[]): unknown => {
    const r = mayfly([...args, '--json']);
    assert.equal(r.code, 0, `mayfly ${args.join(' ')} failed: ${r.stderr}`);
    return JSON.parse(r.stdout);
  };

  before(() => {
    project = mkdtempSync(join(tmpdir(), 'mayfly-pipe-cli-'));
    writeFileSync(join(project, 'mayfly.yaml'), CONFIG);
    assert.equal(mayfly(['init']).code, 0);
    assert.equal(mayfly(['sql', STAGING_DDL]).code, 0);
  });
  after(() => rmSync(project, { recursive: true, force: true }));

  it('syncs the declared pipes, and refuses a malformed CREATE PIPE in mayfly sql', () => {
    const synced = json(['pipe', 'sync']) as { created: string[] };
    assert.deepEqual(synced.created, ['staging.load_customers_a', 'staging.load_orders_a']);
    const bad = mayfly(['sql', "create pipe staging.p2 as copy into staging.orders_a from @raw/x/ file_format = (type = xml); show pipes"]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /error \[SQL_PARSE\]: .*CSV, JSON, PARQUET after TYPE =/);
  });

  it('lands generated files, refreshes running pipes, stops at an aborting file, and reports status and errors', () => {
    const landed = json(['mock', 'landing', '--days', '2', '--scale', '0.1', '--bad-rows', '1']) as { files: { path: string; written: boolean }[] };
    assert.equal(landed.files.length, 6);
    json(['pipe', 'resume']);
    // The orders pipe aborts at its first file: exit 1, the whole report in the JSON error.
    const refresh = mayfly(['pipe', 'refresh', '--json']);
    assert.equal(refresh.code, 1);
    const error = (JSON.parse(refresh.stdout) as { error: { code: string; report: { pipes: { pipe: string; aborted?: unknown; files: { status: string }[] }[] } } }).error;
    assert.equal(error.code, 'PIPE_LOAD_ABORTED');
    assert.deepEqual(error.report.pipes.map((p) => [p.pipe, p.files.map((f) => f.status), p.aborted !== undefined]), [
      ['staging.load_customers_a', ['PARTIALLY_LOADED', 'PARTIALLY_LOADED'], false],
      ['staging.load_orders_a', ['ABORTED'], true],
    ]);
    const status = json(['pipe', 'status']) as { pipe: string; state: string; filesLoaded: number; rowsRejected: number; pendingFiles: number }[];
    assert.deepEqual(status.map((s) => [s.pipe, s.state, s.filesLoaded, s.rowsRejected, s.pendingFiles]), [
      ['staging.load_customers_a', 'running', 2, 2, 0],
      ['staging.load_orders_a', 'paused', 0, 1, 2],
    ]);
    const errors = json(['pipe', 'errors', 'load_customers_a']) as { reason: string }[];
    assert.equal(errors.length, 2);
    assert.match(errors[0]?.reason ?? '', /not-a-date/);
  });

  it('pipe run loads files as they land and stops on SIGINT after the file in progress', async () => {
    const env = { ...process.env };
    delete env.MAYFLY_HOME;
    const child = spawn(process.execPath, [MAIN, 'pipe', 'run', '--interval', '50ms'], { cwd: project, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    let closed = false;
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => ((closed = true), resolve(code))));
    const until = async (test: () => boolean): Promise<void> => {
      while (!test()) {
        assert.ok(!closed, `pipe run ended early: ${out}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    await until(() => out.includes('polling every'));
    json(['mock', 'landing', '--days', '3', '--scale', '0.1', '--bad-rows', '1', '--only-from', '2024-01-03']);
    await until(() => out.includes('@raw/source_a/customers/2024-01-03.csv PARTIALLY_LOADED'));
    child.kill('SIGINT');
    assert.equal(await exited, 0);
    assert.match(out, /stopped after \d+ polls?: 1 file, \d+ rows loaded, 1 row rejected/);
  });
});
