import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';

const MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
/** A query that would run for hours: only an interrupt ends it. */
const ENDLESS_COUNT = 'select count(*) as n from range(10000000000000)';
const ENDLESS_INSERT = 'insert into t select i from range(10000000000000) r(i)';

const homes: string[] = [];
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const h of homes) rmSync(h, { recursive: true, force: true });
});

function env(): NodeJS.ProcessEnv {
  const e = { ...process.env };
  delete e.MAYFLY_HOME;
  delete e.NODE_TEST_CONTEXT;
  return e;
}

/** Runs the CLI to completion. */
function mayfly(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', cwd: tmpdir(), env: env() });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A warehouse with one table `t` holding one row. */
function warehouse(): string {
  const home = mkdtempSync(join(tmpdir(), 'mayfly-interrupt-'));
  homes.push(home);
  const init = mayfly('init', '--home', home);
  assert.equal(init.code, 0, init.stderr);
  const r = mayfly('sql', '--home', home, 'create table t (i bigint); insert into t values (1)');
  assert.equal(r.code, 0, r.stderr);
  return home;
}

/** A running CLI process whose output is collected. */
function start(args: readonly string[]): { child: ChildProcess; out: () => string; err: () => string; waitFor: (text: string) => Promise<void>; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [MAIN, ...args], { cwd: tmpdir(), env: env(), stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const waiters: { text: string; resolve: () => void }[] = [];
  const settle = (): void => {
    for (const w of [...waiters]) if (out.includes(w.text)) (waiters.splice(waiters.indexOf(w), 1), w.resolve());
  };
  child.stdout?.setEncoding('utf8').on('data', (d: string) => ((out += d), settle()));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  // A failed assertion must not leave an endless query running.
  children.push(child);
  const waitFor = (text: string): Promise<void> =>
    new Promise((resolve, reject) => {
      waiters.push({ text, resolve });
      settle();
      void exited.then(() => reject(new Error(`exited before printing ${JSON.stringify(text)}: ${err}`)));
    });
  return { child, out: () => out, err: () => err, waitFor, exited };
}

describe('Ctrl-C in real processes', () => {
  it('mayfly sql: SIGINT stops an endless write at once, exit 1, and nothing of it is applied', async () => {
    const home = warehouse();
    // The first statement's output says the session (and its Ctrl-C handler) is up; the second never ends alone.
    const p = start(['sql', '--home', home, `select 'ready' as state; ${ENDLESS_INSERT}`]);
    await p.waitFor('(1 row)');
    const sent = performance.now();
    p.child.kill('SIGINT');
    const code = await p.exited;
    const ms = performance.now() - sent;
    assert.equal(code, 1, p.err());
    assert.match(p.err(), /error \[SQL_INTERRUPTED\]: the statement was interrupted; nothing of it was applied/);
    assert.doesNotMatch(p.err(), /bug in Mayfly/);
    process.stderr.write(`# mayfly sql exited ${ms.toFixed(0)} ms after SIGINT\n`);
    // The warehouse is intact: the next command works and the interrupted insert left no row.
    const after = mayfly('sql', '--home', home, '--json', 'select count(*) as n from t');
    assert.equal(after.code, 0, after.stderr);
    assert.deepEqual(JSON.parse(after.stdout), [{ n: 1 }]);
  });

  it('mayfly sql: SIGINT inside an open transaction rolls it back', async () => {
    const home = warehouse();
    const p = start(['sql', '--home', home, `begin; insert into t values (2); select 'ready' as state; ${ENDLESS_COUNT}; commit`]);
    await p.waitFor('(1 row)');
    p.child.kill('SIGINT');
    assert.equal(await p.exited, 1, p.err());
    assert.match(p.err(), /SQL_INTERRUPTED.*the open transaction was rolled back/);
    const after = mayfly('sql', '--home', home, '--json', 'select count(*) as n from t');
    assert.deepEqual(JSON.parse(after.stdout), [{ n: 1 }]);
  });

  it('the prompt: SIGINT stops the running query, the prompt answers the next one, and Ctrl-C twice at an idle prompt quits', async () => {
    const home = warehouse();
    const p = start(['sql', '--home', home, '-i']);
    p.child.stdin?.write(`select 'ready' as state;\n${ENDLESS_INSERT};\n`);
    await p.waitFor('(1 row)');
    p.child.kill('SIGINT');
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (p.err().includes('SQL_INTERRUPTED')) (clearInterval(check), resolve());
      }, 20);
    });
    p.child.stdin?.write('select count(*) * 42 as answer from t;\n');
    await p.waitFor('42\n(1 row)');
    assert.match(p.out(), /answer\n-+\n\s*42\n\(1 row\)/);
    // Idle now: the first Ctrl-C says how to quit, the second quits.
    p.child.kill('SIGINT');
    await p.waitFor('press Ctrl-C again to quit');
    p.child.kill('SIGINT');
    assert.equal(await p.exited, 0, p.err());
    assert.doesNotMatch(p.err(), /bug in Mayfly/);
    const after = mayfly('sql', '--home', home, '--json', 'select count(*) as n from t');
    assert.deepEqual(JSON.parse(after.stdout), [{ n: 1 }]);
  });
});
