import { quoteIdent, quoteLiteral } from '../core/names.js';
import type { ColumnDef, TableVersion } from '../catalog/model.js';
import { physicalName, tableRelationSql } from '../sql/table-relation.js';
import { pipesOf } from './pipe-objects.js';
import type { Session } from './session.js';
import { SYSTEM_SCHEMA, TABLE_KEYED_SYSTEM_TABLES } from './system-tables.js';
import { writeDataFiles } from './table-writes.js';
import type { WorkingTree } from './working-tree.js';

/** The column of a system table that names the table (`schema.table`) a row is about. */
export const TARGET_TABLE_COLUMN = 'target_table';

/** What a schema or table clone copies, by `schema.table` names. */
export interface ClonedTables {
  /** Source `schema.table` → target `schema.table`. */
  readonly tables: ReadonlyMap<string, string>;
  /** Source pipe `schema.name` → target pipe name (a schema cloned under another name renames its pipes). */
  readonly pipes?: ReadonlyMap<string, string>;
  /** A schema clone: every earlier row about a table of this target schema is replaced, not only those of the cloned tables. */
  readonly schema?: string;
}

/**
 * The target's system tables after a schema or table clone: rows about the
 * cloned tables are exactly the source's rows about them (renamed to the
 * target's names), whatever the target held about those names before, and
 * rows about every other table stay. Rows written before the target-table
 * column existed are attributed through the source's pipe definitions. Only
 * tables that change are returned; each is rewritten as one small file.
 */
export async function carriedHistory(session: Session, source: WorkingTree, target: WorkingTree, cloned: ClonedTables): Promise<ReadonlyMap<string, TableVersion>> {
  const out = new Map<string, TableVersion>();
  if (cloned.tables.size === 0 && cloned.schema === undefined) return out;
  const legacyTargets = new Map(pipesOf(source).map((p) => [`${p.schema}.${p.name}`, p.copy.table.parts.join('.')]));
  for (const name of TABLE_KEYED_SYSTEM_TABLES) {
    const src = systemTable(source, name);
    const tgt = systemTable(target, name);
    if (!src && !tgt) continue;
    const base = tgt ?? src;
    if (!base) continue;
    const columns = withTargetColumn(base);
    const parts: string[] = [];
    const counts: string[] = [];
    if (tgt) {
      const rel = `(${tableRelationSql(session.boundTable(tgt))}) AS t`;
      const dropped = dropCondition(has(tgt, TARGET_TABLE_COLUMN) ? `t.${quoteIdent(TARGET_TABLE_COLUMN)}` : 'NULL', cloned);
      parts.push(`SELECT ${select(columns.columns, tgt, 't', {})} FROM ${rel} WHERE NOT coalesce(${dropped}, false)`);
      counts.push(`(SELECT count(*) FROM ${rel} WHERE coalesce(${dropped}, false))`);
    }
    if (src) {
      const rel = `(${tableRelationSql(session.boundTable(src))}) AS s`;
      const own = has(src, TARGET_TABLE_COLUMN) ? `s.${quoteIdent(TARGET_TABLE_COLUMN)}` : 'NULL';
      const legacy = has(src, 'pipe') ? caseOf('s.pipe', legacyTargets, 'NULL') : 'NULL';
      const mapped = caseOf(`coalesce(${own}, ${legacy})`, cloned.tables, 'NULL');
      const pipe = has(src, 'pipe') && cloned.pipes?.size ? caseOf('s.pipe', cloned.pipes, 's.pipe') : undefined;
      const overrides = { [TARGET_TABLE_COLUMN]: mapped, ...(pipe ? { pipe } : {}) };
      const query = `SELECT ${select(columns.columns, src, 's', overrides)} FROM ${rel} WHERE ${mapped} IS NOT NULL`;
      parts.push(query);
      counts.push(`(SELECT count(*) FROM (${query}))`);
    }
    const r = await session.engine.query(`SELECT ${counts.join(' + ')} AS n`);
    if (Number(r.rows[0]?.n ?? 0) === 0) continue;
    const files = await writeDataFiles(session, parts.join('\nUNION ALL\n'), columns.columns);
    out.set(name, { ...columns, files, deletes: [] });
  }
  return out;
}

/** Puts carried system tables into a tree (creating the system schema if needed). */
export function applyHistory(tree: WorkingTree, versions: ReadonlyMap<string, TableVersion>): void {
  if (versions.size === 0) return;
  if (!tree.schemas.has(SYSTEM_SCHEMA)) tree.setSchema(SYSTEM_SCHEMA, { tables: new Map(), views: new Map() });
  for (const [name, v] of versions) tree.setTable(SYSTEM_SCHEMA, name, v);
}

function systemTable(tree: WorkingTree, name: string): TableVersion | undefined {
  const obj = tree.object(SYSTEM_SCHEMA, name);
  return obj?.kind === 'table' ? obj.version : undefined;
}

function has(v: TableVersion, column: string): boolean {
  return v.columns.some((c) => c.name === column);
}

/** The version's columns with a target-table column (added when a table predates it). */
function withTargetColumn(v: TableVersion): { columns: readonly ColumnDef[]; nextColumnId: number } {
  if (has(v, TARGET_TABLE_COLUMN)) return { columns: v.columns, nextColumnId: v.nextColumnId };
  return { columns: [...v.columns, { id: v.nextColumnId, name: TARGET_TABLE_COLUMN, type: 'VARCHAR' }], nextColumnId: v.nextColumnId + 1 };
}

/** The select list writing `columns` (physical names) from relation `alias` of version `from`; absent columns are NULL. */
function select(columns: readonly ColumnDef[], from: TableVersion, alias: string, overrides: Readonly<Record<string, string>>): string {
  return columns
    .map((c) => {
      const value = overrides[c.name] ?? (has(from, c.name) ? `${alias}.${quoteIdent(c.name)}` : 'NULL');
      return `CAST(${value} AS ${c.type}) AS ${physicalName(c.id)}`;
    })
    .join(', ');
}

function dropCondition(column: string, cloned: ClonedTables): string {
  const names = [...cloned.tables.values()].map(quoteLiteral);
  const conditions = names.length ? [`${column} IN (${names.join(', ')})`] : [];
  if (cloned.schema !== undefined) conditions.push(`starts_with(${column}, ${quoteLiteral(`${cloned.schema}.`)})`);
  return conditions.length ? `(${conditions.join(' OR ')})` : 'false';
}

function caseOf(value: string, map: ReadonlyMap<string, string>, otherwise: string): string {
  if (map.size === 0) return otherwise;
  const whens = [...map].map(([k, v]) => `WHEN ${quoteLiteral(k)} THEN ${quoteLiteral(v)}`);
  return `(CASE ${value} ${whens.join(' ')} ELSE ${otherwise} END)`;
}
