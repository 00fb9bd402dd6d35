/**
 * DAGs against any target: the sample project's V1 models (STAGING → RDV →
 * BDV → PL) built on production and on a zero-copy clone of it, alternately,
 * with a full refresh each time (clone / production p50 should be ≤ 1.05: a
 * clone reads the same files); then four runs on four clones at once against
 * the same four runs one after another.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createMayfly, type Warehouse } from '../src/index.js';
import { orchestrateProject, type OrchestrateProject } from '../src/orchestrate/dag-definition.js';
import type { DagRunRecord } from '../src/orchestrate/dag-run-history.js';
import { runDag } from '../src/orchestrate/dag-runner.js';
import { deploy } from '../src/orchestrate/deployer.js';
import { readDeploymentScripts } from '../src/orchestrate/deployment-scripts.js';
import { BENCH_SETTINGS } from './bench-warehouses.js';
import { median, progress, timed } from './bench-util.js';
import { figure, type Figure } from './report.js';

const SAMPLE = fileURLToPath(new URL('../../examples/datavault', import.meta.url));

/** Staging rows generated in SQL: `n` customers, 3n orders, 2n payments over 30 load dates. */
function stagingRowsSql(n: number): string {
  return `
insert into staging.customers_a
  select range, 'customer ' || range, 'c' || range || '@example.com',
         case range % 4 when 0 then 'NL' when 1 then 'DE' when 2 then 'BE' else 'FR' end,
         date '2024-01-01' + cast(range % 365 as integer), date '2025-01-01' + cast(range % 30 as integer)
  from range(${n});
insert into staging.orders_a
  select range, range % ${n}, date '2025-01-01' + cast(range % 30 as integer), cast((range % 997) / 10.0 as decimal(12, 2)),
         case when range % 10 = 0 then 'cancelled' when range % 3 = 0 then 'paid' else 'open' end,
         date '2025-01-01' + cast(range % 30 as integer)
  from range(${3 * n});
insert into staging.payments_b
  select range, range % ${3 * n}, timestamp '2025-01-02 10:00:00', cast((range % 997) / 10.0 as decimal(12, 2)),
         case when range % 2 = 0 then 'card' else 'transfer' end, date '2025-01-02' + cast(range % 30 as integer)
  from range(${2 * n})`;
}

/** Measures DAG runs on production against clones, and four clones at once against one after another. */
export async function measureDag(root: string, quick: boolean): Promise<{ figures: Figure[]; details: Record<string, unknown> }> {
  const customers = quick ? 5_000 : 100_000;
  const repetitions = 7;
  const home = join(root, 'dag');
  await rm(home, { recursive: true, force: true });
  const mayfly = createMayfly({ home, configPath: join(SAMPLE, 'mayfly.yaml'), settings: BENCH_SETTINGS });
  try {
    const warehouse = mayfly.warehouse;
    warehouse.init();
    const project = orchestrateProject(mayfly.config);
    progress(`dag: production with ${customers.toLocaleString('en-US')} customers, ${(3 * customers).toLocaleString('en-US')} orders`);
    await deploy(warehouse, { target: 'prod', scripts: readDeploymentScripts(project.deploymentsDir), allowProduction: true, appliedBy: 'bench' });
    const s = await warehouse.session('prod');
    try {
      await s.run(stagingRowsSql(customers));
    } finally {
      s.close();
    }
    const build = (target: string): Promise<DagRunRecord> => runDag(warehouse, project, { target, dag: 'datavault', fullRefresh: true });
    // A first build of each, so both sides start from built tables; then alternate, so drift hits both alike.
    warehouse.cloneDatabase('squad_bench_dev', 'prod');
    await check(build('prod'));
    await check(build('squad_bench_dev'));
    const prodMs: number[] = [];
    const cloneMs: number[] = [];
    for (let i = 0; i < repetitions; i++) {
      prodMs.push((await timed(() => check(build('prod')))).ms);
      cloneMs.push((await timed(() => check(build('squad_bench_dev')))).ms);
    }
    const ratio = median(cloneMs) / median(prodMs);
    progress(`dag: production p50 ${median(prodMs).toFixed(0)} ms, clone p50 ${median(cloneMs).toFixed(0)} ms`);

    const parallel = await fourAtOnce(warehouse, project);
    progress(`dag: 4 clones one after another ${parallel.sequentialMs.toFixed(0)} ms, at once ${parallel.concurrentMs.toFixed(0)} ms`);
    return {
      figures: [
        figure('DAG V1 (8 models) on a clone / on production, p50', ratio, '×', { op: '<=', value: 1.05 }),
        figure('DAG V1 on production, p50', median(prodMs), 'ms'),
        // On a CPU-bound machine (2 cores here) runs at once cannot finish sooner than their total CPU: the claim is that they cost no more.
        figure('4 DAG runs on 4 clones at once / one after another (wall time)', parallel.concurrentMs / parallel.sequentialMs, '×', { op: '<=', value: 1.1 }),
        figure('4 DAG runs on 4 clones at once / one after another (CPU time)', parallel.concurrentCpuMs / parallel.sequentialCpuMs, '×'),
      ],
      details: { customers, repetitions, prodMs, cloneMs, ...parallel },
    };
  } finally {
    mayfly.close();
    await rm(home, { recursive: true, force: true });
  }
}

/** Four clones: each built once one after another, then all four at once (each run with its own sessions). */
async function fourAtOnce(
  warehouse: Warehouse,
  project: OrchestrateProject,
): Promise<{ sequentialMs: number; concurrentMs: number; sequentialCpuMs: number; concurrentCpuMs: number; threadsPerRun: number }> {
  const clones = ['squad_bench_a', 'squad_bench_b', 'squad_bench_c', 'squad_bench_d'];
  for (const c of clones) warehouse.cloneDatabase(c, 'prod');
  const run = (target: string): Promise<DagRunRecord> => check(runDag(warehouse, project, { target, dag: 'datavault', fullRefresh: true }));
  // Warm-up: the first build of each clone writes its tables; both measured passes then rebuild them alike.
  for (const c of clones) await run(c);
  // Process CPU time (every thread, DuckDB's included), so a loaded machine's wall time can be read against it.
  const cpu = (): number => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  const cpu0 = cpu();
  const sequential = await timed(async () => {
    for (const c of clones) await run(c);
  });
  const cpu1 = cpu();
  const concurrent = await timed(() => Promise.all(clones.map(run)));
  const cpu2 = cpu();
  return {
    sequentialMs: sequential.ms,
    concurrentMs: concurrent.ms,
    sequentialCpuMs: cpu1 - cpu0,
    concurrentCpuMs: cpu2 - cpu1,
    threadsPerRun: project.dags.datavault?.threads ?? 2,
  };
}

async function check(run: Promise<DagRunRecord>): Promise<DagRunRecord> {
  const r = await run;
  if (r.status !== 'succeeded') throw new Error(`DAG run ${r.id} on ${r.target} ${r.status}: ${JSON.stringify(r.models.filter((m) => m.error).map((m) => [m.id, m.error]))}`);
  return r;
}
