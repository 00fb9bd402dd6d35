import { median, timed } from './bench-util.js';
import type { Runner } from './query-variants.js';
import { figure, type Figure } from './report.js';

/** Statements short enough that Mayfly's own per-statement work (parse, sandbox check, bind) dominates. */
export const TRIVIAL_STATEMENTS: readonly { readonly name: string; readonly sql: string }[] = [
  { name: 'SELECT 1', sql: 'SELECT 1 AS one' },
  { name: 'point lookup', sql: 'SELECT * FROM customers WHERE customer_id = 4242' },
];

/** Median wall ms of one trivial statement through Mayfly and through raw DuckDB, and their ratio. */
export interface StatementOverhead {
  readonly name: string;
  readonly mayflyMs: number;
  readonly rawMs: number;
  readonly ratio: number;
}

/**
 * Times each trivial statement `runs` times through a Mayfly session and
 * through raw DuckDB over the same files, alternating the two so that drift
 * on the machine hits both alike.
 */
export async function measureStatementOverhead(mayfly: Runner, raw: Runner, runs: number): Promise<{ statements: StatementOverhead[]; figures: Figure[] }> {
  const statements: StatementOverhead[] = [];
  for (const s of TRIVIAL_STATEMENTS) {
    const m: number[] = [];
    const r: number[] = [];
    for (let i = 0; i < 10; i++) {
      await mayfly(s.sql);
      await raw(s.sql);
    }
    for (let i = 0; i < runs; i++) {
      const order: [Runner, number[]][] = i % 2 === 0 ? [[mayfly, m], [raw, r]] : [[raw, r], [mayfly, m]];
      for (const [run, into] of order) into.push((await timed(() => run(s.sql))).ms);
    }
    statements.push({ name: s.name, mayflyMs: median(m), rawMs: median(r), ratio: median(m) / median(r) });
  }
  const figures = statements.flatMap((s) => [
    figure(`statement ${s.name}: Mayfly p50`, s.mayflyMs, 'ms'),
    figure(`statement ${s.name}: raw DuckDB p50`, s.rawMs, 'ms'),
    figure(`statement ${s.name}: Mayfly/raw`, s.ratio, '×'),
  ]);
  return { statements, figures };
}
