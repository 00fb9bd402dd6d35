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
const scratch = mkdtempSync(join(tmpdir(), 'mayfly-start-up-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const HEAVY = ['@duckdb/node-api', 'better-sqlite3', 'zod', 'yaml'] as const;
let runs = 0;

/** The module that holds mayfly.yaml's zod schema: loading it loads zod. */
const CONFIG_SCHEMA = 'config-schema';

/** Runs `mayfly args…` in a child process and returns the packages (under node_modules) it loaded, and `config-schema` if it loaded that. */
function packagesLoaded(args: readonly string[]): ReadonlySet<string> {
  const log = join(scratch, `modules-${runs++}.log`);
  const env: NodeJS.ProcessEnv = { ...process.env, MAYFLY_MODULE_LOG: log, MAYFLY_USER: 'ann', MAYFLY_CACHE_DIR: join(scratch, 'cache') };
  delete env.MAYFLY_HOME;
  delete env.NODE_TEST_CONTEXT;
  const r = spawnSync(process.execPath, ['--import', HOOK, MAIN, ...args], { encoding: 'utf8', cwd: scratch, env });
  assert.equal(r.status, 0, `mayfly ${args.join(' ')} failed: ${r.stderr}`);
  const urls = readFileSync(log, 'utf8').split('\n').filter(Boolean);
  // The log must have seen our own modules, or it proves nothing about the others.
  assert.ok(urls.some((u) => u.endsWith('/src/cli/main.js')), 'the module log recorded the CLI itself');
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

  it('the command table says what each command module says (words, summary, options)', async () => {
    for (const entry of COMMANDS) {
      const command = await loadCommand(entry);
      assert.deepEqual([command.words, command.summary, command.options], [entry.words, entry.summary, entry.options], `mayfly ${entry.words.join(' ')}`);
    }
  });
});
