import { invalid } from '../core/errors.js';
import { quoteLiteral } from '../core/names.js';
import type { PipeConfig } from '../config/ingest-config.js';
import { listPipes } from '../warehouse/pipe-objects.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { pipeName } from './file-loader.js';
import { retryOnConflict } from '../warehouse/conflict-retry.js';
import { scriptStatementTexts } from '../warehouse/script-statements.js';

/** What `pipe sync` did (or would do, with `dryRun`). */
export interface SyncReport {
  readonly db: string;
  readonly created: readonly string[];
  readonly replaced: readonly string[];
  readonly unchanged: readonly string[];
  /** Pipes of the database that mayfly.yaml does not declare (dropped with `prune`). */
  readonly undeclared: readonly string[];
  readonly dropped: readonly string[];
  readonly dryRun: boolean;
  readonly elapsedMs: number;
}

/**
 * Creates or replaces the pipes `mayfly.yaml` declares in database `db`, in
 * one transaction: every definition is parsed and checked before any is
 * applied, and a database already in line gets no commit. New pipes start
 * paused.
 */
export async function syncPipes(
  warehouse: Warehouse,
  declared: Readonly<Record<string, PipeConfig>>,
  db: string,
  options: { readonly dryRun?: boolean; readonly prune?: boolean } = {},
): Promise<SyncReport> {
  const started = performance.now();
  const statements = Object.entries(declared).map(([name, p]) => {
    const sql = `CREATE OR REPLACE PIPE ${name} AS ${copyText(p)}`;
    // Joined into one script below: a definition must be one statement as the session splits it, or it could add others.
    if (scriptStatementTexts(sql).length !== 1) throw invalid('PIPE_DEFINITION_INVALID', `pipe ${name}: its copy definition must be a single COPY INTO statement (remove the ;)`);
    return sql;
  });
  return retryOnConflict(async () => {
    const before = new Map(listPipes(warehouse, db).map((p) => [pipeName(p), p.definition]));
    const undeclared = [...before.keys()].filter((n) => !(n in declared));
    const drops = options.prune ? undeclared.map((n) => `DROP PIPE ${n}`) : [];
    const session = await warehouse.session(db, { purpose: 'pipe', writeOnly: db });
    try {
      const results = await session.run(['BEGIN', ...statements, ...drops, 'SHOW PIPES'].join(';\n'));
      const shown = results.at(-1);
      const after = new Map(shown?.kind === 'rows' ? shown.rows.map((r) => [`${String(r.schema)}.${String(r.name)}`, String(r.definition)]) : []);
      const names = Object.keys(declared);
      const created = names.filter((n) => !before.has(n));
      const replaced = names.filter((n) => before.has(n) && before.get(n) !== after.get(n));
      const unchanged = names.filter((n) => before.get(n) === after.get(n));
      const changes = created.length + replaced.length + drops.length;
      await session.run(options.dryRun || changes === 0 ? 'ROLLBACK' : 'COMMIT');
      return { db, created, replaced, unchanged, undeclared, dropped: options.prune ? undeclared : [], dryRun: options.dryRun ?? false, elapsedMs: performance.now() - started };
    } finally {
      session.close();
    }
  });
}

/** The `COPY INTO …` of a declared pipe: its `copy` text, or one composed from its parts. */
export function copyText(p: PipeConfig): string {
  if (p.copy !== undefined) return p.copy;
  const f = p.format;
  const options = [`TYPE = ${(f?.type ?? 'csv').toUpperCase()}`];
  if (f?.fieldDelimiter !== undefined) options.push(`FIELD_DELIMITER = ${quoteLiteral(f.fieldDelimiter)}`);
  if (f?.skipHeader !== undefined) options.push(`SKIP_HEADER = ${f.skipHeader}`);
  if (f?.quote !== undefined) options.push(`FIELD_OPTIONALLY_ENCLOSED_BY = ${f.quote === '' ? 'NONE' : quoteLiteral(f.quote)}`);
  if (f?.dateFormat !== undefined) options.push(`DATE_FORMAT = ${quoteLiteral(f.dateFormat)}`);
  if (f?.timestampFormat !== undefined) options.push(`TIMESTAMP_FORMAT = ${quoteLiteral(f.timestampFormat)}`);
  if (f?.compression !== undefined) options.push(`COMPRESSION = ${f.compression.toUpperCase()}`);
  if (f?.nullIf !== undefined && f.nullIf.length > 0) options.push(`NULL_IF = (${f.nullIf.map(quoteLiteral).join(', ')})`);
  return [
    `COPY INTO ${p.into ?? ''} FROM ${quoteLiteral(p.from ?? '')}`,
    ...(p.pattern !== undefined ? [`PATTERN = ${quoteLiteral(p.pattern)}`] : []),
    `FILE_FORMAT = (${options.join(' ')})`,
    ...(p.onError !== undefined ? [`ON_ERROR = ${p.onError.toUpperCase()}`] : []),
  ].join(' ');
}
