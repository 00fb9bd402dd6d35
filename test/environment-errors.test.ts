import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';

const MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const CATALOG = 'catalog.sqlite';
/** An unprivileged user for permission cases when the tests run as root (root ignores permissions). */
const NOBODY = 65534;

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function scratch(): string {
  const d = mkdtempSync(join(tmpdir(), 'mayfly-env-'));
  chmodSync(d, 0o755);
  dirs.push(d);
  return d;
}

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function mayfly(args: readonly string[], options: { asUser?: number } = {}): Run {
  const env = { ...process.env };
  delete env.MAYFLY_HOME;
  delete env.NODE_TEST_CONTEXT;
  const spawnOptions: SpawnSyncOptions = { encoding: 'utf8', cwd: tmpdir(), env };
  if (options.asUser !== undefined) Object.assign(spawnOptions, { uid: options.asUser, gid: options.asUser });
  const r = spawnSync(process.execPath, [MAIN, ...args], spawnOptions);
  return { code: r.status, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** A fresh warehouse home with one table. */
function warehouse(): string {
  const home = join(scratch(), 'home');
  assert.equal(mayfly(['init', '--home', home]).code, 0);
  assert.equal(mayfly(['sql', '--home', home, 'create table t (i int); insert into t values (1)']).code, 0);
  return home;
}

/** Asserts a user error: exit 1, the code, a message naming the cause, and no "bug" hint. */
function assertUserError(r: Run, code: string, reason: RegExp): void {
  assert.equal(r.code, 1, `exit code; stderr: ${r.stderr}`);
  assert.match(r.stderr, new RegExp(`error \\[${code}\\]`));
  assert.match(r.stderr, reason);
  assert.doesNotMatch(r.stderr, /bug in Mayfly/);
}

/** Whether the unprivileged user can run the CLI at all (it must read the built files). */
function nobodyCanRun(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0 && mayfly(['--version'], { asUser: NOBODY }).code === 0;
}

/** Runs as an unprivileged user: as root, a child with another uid; else this user, whom chmod binds. */
function asUnprivileged(args: readonly string[]): Run {
  return typeof process.getuid === 'function' && process.getuid() === 0 ? mayfly(args, { asUser: NOBODY }) : mayfly(args);
}
const unprivileged = typeof process.getuid !== 'function' || process.getuid() !== 0 || nobodyCanRun();

describe('a broken environment is a user error (exit 1), not a bug', () => {
  it('a home that is a file', () => {
    const file = join(scratch(), 'home');
    writeFileSync(file, 'not a directory');
    for (const args of [['init'], ['sql', 'select 1'], ['clone', 'list'], ['gc']]) {
      assertUserError(mayfly([...args, '--home', file]), 'HOME_NOT_A_DIRECTORY', /is a file, not a directory/);
    }
    // A home below a file.
    assertUserError(mayfly(['sql', '--home', join(file, 'below'), 'select 1']), 'HOME_NOT_A_DIRECTORY', /a folder on its path is a file/);
  });

  it('a catalog that is not an SQLite database, a directory, or corrupt', () => {
    const garbage = join(scratch(), 'home');
    mkdirSync(garbage);
    writeFileSync(join(garbage, CATALOG), Buffer.alloc(8192, 'not a database at all '));
    assertUserError(mayfly(['sql', '--home', garbage, 'select 1']), 'CATALOG_UNUSABLE', /not a Mayfly catalog/);

    const dir = join(scratch(), 'home');
    mkdirSync(join(dir, CATALOG), { recursive: true });
    assertUserError(mayfly(['sql', '--home', dir, 'select 1']), 'CATALOG_UNUSABLE', /cannot be opened/);

    // A real catalog whose pages past the header were overwritten.
    const corrupt = warehouse();
    const fd = openSync(join(corrupt, CATALOG), 'r+');
    writeSync(fd, Buffer.alloc(16384, 0xff), 0, 16384, 4096);
    closeSync(fd);
    const r = mayfly(['sql', '--home', corrupt, 'select count(*) from t']);
    assertUserError(r, 'CATALOG_UNUSABLE', /corrupt|not a Mayfly catalog/);
  });

  it('an objects folder that is a file', () => {
    const home = warehouse();
    rmSync(join(home, 'objects'), { recursive: true });
    writeFileSync(join(home, 'objects'), 'x');
    assertUserError(mayfly(['sql', '--home', home, 'select 1']), 'STORE_UNUSABLE', /objects cannot be used: a file is in its place/);
    rmSync(join(home, 'staging'), { recursive: true });
    writeFileSync(join(home, 'staging'), 'x');
    rmSync(join(home, 'objects'));
    assertUserError(mayfly(['sql', '--home', home, 'select 1']), 'STORE_UNUSABLE', /staging cannot be used/);
  });

  it('a home, a catalog or a parent folder this user may not write', { skip: unprivileged ? false : 'needs an unprivileged user that can read the built CLI' }, () => {
    const closed = warehouse();
    chmodSync(closed, 0o700);
    assertUserError(asUnprivileged(['sql', '--home', closed, 'select 1']), 'HOME_NO_ACCESS', /may not read and write the warehouse home/);

    const readOnly = warehouse();
    for (const d of [readOnly, join(readOnly, 'objects'), join(readOnly, 'staging')]) chmodSync(d, 0o777);
    chmodSync(join(readOnly, CATALOG), 0o444);
    assertUserError(asUnprivileged(['sql', '--home', readOnly, 'create table u (i int)']), 'CATALOG_UNUSABLE', /read-only/);

    const parent = join(scratch(), 'locked');
    mkdirSync(parent);
    chmodSync(parent, 0o555);
    assertUserError(asUnprivileged(['init', '--home', join(parent, 'new')]), 'HOME_NO_ACCESS', /cannot be created or written/);
  });
});
