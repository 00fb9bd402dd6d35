import { quoteIdent, quoteLiteral } from '../core/names.js';
import { SYSTEM_SCHEMA, type Session } from '../warehouse/session.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import type { ScriptKind } from './deployment-scripts.js';

/** The deployment log's table in each database's system schema (`mayfly.deployments`). */
export const DEPLOYMENT_LOG_TABLE = 'deployments';

/** One script applied to a database, as its deployment log records it. */
export interface AppliedDeployment {
  /** 1, 2, 3… in the order scripts were applied to this database's history. */
  readonly rank: number;
  readonly script: string;
  readonly kind: ScriptKind;
  readonly version: string | null;
  readonly description: string;
  readonly checksum: string;
  readonly text: string;
  readonly appliedAt: number;
  readonly appliedBy: string;
  /** The database it was applied to: a clone's log shows which entries it inherited from its source. */
  readonly appliedTo: string;
  readonly elapsedMs: number;
}

const COLUMNS = `installed_rank INTEGER, version VARCHAR, description VARCHAR, script VARCHAR, kind VARCHAR, checksum VARCHAR, script_text VARCHAR, applied_at TIMESTAMP, applied_by VARCHAR, applied_to VARCHAR, elapsed_ms DOUBLE`;

/** `"db"."mayfly"."deployments"`. */
function logTable(db: string): string {
  return `${quoteIdent(db)}.${quoteIdent(SYSTEM_SCHEMA)}.${quoteIdent(DEPLOYMENT_LOG_TABLE)}`;
}

/** Statements that create the log where it is missing (run by a trusted session, inside the deploying transaction). */
export function ensureLogSql(db: string): string {
  return [`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(db)}.${quoteIdent(SYSTEM_SCHEMA)}`, `CREATE TABLE IF NOT EXISTS ${logTable(db)} (${COLUMNS})`].join(';\n');
}

/** The statement that records a script as applied. */
export function recordSql(db: string, entry: AppliedDeployment): string {
  const text = (v: string | null): string => (v === null ? 'NULL' : quoteLiteral(v));
  const values = [
    String(entry.rank),
    text(entry.version),
    text(entry.description),
    text(entry.script),
    text(entry.kind),
    text(entry.checksum),
    text(entry.text),
    `make_timestamp(${Math.round(entry.appliedAt) * 1000})`,
    text(entry.appliedBy),
    text(entry.appliedTo),
    String(Number.isFinite(entry.elapsedMs) ? entry.elapsedMs : 0),
  ];
  return `INSERT INTO ${logTable(db)} VALUES (${values.join(', ')})`;
}

/** A database's deployment log, oldest first (empty when nothing was ever deployed to it or its sources). */
export async function readDeploymentLog(warehouse: Warehouse, db: string): Promise<AppliedDeployment[]> {
  const obj = warehouse.tree(warehouse.requireRef(db).commitId).object(SYSTEM_SCHEMA, DEPLOYMENT_LOG_TABLE);
  if (obj?.kind !== 'table') return [];
  const session = await warehouse.session(db, { purpose: 'deploy', writeOnly: db });
  try {
    return await queryDeploymentLog(session, db);
  } finally {
    session.close();
  }
}

/** The log as `session` sees it (inside its transaction, if one is open); the table must exist there. */
export async function queryDeploymentLog(session: Session, db: string): Promise<AppliedDeployment[]> {
  const [r] = await session.run(
    `SELECT installed_rank, version, description, script, kind, checksum, script_text, epoch_ms(applied_at) AS applied_ms, applied_by, applied_to, elapsed_ms FROM ${logTable(db)} ORDER BY installed_rank`,
  );
  if (r?.kind !== 'rows') return [];
  return r.rows.map((row) => ({
    rank: Number(row.installed_rank),
    script: str(row.script),
    kind: row.kind === 'repeatable' ? 'repeatable' : 'versioned',
    version: row.version === null ? null : str(row.version),
    description: str(row.description),
    checksum: str(row.checksum),
    text: str(row.script_text),
    appliedAt: Number(row.applied_ms),
    appliedBy: str(row.applied_by),
    appliedTo: str(row.applied_to),
    elapsedMs: Number(row.elapsed_ms),
  }));
}

function str(c: unknown): string {
  return c === null || c === undefined ? '' : String(c);
}
