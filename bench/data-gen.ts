import { mkdir, readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { RawDuck } from './raw-duck.js';
import { sqlList, sqlString } from './raw-duck.js';

/** A Parquet file the generator wrote, with its row count. */
export interface GeneratedFile {
  readonly path: string;
  readonly rows: number;
}

/** A column of a generated table: logical name and DuckDB type; its physical name in the files is `c<id>` with id = position + 1. */
export interface GeneratedColumn {
  readonly name: string;
  readonly type: string;
}

/** The fact table: ~100 bytes per row in Parquet (zstd), so 10 million rows are ~1 GB. */
export const EVENT_COLUMNS: readonly GeneratedColumn[] = [
  { name: 'id', type: 'BIGINT' },
  { name: 'customer_id', type: 'BIGINT' },
  { name: 'amount', type: 'DOUBLE' },
  { name: 'category', type: 'VARCHAR' },
  { name: 'ts', type: 'TIMESTAMP' },
  // A payload queries never read: real fact tables are wide, and it makes the bytes of the ~1 GB figure real.
  { name: 'note', type: 'VARCHAR' },
];

/** The small dimension the join query uses. */
export const CUSTOMER_COLUMNS: readonly GeneratedColumn[] = [
  { name: 'customer_id', type: 'BIGINT' },
  { name: 'segment', type: 'VARCHAR' },
];

/** The tiny tables of the many-tables warehouse. */
export const TINY_COLUMNS: readonly GeneratedColumn[] = [
  { name: 'id', type: 'BIGINT' },
  { name: 'label', type: 'VARCHAR' },
];

/** Distinct customers (the range of `customer_id`). */
export const CUSTOMERS = 100_000;

/** Event rows `from` ≤ i < `to` with physical column names and a `part` column (file number = i / rowsPerFile). */
export function eventRowsSql(from: number, to: number, rowsPerFile: number): string {
  const note = [`i`, `i * 3 + 7`, `-i`, `i * 5 + 1`, `i * 11 + 3`].map((e) => `md5((${e})::VARCHAR)`).join(' || ');
  return `SELECT i::BIGINT AS c1,
    (hash(i) % ${CUSTOMERS})::BIGINT AS c2,
    round((hash(i * 7) % 100000) / 100.0, 2)::DOUBLE AS c3,
    'c' || lpad((hash(i * 13) % 20)::VARCHAR, 2, '0') AS c4,
    TIMESTAMP '2025-01-01' + to_seconds((hash(i * 17) % 31536000)::BIGINT) AS c5,
    ${note} AS c6,
    i // ${rowsPerFile} AS part
  FROM range(${from}, ${to}) t(i)`;
}

/** Tiny-table rows `from` ≤ i < `to`, every file distinct (content addressing would merge equal files). */
export function tinyRowsSql(from: number, to: number, rowsPerFile: number): string {
  return `SELECT i::BIGINT AS c1, 'row ' || i AS c2, i // ${rowsPerFile} AS part FROM range(${from}, ${to}) t(i)`;
}

/** The customer dimension, physical names. */
export function customerRowsSql(): string {
  return `SELECT i::BIGINT AS c1, 'segment_' || (i % 8) AS c2 FROM range(0, ${CUSTOMERS}) t(i)`;
}

/**
 * Writes the rows of `selectSql` (which has a `part` column) under `dir`,
 * one Parquet file per part, with one COPY: DuckDB writes the files of many
 * parts in one pass, which is what makes 100,000 files cheap. Returns the
 * files of each part in part order; `rowsOf(part)` gives a part's row count
 * (files DuckDB split are counted from their footers).
 */
export async function writePartitioned(duck: RawDuck, selectSql: string, dir: string, rowsOf: (part: number) => number): Promise<GeneratedFile[][]> {
  await mkdir(dirname(dir), { recursive: true });
  await duck.run(`COPY (${selectSql}) TO ${sqlString(dir)} (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (part))`);
  const parts: { part: number; files: string[] }[] = [];
  for (const name of await readdir(dir)) {
    const m = /^part=(\d+)$/.exec(name);
    if (!m) continue;
    const files = (await readdir(join(dir, name))).filter((f) => f.endsWith('.parquet')).map((f) => join(dir, name, f));
    parts.push({ part: Number(m[1]), files });
  }
  parts.sort((a, b) => a.part - b.part);
  const split = parts.flatMap((p) => (p.files.length > 1 ? p.files : []));
  const counted = new Map<string, number>();
  if (split.length > 0) {
    const rows = await duck.rows(`SELECT file_name AS f, sum(num_rows)::BIGINT AS n FROM parquet_file_metadata(${sqlList(split)}) GROUP BY 1`);
    for (const r of rows) counted.set(String(r.f), Number(r.n));
  }
  return parts.map((p) => p.files.map((path) => ({ path, rows: p.files.length > 1 ? (counted.get(path) ?? 0) : rowsOf(p.part) })));
}

/** Writes the rows of `selectSql` as one Parquet file. */
export async function writeFile(duck: RawDuck, selectSql: string, path: string): Promise<GeneratedFile> {
  await mkdir(dirname(path), { recursive: true });
  await duck.run(`COPY (${selectSql}) TO ${sqlString(path)} (FORMAT parquet, COMPRESSION zstd)`);
  const rows = await duck.rows(`SELECT sum(num_rows)::BIGINT AS n FROM parquet_file_metadata(${sqlString(path)})`);
  return { path, rows: Number(rows[0]?.n ?? 0) };
}
