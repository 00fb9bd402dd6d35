import { isMayflyError } from '../core/errors.js';
import type { Session, StatementResult } from '../warehouse/session.js';
import { formatCell, formatTable, inElapsed, plural, type Column, type Output } from './output.js';

/** Rows a text table shows by default; `--json` always gives them all. */
export const DEFAULT_MAX_ROWS = 1000;

const NUMERIC_TYPE = /INT|DOUBLE|FLOAT|DECIMAL|NUMERIC|REAL/i;

/** Prints one statement's result as text: a table and `(N rows)`, or its message and elapsed time. */
export function printStatementResult(out: Output, r: StatementResult, maxRows = DEFAULT_MAX_ROWS): void {
  if (r.kind === 'done') {
    out.line(`${r.message}${inElapsed(r.elapsedMs)}`);
    return;
  }
  const columns: Column[] = r.columns.map((c) => ({ header: c.name, align: NUMERIC_TYPE.test(c.type) ? 'right' : 'left' }));
  const shown = maxRows > 0 ? r.rows.slice(0, maxRows) : r.rows;
  out.line(formatTable(columns, shown.map((row) => r.columns.map((c) => formatCell(row[c.name] ?? null)))));
  const more = r.truncated || shown.length < r.rows.length;
  out.line(more ? `(showing the first ${plural(shown.length, 'row')}; more were not fetched: use --max-rows 0 or --json for all)` : `(${plural(r.rows.length, 'row')})`);
}

/** One statement's result as JSON. */
export function statementResultJson(r: StatementResult): Record<string, unknown> {
  return r.kind === 'rows'
    ? { statement: r.statement, kind: r.kind, rows: r.rows, elapsedMs: r.elapsedMs }
    : { statement: r.statement, kind: r.kind, message: r.message, ...(r.rowsAffected !== undefined ? { rowsAffected: r.rowsAffected } : {}), elapsedMs: r.elapsedMs };
}

/**
 * A script's results as one JSON document: when exactly one statement
 * returned rows, just those rows (an array of objects), as a query tool
 * would print them; otherwise every statement's result.
 */
export function scriptResultJson(results: readonly StatementResult[]): unknown {
  const queries = results.filter((r) => r.kind === 'rows');
  const [only] = queries;
  return queries.length === 1 && only ? only.rows : results.map(statementResultJson);
}

/** Runs a script in a session, printing each result as it completes (text) or all of them at the end (JSON). */
export async function runScript(out: Output, session: Session, script: string, maxRows: number): Promise<void> {
  let previous: StatementResult['kind'] | undefined;
  const done: StatementResult[] = [];
  // Text tables fetch only what they show; JSON gets every row.
  const fetch = !out.json && maxRows > 0 ? { maxRows } : {};
  const results = await session.run(script, (r) => {
    done.push(r);
    if (out.json) return;
    // Tables stand apart; messages follow each other line by line.
    if (previous !== undefined && (previous === 'rows' || r.kind === 'rows')) out.line();
    previous = r.kind;
    printStatementResult(out, r, maxRows);
  }, fetch).catch((e: unknown) => {
    // Statements before the failing one stay committed: say which, in JSON too.
    if (isMayflyError(e) && done.length > 0) e.details.completed = scriptResultJson(done);
    throw e;
  });
  if (out.json) out.printJson(scriptResultJson(results));
}
