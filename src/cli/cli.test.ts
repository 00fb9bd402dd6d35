import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import Database from 'better-sqlite3';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';

const MAIN = fileURLToPath(new URL('./main.js', import.meta.url));
const scratch: string[] = [];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mayfly-cli-test-'));
  scratch.push(dir);
  return dir;
}

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built CLI in `cwd` (no mayfly.yaml there) with MAYFLY_HOME unset. */
function mayfly(args: readonly string[], options: { input?: string; cwd?: string } = {}): Run {
  const env = { ...process.env };
  delete env.MAYFLY_HOME;
  const r = spawnSync(process.execPath, [MAIN, ...args], { input: options.input ?? '', encoding: 'utf8', cwd: options.cwd ?? tmpdir(), env });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs with `--json` and parses stdout. */
function json(args: readonly string[], options: { input?: string } = {}): { run: Run; value: unknown } {
  const run = mayfly([...args, '--json'], options);
  assert.equal(run.code, 0, `mayfly ${args.join(' ')} failed: ${run.stderr}`);
  return { run, value: JSON.parse(run.stdout) };
}

/** The record at `key` of a JSON value. */
function field(value: unknown, key: string): unknown {
  assert.ok(typeof value === 'object' && value !== null, `expected an object, got ${JSON.stringify(value)}`);
  return (value as Record<string, unknown>)[key];
}

after(() => {
  for (const d of scratch) rmSync(d, { recursive: true, force: true });
});

describe('mayfly sql', () => {
  const home = tempDir();
  before(() => assert.equal(mayfly(['init', '--home', home]).code, 0));

  test('a script failing part-way says in JSON which statements were committed before the failure', () => {
    const run = mayfly(['sql', '--home', home, '--json', "create table half (a int); insert into half values ('not a number')"]);
    assert.equal(run.code, 1);
    const error = field(JSON.parse(run.stdout), 'error');
    assert.equal(field(error, 'code'), 'SQL_EXECUTION');
    assert.match(String(field(error, 'message')), /source column a/);
    assert.deepEqual((field(error, 'completed') as { statement: string }[]).map((c) => c.statement), ['create table half (a int)']);
  });

  test('init is idempotent and says whether it created the warehouse', () => {
    assert.equal(field(json(['init', '--home', home]).value, 'created'), false);
  });

  test('a script creates, inserts and returns the rows of its one query as JSON', () => {
    const { value } = json(['sql', '--home', home, 'create table t (id int, name varchar); insert into t values (1, \'a\'), (2, \'b\'); select * from t order by id']);
    assert.deepEqual(value, [
      { id: 1, name: 'a' },
      { id: 2, name: 'b' },
    ]);
  });

  test('a script whose second statement does not parse runs nothing and exits 1 with SQL_PARSE', () => {
    const r = mayfly(['sql', '--home', home, 'create table never (x int); selec 1']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error \[SQL_PARSE\]: /);
    const after = mayfly(['sql', '--home', home, '--json', 'select * from never']);
    assert.equal(after.code, 1);
    assert.equal(field(field(JSON.parse(after.stdout), 'error'), 'code'), 'TABLE_NOT_FOUND');
  });

  test('reads the script from -f FILE and from standard input', () => {
    const file = join(home, 'script.sql');
    writeFileSync(file, 'select 40 + 2 as answer;\n');
    assert.deepEqual(json(['sql', '--home', home, '-f', file]).value, [{ answer: 42 }]);
    assert.deepEqual(json(['sql', '--home', home], { input: 'select 7 as seven;' }).value, [{ seven: 7 }]);
  });

  test('prints text tables with a row count and statement messages with their time', () => {
    const r = mayfly(['sql', '--home', home, "create table words as select 'x' || range as w from range(3); select w from words order by w"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /created .* in [\d.]+ (ms|s)/);
    assert.match(r.stdout, /^w\n--\nx0\nx1\nx2\n\(3 rows\)$/m);
  });

  test('several results in JSON: one entry per statement', () => {
    const { value } = json(['sql', '--home', home, 'create table pair (a int); insert into pair values (1)']);
    assert.ok(Array.isArray(value));
    assert.deepEqual(
      value.map((r) => [field(r, 'kind'), field(r, 'rowsAffected')]),
      [
        ['done', undefined],
        ['done', 1],
      ],
    );
    assert.equal(typeof field(value[0], 'elapsedMs'), 'number');
  });

  test('the prompt (-i) shows errors without exiting and follows USE', () => {
    const r = mayfly(['sql', '-i', '--home', home], { input: 'selec;\nselect\n 5 as five;\ncreate schema s2;\nuse s2;\n\\q\n' });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /error \[SQL_PARSE\]/);
    assert.match(r.stdout, /five\n-+\n +5\n\(1 row\)/);
    assert.match(r.stdout, /prod> .*using prod\.s2/s);
  });

  test('the prompt (-i) ends a statement where the session splits it, not at a ; inside quotes or comments', () => {
    // Each line ends with `;`, but only the last `;` of each statement is outside a $$ string, a '…' string or a comment.
    const input = "select $$a;\nb;$$ as d;\nselect 'x;\ny;' as s -- done;\n;\nselect 1 as one; -- trailing comment\n\\q\n";
    const r = mayfly(['sql', '-i', '--home', home], { input });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.match(r.stdout, /a;\\nb;/);
    assert.match(r.stdout, /x;\\ny;/);
    assert.match(r.stdout, /one\n-+\n +1\n\(1 row\)/);
  });
});

describe('mayfly databases and clones', () => {
  const home = tempDir();
  before(() => {
    assert.equal(mayfly(['init', '--home', home]).code, 0);
    assert.equal(mayfly(['sql', '--home', home, 'create schema rdv; create table rdv.hub as select range as id from range(100); create schema pl; create table pl.v as select 1 as x']).code, 0);
  });

  test('clone create makes a clone that db list shows', () => {
    const created = json(['clone', 'create', 'squad_c_dev', '--from', 'prod', '--home', home]).value;
    assert.equal(field(created, 'name'), 'squad_c_dev');
    assert.equal(typeof field(created, 'elapsedMs'), 'number');
    const list = json(['db', 'list', '--home', home]).value;
    assert.ok(Array.isArray(list));
    const clone = list.find((d) => field(d, 'name') === 'squad_c_dev');
    assert.equal(field(field(clone, 'source'), 'database'), 'prod');
    assert.match(mayfly(['db', 'list', '--home', home]).stdout, /squad_c_dev +prod/);
  });

  test('clone create --schema clones only those schemas; db show lists its tables', () => {
    json(['clone', 'create', 'squad_c_rdv', '--schema', 'rdv', '--home', home]);
    const shown = json(['db', 'show', 'squad_c_rdv', '--home', home]).value;
    const objects = field(shown, 'objects');
    assert.ok(Array.isArray(objects));
    assert.deepEqual(
      objects.map((t) => `${String(field(t, 'schema'))}.${String(field(t, 'name'))}:${String(field(t, 'rows'))}`),
      ['rdv.hub:100'],
    );
  });

  test('clone create --at refuses what is not a time', () => {
    const r = mayfly(['clone', 'create', 'squad_c_x', '--at', 'yesterday', '--home', home]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /INVALID_TIMESTAMP/);
  });

  test('db drop refuses production with PROD_PROTECTED and drops a clone', () => {
    const r = mayfly(['db', 'drop', 'prod', '--home', home, '--json']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error \[PROD_PROTECTED\]/);
    assert.equal(field(field(JSON.parse(r.stdout), 'error'), 'code'), 'PROD_PROTECTED');
    json(['clone', 'create', 'squad_c_doomed', '--home', home]);
    assert.equal(field(json(['db', 'drop', 'squad_c_doomed', '--home', home]).value, 'dropped'), 'squad_c_doomed');
  });

  test('metrics, gc and compact print JSON reports', () => {
    json(['sql', '--home', home, '--db', 'squad_c_dev', 'update rdv.hub set id = -1 where id = 1']);
    const metrics = json(['metrics', '--home', home, '--db', 'squad_c_dev']).value;
    const [db] = field(metrics, 'databases') as unknown[];
    for (const k of ['logicalBytes', 'sharedBytes', 'exclusiveBytes', 'retainedForCloneBytes', 'files']) assert.equal(typeof field(db, k), 'number', k);
    assert.ok((field(db, 'exclusiveBytes') as number) > 0);
    assert.ok(Array.isArray(field(db, 'tables')));
    const gc = json(['gc', '--dry-run', '--home', home]).value;
    assert.equal(field(gc, 'dryRun'), true);
    for (const k of ['filesScanned', 'filesDeleted', 'bytesReclaimed', 'elapsedMs']) assert.equal(typeof field(gc, k), 'number', k);
    const compact = json(['compact', '--home', home]).value;
    for (const k of ['tablesCompacted', 'filesRewritten', 'deleteVectorsFolded', 'elapsedMs']) assert.equal(typeof field(compact, k), 'number', k);
  });
});

describe('mayfly usage and errors', () => {
  test('an unknown command, option or missing argument exits 1 with the usage', () => {
    const unknown = mayfly(['frobnicate']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /error \[USAGE\]: unknown command "frobnicate"[\s\S]*Commands:/);
    const option = mayfly(['gc', '--frob']);
    assert.equal(option.code, 1);
    assert.match(option.stderr, /Usage: mayfly gc/);
    assert.equal(mayfly(['db', 'show']).code, 1);
  });

  test('help lists every command; --version prints the version', () => {
    const help = mayfly(['help']);
    assert.equal(help.code, 0);
    for (const c of ['init', 'sql', 'db list', 'db show', 'db drop', 'clone create', 'metrics', 'gc', 'compact', 'demo']) assert.match(help.stdout, new RegExp(`^  ${c} `, 'm'));
    assert.match(mayfly(['sql', '--help']).stdout, /^Usage: mayfly sql/);
    assert.match(mayfly(['--version']).stdout, /^mayfly \d+\.\d+\.\d+/);
  });

  test('a home that holds no warehouse is refused, not created', () => {
    const home = join(tempDir(), 'typo');
    const r = mayfly(['db', 'list', '--home', home]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /NO_WAREHOUSE/);
    assert.equal(existsSync(home), false);
  });

  test('a failure that is not the user\'s exits 2 and says it is a bug', () => {
    // A catalog that is a database but lost rows a ref needs: no user error explains it.
    // (A catalog that is not a database at all is the user's to fix: see test/environment-errors.)
    const home = tempDir();
    assert.equal(mayfly(['init', '--home', home]).code, 0);
    const db = new Database(join(home, 'catalog.sqlite'));
    db.exec('DELETE FROM metadata');
    db.close();
    const r = mayfly(['db', 'list', '--home', home]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /this is a bug/);
  });
});

describe('mayfly demo', () => {
  test('runs the sample project: the clone loads only new files, runs DAG V2, and production stays as it was', () => {
    const home = tempDir();
    const { value } = json(['demo', '--home', home]);
    const prod = field(value, 'production');
    const clone = field(value, 'clone');
    assert.equal(field(prod, 'dagStatus'), 'succeeded');
    assert.equal(field(clone, 'dagStatus'), 'succeeded');
    assert.equal(field(prod, 'unchanged'), true);
    assert.equal(field(prod, 'filesLoaded'), 21);
    assert.equal(field(clone, 'filesLoaded'), 3, 'the clone inherits the load history: only today\'s 3 files load');
    const own = field(clone, 'exclusiveBytes') as number;
    assert.ok(own > 0 && own < (field(field(value, 'fullCopy'), 'bytes') as number), `clone ${own} B vs a full copy`);
    const again = mayfly(['demo', '--home', home]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /DEMO_HOME_IN_USE/);
  });
});
