import type { BenchScale } from './bench-scale.js';
import { geomean, median, progress, timed } from './bench-util.js';
import type { BenchWarehouse } from './bench-warehouses.js';
import { openQueryVariants, RAW_DELETE_STRATEGIES, V, type Runner } from './query-variants.js';
import type { RawRow } from './raw-duck.js';
import { figure, type Figure } from './report.js';
import { measureStatementOverhead, type StatementOverhead } from './statement-overhead.js';

/** The analytical queries, over `events` and `customers`, written once for Mayfly and raw DuckDB alike. */
export const QUERIES: readonly { readonly name: string; readonly sql: string }[] = [
  { name: 'filtered aggregate', sql: `SELECT count(*) AS n, sum(amount) AS total, avg(amount) AS mean FROM events WHERE category = 'c07' AND amount > 250` },
  {
    name: 'group by',
    sql: `SELECT category, date_trunc('month', ts) AS month, count(*) AS n, sum(amount) AS total FROM events GROUP BY category, month ORDER BY category, month`,
  },
  {
    name: 'window over subset',
    sql: `SELECT count(*) AS n, max(running) AS top FROM (SELECT sum(amount) OVER (PARTITION BY customer_id ORDER BY ts, id) AS running FROM events WHERE category = 'c03') w`,
  },
  {
    name: 'join dimension',
    sql: `SELECT c.segment, count(*) AS n, sum(e.amount) AS total FROM events e JOIN customers c ON c.customer_id = e.customer_id WHERE e.amount > 500 GROUP BY c.segment ORDER BY c.segment`,
  },
  { name: 'count distinct', sql: `SELECT count(DISTINCT customer_id) AS customers FROM events WHERE ts >= TIMESTAMP '2025-07-01'` },
];

/** A ratio of two variants three ways: medians of wall time (the figure), medians of process CPU time (immune to other processes on the machine), and the median of per-run wall ratios (paired). */
export interface Ratio {
  readonly wall: number;
  readonly cpu: number;
  readonly paired: number;
}

/** One query under every variant, and the ratios. */
export interface QueryTiming {
  readonly name: string;
  /** Median wall ms by variant. */
  readonly medianMs: Readonly<Record<string, number>>;
  /** Median CPU ms of the whole process (all DuckDB threads) by variant. */
  readonly medianCpuMs: Readonly<Record<string, number>>;
  /** Every timed run's wall ms by variant, in run order. */
  readonly samplesMs: Readonly<Record<string, readonly number[]>>;
  readonly cloneOverProd: Ratio;
  readonly mayflyOverRaw: Ratio;
  /** Mayfly over raw DuckDB with the same sandbox settings: what Mayfly itself adds (parse, bind, result conversion). */
  readonly mayflyOverSandboxedRaw: Ratio;
  /** What the sandbox settings alone cost raw DuckDB. */
  readonly sandboxedOverRaw: Ratio;
  /** Clone with 1 % deleted over the fastest raw baseline that filters the same rows. */
  readonly deletedOverRaw: Ratio;
  readonly bestRawDelete: string;
  /** Median ms Mayfly spends before DuckDB runs the query (parse, sandbox check, binding). */
  readonly prepareMs: number;
  /** Whether every variant returned the same rows (the deleted ones among themselves). */
  readonly resultsAgree: boolean;
}

/** The query-ratio figures. */
export interface QueryRatio {
  readonly rows: number;
  readonly files: number;
  readonly runs: number;
  readonly deleteStatement: { readonly ms: number; readonly rowsDeleted: number };
  readonly queries: readonly QueryTiming[];
  /** Trivial statements through Mayfly and raw DuckDB: Mayfly's fixed cost per statement. */
  readonly statements: readonly StatementOverhead[];
  readonly figures: readonly Figure[];
}

interface Samples {
  readonly wall: number[];
  readonly cpu: number[];
}

/**
 * Runs every query under every variant (see {@link openQueryVariants}):
 * one warm-up run, then `queryRuns` runs, variants interleaved and rotated
 * so that drift on the machine hits them alike; compares medians.
 */
export async function measureQueryRatio(wh: BenchWarehouse, scale: BenchScale): Promise<QueryRatio> {
  const w = wh.mayfly.warehouse;
  const qv = await openQueryVariants(w);
  try {
    const { variants } = qv;
    const samples = new Map<string, Samples>();
    const results = new Map<string, readonly RawRow[]>();
    for (let run = 0; run <= scale.queryRuns; run++) {
      progress(`queries: run ${run}/${scale.queryRuns}${run === 0 ? ' (warm-up)' : ''}`);
      for (const q of QUERIES) {
        for (let k = 0; k < variants.length; k++) {
          const [name, runner] = variants[(k + run) % variants.length] ?? [];
          if (!name || !runner) continue;
          const key = `${q.name}|${name}`;
          const cpu = process.cpuUsage();
          const t = await timed(() => runner(q.sql));
          const used = process.cpuUsage(cpu);
          if (run === 0) {
            results.set(key, t.value);
            continue;
          }
          const s = samples.get(key) ?? { wall: [], cpu: [] };
          s.wall.push(t.ms);
          s.cpu.push((used.user + used.system) / 1000);
          samples.set(key, s);
        }
      }
    }
    const queries: QueryTiming[] = [];
    for (const q of QUERIES) {
      const get = (v: string): Samples => samples.get(`${q.name}|${v}`) ?? { wall: [], cpu: [] };
      const ratio = (a: string, b: string): Ratio => {
        const sa = get(a);
        const sb = get(b);
        return {
          wall: median(sa.wall) / median(sb.wall),
          cpu: median(sa.cpu) / median(sb.cpu),
          paired: median(sa.wall.map((x, i) => x / (sb.wall[i] ?? Number.NaN))),
        };
      };
      const medianMs: Record<string, number> = {};
      const medianCpuMs: Record<string, number> = {};
      const samplesMs: Record<string, readonly number[]> = {};
      for (const [v] of variants) {
        medianMs[v] = median(get(v).wall);
        medianCpuMs[v] = median(get(v).cpu);
        samplesMs[v] = get(v).wall.map((x) => Math.round(x * 10) / 10);
      }
      const best = [...RAW_DELETE_STRATEGIES].sort((a, b) => median(get(V.rawDeleted(a)).wall) - median(get(V.rawDeleted(b)).wall))[0] ?? 'anti join on id';
      const prepare: number[] = [];
      for (let i = 0; i < scale.queryRuns; i++) prepare.push((await timed(() => qv.prod.prepareQuery(q.sql))).ms);
      const r = (v: string): readonly RawRow[] => results.get(`${q.name}|${v}`) ?? [];
      const same = (vs: readonly string[]): boolean => vs.every((v) => sameRows(r(v), r(vs[0] ?? '')));
      queries.push({
        name: q.name,
        medianMs,
        medianCpuMs,
        samplesMs,
        cloneOverProd: ratio(V.clone, V.prod),
        mayflyOverRaw: ratio(V.prod, V.raw),
        mayflyOverSandboxedRaw: ratio(V.prod, V.sandboxed),
        sandboxedOverRaw: ratio(V.sandboxed, V.raw),
        deletedOverRaw: ratio(V.deleted, V.rawDeleted(best)),
        bestRawDelete: best,
        prepareMs: median(prepare),
        resultsAgree: same([V.prod, V.clone, V.raw, V.sandboxed]) && same([V.deleted, ...RAW_DELETE_STRATEGIES.map(V.rawDeleted)]),
      });
    }
    const runner = (v: string): Runner => variants.find(([n]) => n === v)?.[1] ?? (() => Promise.reject(new Error(`no variant ${v}`)));
    progress('queries: per-statement overhead');
    const overhead = await measureStatementOverhead(runner(V.prod), runner(V.raw), scale.queryRuns * 20);
    return {
      rows: scale.large.files * scale.large.rowsPerFile,
      files: wh.build.files - 1,
      runs: scale.queryRuns,
      deleteStatement: qv.deleteStatement,
      queries,
      statements: overhead.statements,
      figures: [...queryFigures(queries), ...overhead.figures],
    };
  } finally {
    qv.close();
  }
}

function queryFigures(queries: readonly QueryTiming[]): Figure[] {
  const figures: Figure[] = [];
  const targets = [
    ['clone/prod', (q: QueryTiming) => q.cloneOverProd, 1.05],
    ['Mayfly/raw', (q: QueryTiming) => q.mayflyOverRaw, 1.1],
    ['Mayfly/raw, 1% deleted', (q: QueryTiming) => q.deletedOverRaw, 1.25],
  ] as const;
  for (const q of queries) for (const [label, pick, target] of targets) figures.push(figure(`query ${q.name}: ${label}`, pick(q).wall, '×', { op: '<=', value: target }));
  for (const [label, pick, target] of targets) figures.push(figure(`queries geomean: ${label}`, geomean(queries.map((q) => pick(q).wall)), '×', { op: '<=', value: target }));
  for (const [label, pick] of targets) figures.push(figure(`queries geomean, CPU time: ${label}`, geomean(queries.map((q) => pick(q).cpu)), '×'));
  figures.push(figure('queries geomean: raw sandboxed like Mayfly/raw', geomean(queries.map((q) => q.sandboxedOverRaw.wall)), '×'));
  figures.push(figure('queries geomean: Mayfly/raw sandboxed like Mayfly', geomean(queries.map((q) => q.mayflyOverSandboxedRaw.wall)), '×'));
  return figures;
}

/** Whether two results hold the same rows, numbers equal to 1e-9 relative (parallel sums of doubles differ in the last bits). */
function sameRows(a: readonly RawRow[], b: readonly RawRow[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((ra, i) => {
    const va = Object.values(ra);
    const vb = Object.values(b[i] ?? {});
    return va.length === vb.length && va.every((x, j) => sameCell(x, vb[j]));
  });
}

function sameCell(x: unknown, y: unknown): boolean {
  const nx = typeof x === 'number' || typeof x === 'string' ? Number(x) : Number.NaN;
  const ny = typeof y === 'number' || typeof y === 'string' ? Number(y) : Number.NaN;
  if (Number.isFinite(nx) && Number.isFinite(ny) && x !== '' && y !== '') return Math.abs(nx - ny) <= 1e-9 * Math.max(1, Math.abs(nx), Math.abs(ny));
  return String(x) === String(y);
}
