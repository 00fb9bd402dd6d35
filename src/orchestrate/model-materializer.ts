import { invalid, isMayflyError } from '../core/errors.js';
import { randomId } from '../core/ids.js';
import { quoteIdent } from '../core/names.js';
import { parseScriptStatements, type Statement } from '../warehouse/script-statements.js';
import type { Session, StatementResult } from '../warehouse/session.js';
import { liveRows } from '../warehouse/table-stats.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import type { SchemaObject } from '../warehouse/working-tree.js';
import type { Model } from './model-project.js';
import { renderModelTemplate } from './model-template.js';

/** What building one model did. */
export interface ModelBuild {
  /** `created` / `replaced` a table or view, `appended` to or `merged` into an incremental table. */
  readonly action: 'created' | 'replaced' | 'appended' | 'merged';
  /** Rows in the table after a full build, rows inserted by an incremental one; null for a view. */
  readonly rows: number | null;
  /** Rows a merge replaced. */
  readonly rowsReplaced?: number;
  /** The SQL the model compiled to. */
  readonly sql: string;
  /** Each statement's message, in order. */
  readonly log: readonly string[];
}

/**
 * Builds one model in `target` through `session` (whose current database is
 * the target). Every path commits once: a single statement, or one
 * BEGIN … COMMIT when it takes several (a view replacing a table, a merge), so
 * the model's table is never seen half-written.
 */
export async function buildModel(session: Session, warehouse: Warehouse, target: string, model: Model, options: { readonly fullRefresh?: boolean } = {}): Promise<ModelBuild> {
  const existing = objectIn(warehouse, target, model.schema, model.name);
  const incremental = model.config.materialized === 'incremental' && existing?.kind === 'table' && !options.fullRefresh;
  const sql = compileModel(model, incremental);
  const name = `${quoteIdent(target)}.${quoteIdent(model.schema)}.${quoteIdent(model.name)}`;
  // CREATE … AS takes the query as is (the model is one query, checked when loaded); elsewhere it is a subquery.
  const query = `\n${sql}\n`;
  const body = `(${query})`;
  if (model.config.materialized === 'view') {
    const script = existing?.kind === 'table' ? `BEGIN; DROP TABLE ${name}; CREATE VIEW ${name} AS ${query}; COMMIT` : `CREATE OR REPLACE VIEW ${name} AS ${query}`;
    const results = await session.run(script);
    return { action: existing ? 'replaced' : 'created', rows: null, sql, log: messages(results) };
  }
  if (!incremental || existing?.kind !== 'table') {
    const script = existing?.kind === 'view' ? `BEGIN; DROP VIEW ${name}; CREATE TABLE ${name} AS ${query}; COMMIT` : `CREATE OR REPLACE TABLE ${name} AS ${query}`;
    const results = await session.run(script);
    const built = objectIn(warehouse, target, model.schema, model.name);
    return { action: existing ? 'replaced' : 'created', rows: built?.kind === 'table' ? liveRows(built.version) : null, sql, log: messages(results) };
  }
  const tableColumns = existing.version.columns.map((c) => c.name);
  const modelColumns = await columnsOf(session, body);
  const missing = modelColumns.filter((c) => !tableColumns.some((t) => t.toLowerCase() === c.toLowerCase()));
  if (missing.length > 0) {
    throw invalid(
      'MODEL_SCHEMA_CHANGED',
      `${model.file}: the query has column(s) ${missing.join(', ')} that table ${target}.${model.id} lacks; rebuild it with --full-refresh (or add the columns with ALTER TABLE)`,
    );
  }
  const columns = modelColumns.map(quoteIdent).join(', ');
  if (model.config.strategy === 'append') {
    const results = await session.run(`INSERT INTO ${name} (${columns}) SELECT ${columns} FROM ${body} AS mf_new`);
    return { action: 'appended', rows: affected(results, 'insert'), sql, log: messages(results) };
  }
  for (const k of model.config.uniqueKey) {
    if (!modelColumns.some((c) => c.toLowerCase() === k.toLowerCase())) throw invalid('MODEL_CONFIG_INVALID', `${model.file}: unique_key ${k} is not a column of the query`);
  }
  // The new rows are computed once, into a table that lives only inside the transaction:
  // deleting the old rows must not change what the query (which may read {{ this }}) returns.
  const stage = `${quoteIdent(target)}.${quoteIdent(model.schema)}.${quoteIdent(`mf_merge_${model.name.slice(0, 80)}_${randomId().slice(0, 8)}`)}`;
  const match = model.config.uniqueKey.map((k) => `mf_new.${quoteIdent(k)} IS NOT DISTINCT FROM mf_old.${quoteIdent(k)}`).join(' AND ');
  const results = await session.run(
    [
      'BEGIN',
      `CREATE TABLE ${stage} AS ${query}`,
      `DELETE FROM ${name} AS mf_old WHERE EXISTS (SELECT 1 FROM ${stage} AS mf_new WHERE ${match})`,
      `INSERT INTO ${name} (${columns}) SELECT ${columns} FROM ${stage}`,
      `DROP TABLE ${stage}`,
      'COMMIT',
    ].join(';\n'),
  );
  return { action: 'merged', rows: affected(results, 'insert'), rowsReplaced: affected(results, 'delete'), sql, log: messages(results).filter((m) => !m.includes('mf_merge_')) };
}

/**
 * The SQL a model compiles to: its template rendered, `ref()`s as `"layer"."name"`, a trailing `;` and
 * comments around it removed. The rendered text must be exactly one query as the session parses it
 * (MODEL_NOT_A_QUERY otherwise): that is what is wrapped in CREATE … AS, so a second statement hidden
 * behind quotes the session reads differently can never run.
 */
export function compileModel(model: Model, incremental: boolean): string {
  const qualified = (id: string): string => id.split('.').map(quoteIdent).join('.');
  // Two-part names resolve in the database the SQL runs in, so a view built in production still reads its clone's tables after a clone.
  const sql = renderModelTemplate(model.template, {
    isIncremental: incremental,
    self: qualified(model.id),
    ref: (written) => qualified(model.refTargets.get(written) ?? written),
  });
  let statements: readonly Statement[];
  try {
    statements = parseScriptStatements(sql);
  } catch (e) {
    if (isMayflyError(e) && e.kind !== 'internal') throw invalid('MODEL_NOT_A_QUERY', `${model.file}: ${e.message}`);
    throw e;
  }
  const [only] = statements;
  if (statements.length !== 1 || only?.kind !== 'query' || only.explain) {
    const found = statements.length === 1 ? `a ${only?.kind.replaceAll('_', ' ').toUpperCase()} statement` : `${statements.length} statements`;
    throw invalid('MODEL_NOT_A_QUERY', `${model.file}: a model compiles to one query; this one compiles to ${found}`);
  }
  return only.text;
}

/** A table or view of a database as it is now. */
export function objectIn(warehouse: Warehouse, db: string, schema: string, name: string): SchemaObject | undefined {
  return warehouse.tree(warehouse.requireRef(db).commitId).object(schema, name);
}

async function columnsOf(session: Session, body: string): Promise<string[]> {
  const [r] = await session.run(`SELECT * FROM ${body} AS mf_new LIMIT 0`);
  return r?.kind === 'rows' ? r.columns.map((c) => c.name) : [];
}

function affected(results: readonly StatementResult[], verb: 'insert' | 'delete'): number {
  const r = results.find((x) => x.kind === 'done' && x.statement.trimStart().toUpperCase().startsWith(verb.toUpperCase()));
  return r?.kind === 'done' ? (r.rowsAffected ?? 0) : 0;
}

function messages(results: readonly StatementResult[]): string[] {
  return results.map((r) => (r.kind === 'done' ? r.message : `${r.rows.length} row(s)`));
}
