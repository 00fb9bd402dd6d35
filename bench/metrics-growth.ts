/**
 * Storage metrics against the number of clones: a one-row INSERT into
 * production, `clone list` and `metrics`, each a whole CLI process (wall
 * time, median of a few runs), at 10, 100 and 1,000 clones of a small
 * warehouse (20 tables of 20 files by default). Also counts the storage samples the
 * INSERT's process wrote. Goal: flat within 1.5× from 10 to 1,000 clones.
 *
 *   node dist/bench/metrics-growth.js [--levels 10,100,1000] [--runs 3] [--tables 20] [--files 20] [--cli dist/src/cli/main.js] [--keep DIR]
 *
 * `--cli a.js,b.js` runs several builds' CLIs against the same warehouse,
 * interleaved command by command (to compare with the build before a change
 * on a machine whose load moves).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { CloneLifecycle } from '../src/clones/clone-lifecycle.js';
import { STORAGE_EVENT_KIND } from '../src/costs/meter-events.js';
import { createMayfly, loadConfig, type Mayfly } from '../src/index.js';
import { storageMetrics } from '../src/warehouse/storage-metrics.js';
import { median, progress, round } from './bench-util.js';

const SETTINGS = { production: 'prod', threads: 1, memoryLimit: '1GB' } as const;
const YAML = `
clones:
  scopes:
    squad: { defaultTtl: 14d, maxTtl: 30d, maxActive: 5000, idleExpiry: never }
`;

interface Row {
  readonly build: string;
  readonly clones: number;
  readonly insertMs: number;
  readonly insertCpuMs: number;
  readonly samplesPerInsert: number;
  readonly cloneListMs: number;
  readonly cloneListCpuMs: number;
  readonly metricsMs: number;
  readonly metricsCpuMs: number;
}

function open(root: string): Mayfly {
  const configPath = join(root, 'mayfly.yaml');
  return createMayfly({ config: loadConfig({ configPath, home: join(root, 'home') }), settings: SETTINGS });
}

async function seed(mayfly: Mayfly, tables: number, filesPerTable: number): Promise<void> {
  mayfly.warehouse.init();
  const s = await mayfly.warehouse.session('prod');
  try {
    for (let t = 0; t < tables; t++) {
      await s.run(`create table t${t} (id bigint, v varchar)`);
      for (let f = 0; f < filesPerTable; f++) await s.run(`insert into t${t} select range + ${f * 100}, 'v' || range from range(100)`);
    }
  } finally {
    s.close();
  }
}

/** Wall and CPU (user + system) milliseconds of one CLI process; CPU from /usr/bin/time, which a loaded machine moves far less. */
function cli(cliPath: string, root: string, args: readonly string[]): { wall: number; cpu: number } {
  const argv = [cliPath, ...args, '--home', join(root, 'home'), '--config', join(root, 'mayfly.yaml')];
  const timeFile = join(root, 'time.txt');
  const useTime = existsSync('/usr/bin/time');
  const started = performance.now();
  if (useTime) execFileSync('/usr/bin/time', ['-f', '%U %S', '-o', timeFile, process.execPath, ...argv], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  else execFileSync(process.execPath, argv, { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  const wall = performance.now() - started;
  const [user = 0, sys = 0] = useTime ? readFileSync(timeFile, 'utf8').trim().split(/\s+/).map(Number) : [];
  return { wall, cpu: useTime ? (user + sys) * 1000 : Number.NaN };
}

/** In-process figures at one level: the full recomputation (the algorithm before) against the maintained metrics. */
interface InProcessRow {
  readonly clones: number;
  readonly recomputeAllMs: number;
  readonly maintainedAllMs: number;
  readonly maintainedOneMs: number;
}

function measureInProcess(mayfly: Mayfly, clones: number): InProcessRow {
  const w = mayfly.warehouse;
  const ms = (fn: () => unknown): number => {
    const samples: number[] = [];
    for (let i = 0; i < 3; i++) {
      const started = performance.now();
      fn();
      samples.push(performance.now() - started);
    }
    return round(median(samples));
  };
  return {
    clones,
    recomputeAllMs: ms(() => storageMetrics(w.catalog)),
    maintainedAllMs: ms(() => w.metrics()),
    maintainedOneMs: ms(() => w.metrics('prod')),
  };
}

function samplesSince(root: string, at: number): number {
  const mayfly = open(root);
  try {
    return mayfly.warehouse.control.listEvents(STORAGE_EVENT_KIND, { since: at }).length;
  } finally {
    mayfly.close();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { levels: { type: 'string', default: '10,100,1000' }, runs: { type: 'string', default: '3' }, cli: { type: 'string', default: 'dist/src/cli/main.js' }, keep: { type: 'string' }, tables: { type: 'string', default: '20' }, files: { type: 'string', default: '20' } },
  });
  const levels = values.levels.split(',').map(Number);
  const runs = Number(values.runs);
  const cliPaths = values.cli.split(',').map((p) => resolve(p));
  const root = values.keep ?? mkdtempSync(join(tmpdir(), 'mayfly-metrics-growth-'));
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, 'mayfly.yaml'), YAML);
  const rows: Row[] = [];
  const inProcess: InProcessRow[] = [];
  try {
    let mayfly = open(root);
    await seed(mayfly, Number(values.tables), Number(values.files));
    let made = 0;
    for (const level of levels) {
      const lifecycle = new CloneLifecycle(mayfly.warehouse, mayfly.config);
      progress(`creating clones up to ${level}`);
      for (; made < level; made++) await lifecycle.create({ name: `squad_s${made % 50}_c${made}`, owner: 'bench' });
      inProcess.push(measureInProcess(mayfly, level));
      mayfly.close();
      type Run = { wall: number; cpu: number };
      const m = cliPaths.map(() => ({ insert: [] as Run[], list: [] as Run[], metrics: [] as Run[], samples: 0 }));
      for (let r = 0; r < runs; r++) {
        cliPaths.forEach((cliPath, i) => {
          const b = m[i];
          if (!b) return;
          const at = Date.now();
          b.insert.push(cli(cliPath, root, ['sql', '--db', 'prod', `insert into t0 values (${r}, 'x')`]));
          b.samples = samplesSince(root, at);
          b.list.push(cli(cliPath, root, ['clone', 'list']));
          b.metrics.push(cli(cliPath, root, ['metrics']));
        });
      }
      cliPaths.forEach((build, i) => {
        const b = m[i];
        if (!b) return;
        const wall = (runs: readonly Run[]): number => round(median(runs.map((x) => x.wall)));
        const cpu = (runs: readonly Run[]): number => round(median(runs.map((x) => x.cpu)));
        rows.push({
          build,
          clones: level,
          insertMs: wall(b.insert),
          insertCpuMs: cpu(b.insert),
          samplesPerInsert: b.samples,
          cloneListMs: wall(b.list),
          cloneListCpuMs: cpu(b.list),
          metricsMs: wall(b.metrics),
          metricsCpuMs: cpu(b.metrics),
        });
        progress(JSON.stringify(rows[rows.length - 1]));
      });
      mayfly = open(root);
    }
    mayfly.close();
  } finally {
    if (values.keep === undefined) rmSync(root, { recursive: true, force: true });
  }
  console.log(`load average at the end: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
  console.log('| build | clones | one-row INSERT wall / CPU (ms) | storage samples written | clone list wall / CPU (ms) | metrics wall / CPU (ms) |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    console.log(`| ${r.build} | ${r.clones} | ${r.insertMs} / ${r.insertCpuMs} | ${r.samplesPerInsert} | ${r.cloneListMs} / ${r.cloneListCpuMs} | ${r.metricsMs} / ${r.metricsCpuMs} |`);
  }
  console.log('\nin process (median of 3): storage metrics of every database, recomputed (the algorithm before) and maintained, and of production alone');
  console.log('| clones | recompute all (ms) | maintained all (ms) | maintained, production only (ms) |');
  console.log('| ---: | ---: | ---: | ---: |');
  for (const r of inProcess) console.log(`| ${r.clones} | ${r.recomputeAllMs} | ${r.maintainedAllMs} | ${r.maintainedOneMs} |`);
  for (const build of cliPaths) {
    const mine = rows.filter((r) => r.build === build);
    const first = mine[0];
    const last = mine[mine.length - 1];
    if (!first || !last || first === last) continue;
    console.log(
      `${build}: ${first.clones}→${last.clones} clones, CPU: INSERT ${(last.insertCpuMs / first.insertCpuMs).toFixed(2)}×, clone list ${(last.cloneListCpuMs / first.cloneListCpuMs).toFixed(2)}×, metrics ${(last.metricsCpuMs / first.metricsCpuMs).toFixed(2)}× (goal ≤ 1.5×)`,
    );
  }
}

await main();
