import { basename } from 'node:path';
import { notFound } from '../core/errors.js';
import { quoteLiteral } from '../core/names.js';
import { physicalName } from '../sql/table-relation.js';
import type { Session } from './session.js';
import { findColumn } from './table-stats.js';

/** The dates one data file of a table holds in a column. */
export interface FileDateRange {
  readonly key: string;
  readonly rows: number;
  readonly bytes: number;
  /** Oldest and newest day (`YYYY-MM-DD`) in the file, deleted rows included; null when the column is empty there. */
  readonly oldest: string | null;
  readonly newest: string | null;
}

/**
 * Per data file of `db.schema.name`, the oldest and newest day of a DATE or
 * TIMESTAMP column, read from the files themselves (one columnar scan): what a
 * retention purge can drop whole, and what it must cut with a delete vector.
 */
export async function fileDateRanges(session: Session, db: string, schema: string, name: string, column: string): Promise<readonly FileDateRange[]> {
  const warehouse = session.warehouse;
  const obj = warehouse.tree(warehouse.requireRef(db).commitId).object(schema, name);
  if (obj?.kind !== 'table') throw notFound('TABLE_NOT_FOUND', `table ${db}.${schema}.${name} does not exist`);
  const col = findColumn(obj.version, column);
  if (!col) throw notFound('COLUMN_NOT_FOUND', `column ${column} does not exist in ${db}.${schema}.${name}`);
  const withColumn = obj.version.files.filter((f) => f.columnIds.includes(col.id));
  const ranges = new Map<string, { oldest: string | null; newest: string | null }>();
  if (withColumn.length > 0) {
    const byPath = new Map(withColumn.map((f) => [warehouse.store.localPath(f.key), f.key]));
    // The engine reads object files through links named by key (the sandbox's second wall), so rows name files by key.
    const byName = new Map(withColumn.map((f) => [basename(warehouse.store.localPath(f.key)), f.key]));
    const c = physicalName(col.id);
    const r = await session.engine.query(
      `SELECT parse_filename(filename) AS f, CAST(CAST(min(${c}) AS DATE) AS VARCHAR) AS lo, CAST(CAST(max(${c}) AS DATE) AS VARCHAR) AS hi ` +
        `FROM read_parquet([${[...byPath.keys()].map(quoteLiteral).join(', ')}], filename = true, union_by_name = true) GROUP BY filename`,
    );
    for (const row of r.rows) {
      const key = byName.get(String(row.f));
      if (key !== undefined) ranges.set(key, { oldest: typeof row.lo === 'string' ? row.lo : null, newest: typeof row.hi === 'string' ? row.hi : null });
    }
  }
  return obj.version.files.map((f) => ({ key: f.key, rows: f.rows, bytes: f.bytes, ...(ranges.get(f.key) ?? { oldest: null, newest: null }) }));
}
