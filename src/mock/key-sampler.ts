import { invalid } from '../core/errors.js';
import { quoteIdent } from '../core/names.js';
import { SYSTEM_SCHEMA, type Session } from '../warehouse/session.js';
import type { TableInfo } from '../warehouse/warehouse.js';
import type { ColumnPlan } from './column-kind.js';
import { columnType, keyCompatible } from './column-type.js';
import { keyEntity, ownKeyColumn, tableMentions } from './key-names.js';
import type { KeySource } from './row-generator.js';

/** A table of the seeded database: its schema and name. */
export interface TableName {
  readonly schema: string;
  readonly name: string;
}

/** At most this many distinct keys of a referenced table are sampled (the lowest, in key order). */
export const MAX_PARENT_KEYS = 1_000_000;

/** `"db"."schema"."table"`, for SQL. */
export function tableSql(db: string, t: TableName): string {
  return `${quoteIdent(db)}.${quoteIdent(t.schema)}.${quoteIdent(t.name)}`;
}

/** A table's columns and their DuckDB types, read through the session. */
export async function tableColumns(session: Session, db: string, t: TableName): Promise<readonly { name: string; type: string }[]> {
  const [result] = await session.run(`SELECT * FROM ${tableSql(db, t)} LIMIT 0`);
  return result?.kind === 'rows' ? result.columns : [];
}

/**
 * Decides where each key column's values come from: the table's own integer
 * key counts up after its largest value; a reference draws from the keys of
 * the table that has that column as its own key (`orders.customer_id` from
 * `customers_a.customer_id`, preferring the seeded table's schema), or — when
 * no such table has rows — counts up from 1; text and UUID keys without a
 * table to draw from are new UUIDs. Refuses sequences that would overflow
 * their type before anything is written.
 */
export async function planKeys(
  session: Session,
  db: string,
  target: TableName,
  tables: readonly TableInfo[],
  plans: readonly ColumnPlan[],
  rows: number,
): Promise<Map<string, KeySource>> {
  const keys = new Map<string, KeySource>();
  const columnsOf = new Map<string, readonly { name: string; type: string }[]>();
  for (const plan of plans) {
    if (plan.kind !== 'own_key' && plan.kind !== 'reference') continue;
    const parent = plan.kind === 'reference' ? await findParent(session, db, target, tables, plan, columnsOf) : undefined;
    if (parent) {
      keys.set(plan.name, parent);
      continue;
    }
    if (plan.type.family !== 'integer' && plan.type.family !== 'decimal') {
      keys.set(plan.name, { from: 'uuid' });
      continue;
    }
    const start = plan.kind === 'own_key' ? (await largest(session, db, target, plan.name)) + 1n : 1n;
    const last = start + BigInt(rows) - 1n;
    if (plan.type.max !== undefined && last > plan.type.max) {
      throw invalid(
        'SEED_KEY_OVERFLOW',
        `key ${plan.name} would need values up to ${last}, more than its type ${plan.type.sql} holds (at most ${plan.type.max}); seed fewer rows or widen the column`,
      );
    }
    keys.set(plan.name, { from: 'sequence', start });
  }
  return keys;
}

/** The nearest table with rows whose own key is the referencing column, and its keys; undefined when there is none. */
async function findParent(
  session: Session,
  db: string,
  target: TableName,
  tables: readonly TableInfo[],
  plan: ColumnPlan,
  columnsOf: Map<string, readonly { name: string; type: string }[]>,
): Promise<KeySource | undefined> {
  const entity = keyEntity(plan.name);
  const candidates = tables
    .filter((t) => t.kind === 'table' && t.rows > 0 && t.schema !== SYSTEM_SCHEMA && !(t.schema === target.schema && t.name === target.name))
    .filter((t) => tableMentions(t.name, entity))
    // The seeded table's own schema first (staging references staging), then by name.
    .sort((a, b) => Number(b.schema === target.schema) - Number(a.schema === target.schema) || `${a.schema}.${a.name}`.localeCompare(`${b.schema}.${b.name}`));
  for (const t of candidates) {
    const id = `${t.schema}.${t.name}`;
    let columns = columnsOf.get(id);
    if (!columns) {
      columns = await tableColumns(session, db, t);
      columnsOf.set(id, columns);
    }
    const key = columns.find((c) => c.name === plan.name);
    if (!key || ownKeyColumn(t.name, columns.map((c) => c.name)) !== key.name) continue;
    if (!keyCompatible(columnType(key.type).family, plan.type.family)) continue;
    const values = await distinctKeys(session, db, t, key.name);
    if (values.length > 0) return { from: 'table', table: id, column: key.name, values };
  }
  return undefined;
}

async function distinctKeys(session: Session, db: string, t: TableName, column: string): Promise<string[]> {
  const c = quoteIdent(column);
  const [result] = await session.run(`SELECT DISTINCT ${c} AS k FROM ${tableSql(db, t)} WHERE ${c} IS NOT NULL ORDER BY 1 LIMIT ${MAX_PARENT_KEYS}`);
  return result?.kind === 'rows' ? result.rows.map((r) => String(r.k)) : [];
}

/** The largest value of an integer column, 0 when the table is empty. */
async function largest(session: Session, db: string, t: TableName, column: string): Promise<bigint> {
  const [result] = await session.run(`SELECT CAST(max(${quoteIdent(column)}) AS VARCHAR) AS m FROM ${tableSql(db, t)}`);
  const m = result?.kind === 'rows' ? result.rows[0]?.m : undefined;
  if (m === null || m === undefined) return 0n;
  // Exact integers arrive as numbers, wider ones as text; a decimal key may hold `12.000`: its integer part counts.
  return BigInt(String(m).split('.')[0] ?? '0');
}
