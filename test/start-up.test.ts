import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { COMMANDS, loadCommand } from '../src/cli/commands.js';

const MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const HOOK = fileURLToPath(new URL('./helpers/module-log.js', import.meta.url));
const BUILTINS_HOOK = fileURLToPath(new URL('./helpers/builtin-log.js', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'mayfly-start-up-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const HEAVY = ['@duckdb/node-api', 'better-sqlite3', 'zod', 'yaml'] as const;
let runs = 0;

/** The module that holds mayfly.yaml's zod schema: loading it loads zod. */
const CONFIG_SCHEMA = 'config-schema';

/** Runs `mayfly args…` in a child process and returns every module URL it loaded, built-in ones as `node:NAME` (internal ones too). */
function modulesLoaded(args: readonly string[]): readonly string[] {
  const log = join(scratch, `modules-${runs++}.log`);
  const env: NodeJS.ProcessEnv = { ...process.env, MAYFLY_MODULE_LOG: log, MAYFLY_USER: 'ann', MAYFLY_CACHE_DIR: join(scratch, 'cache') };
  delete env.MAYFLY_HOME;
  delete env.NODE_TEST_CONTEXT;
  const r = spawnSync(process.execPath, ['--import', HOOK, '--import', BUILTINS_HOOK, MAIN, ...args], { encoding: 'utf8', cwd: scratch, env });
  assert.equal(r.status, 0, `mayfly ${args.join(' ')} failed: ${r.stderr}`);
  const urls = readFileSync(log, 'utf8').split('\n').filter(Boolean);
  // The log must have seen our own modules, or it proves nothing about the others.
  assert.ok(urls.some((u) => u.endsWith('/src/cli/main.js')), 'the module log recorded the CLI itself');
  assert.ok(urls.includes('node:fs'), 'the module log recorded the built-in modules');
  return urls;
}

/** The packages (under node_modules) `mayfly args…` loaded, and `config-schema` if it loaded that. */
function packagesLoaded(args: readonly string[]): ReadonlySet<string> {
  const urls = modulesLoaded(args);
  const packages = urls.flatMap((u) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(u)?.[1] ?? []);
  return new Set([...packages, ...(urls.some((u) => u.endsWith('/src/config/config-schema.js')) ? [CONFIG_SCHEMA] : [])]);
}

describe('start-up', () => {
  it('--version and --help load neither DuckDB, SQLite nor the config schema', () => {
    for (const args of [['--version'], ['--help'], ['help'], ['clone', '--help']]) {
      const loaded = packagesLoaded(args);
      for (const p of [...HEAVY, CONFIG_SCHEMA]) assert.ok(!loaded.has(p), `mayfly ${args.join(' ')} loaded ${p}`);
    }
  });

  it('clone create and clone list load neither DuckDB nor, once the configuration was validated, zod and the YAML parser; sql loads DuckDB', () => {
    const home = join(scratch, 'home');
    const first = packagesLoaded(['init', '--home', home]);
    assert.ok(first.has('better-sqlite3') && first.has(CONFIG_SCHEMA), 'the first start validates the configuration');
    for (const args of [
      ['clone', 'create', 'squad_c_first', '--home', home],
      ['clone', 'list', '--home', home],
      ['clone', 'destroy', 'squad_c_first', '--home', home],
    ]) {
      const loaded = packagesLoaded(args);
      for (const p of ['@duckdb/node-api', 'zod', 'yaml', CONFIG_SCHEMA]) assert.ok(!loaded.has(p), `mayfly ${args.join(' ')} loaded ${p}`);
    }
    assert.ok(packagesLoaded(['sql', '--home', home, 'select 1']).has('@duckdb/node-api'), 'the hook sees DuckDB when SQL runs');
  });

  it('clone list and clone create load no SQL layer, GC, compaction, other commands, node:crypto nor node:child_process', () => {
    const home = join(scratch, 'lean');
    packagesLoaded(['init', '--home', home]);
    packagesLoaded(['clone', 'create', 'squad_c_seed', '--home', home]);
    // What a listing or lifecycle command has no use for: each is milliseconds of its start-up (see docs/scale-startup.md).
    const unwanted = [
      '/src/warehouse/session.js',
      '/src/sql/statement-parser.js',
      '/src/warehouse/garbage-collector.js',
      '/src/warehouse/compactor.js',
      '/src/cli/reap-command.js',
      'node:crypto',
      'node:child_process',
      'bindings',
    ];
    for (const args of [
      ['clone', 'list', '--home', home],
      ['clone', 'create', 'squad_c_second', '--home', home],
    ]) {
      const urls = modulesLoaded(args);
      assert.ok(urls.some((u) => u.endsWith('/src/warehouse/warehouse.js')), `mayfly ${args.join(' ')} opened the warehouse`);
      for (const m of unwanted) assert.ok(!urls.some((u) => u === m || u.endsWith(m) || u.includes(`/node_modules/${m}/`)), `mayfly ${args.join(' ')} loaded ${m}`);
    }
    // The same hook sees them where they are used: a SQL statement loads the session and hashes what it commits.
    const sql = modulesLoaded(['sql', '--home', home, 'create table t (a int)']);
    for (const m of ['/src/warehouse/session.js', 'node:crypto']) assert.ok(sql.some((u) => u === m || u.endsWith(m)), `mayfly sql loaded ${m}`);
  });

  it('the command table says what each command module says (words, summary, options)', async () => {
    for (const entry of COMMANDS) {
      const command = await loadCommand(entry);
      assert.deepEqual([command.words, command.summary, command.options], [entry.words, entry.summary, entry.options], `mayfly ${entry.words.join(' ')}`);
    }
  });
});
