/** The families of DuckDB types the seeder can generate values for (`unsupported` for the rest). */
export const TYPE_FAMILIES = [
  'integer',
  'decimal',
  'float',
  'text',
  'date',
  'timestamp',
  'timestamptz',
  'time',
  'boolean',
  'uuid',
  'blob',
  'interval',
  'unsupported',
] as const;
/** One of {@link TYPE_FAMILIES}. */
export type TypeFamily = (typeof TYPE_FAMILIES)[number];

/** A DuckDB column type as the seeder sees it: its family and, for numbers, the values it can hold. */
export interface ColumnType {
  /** The type as DuckDB names it (`DECIMAL(12,2)`). */
  readonly sql: string;
  readonly family: TypeFamily;
  /** Smallest and largest value (integers; for decimals, in whole units). */
  readonly min?: bigint;
  readonly max?: bigint;
  /** Digits after the decimal point (decimals). */
  readonly scale?: number;
}

const INTEGER_RANGES: Readonly<Record<string, readonly [bigint, bigint]>> = {
  TINYINT: [-(2n ** 7n), 2n ** 7n - 1n],
  SMALLINT: [-(2n ** 15n), 2n ** 15n - 1n],
  INTEGER: [-(2n ** 31n), 2n ** 31n - 1n],
  BIGINT: [-(2n ** 63n), 2n ** 63n - 1n],
  HUGEINT: [-(2n ** 127n), 2n ** 127n - 1n],
  UTINYINT: [0n, 2n ** 8n - 1n],
  USMALLINT: [0n, 2n ** 16n - 1n],
  UINTEGER: [0n, 2n ** 32n - 1n],
  UBIGINT: [0n, 2n ** 64n - 1n],
  UHUGEINT: [0n, 2n ** 128n - 1n],
};

const SIMPLE_FAMILIES: Readonly<Record<string, TypeFamily>> = {
  FLOAT: 'float',
  REAL: 'float',
  DOUBLE: 'float',
  VARCHAR: 'text',
  TEXT: 'text',
  STRING: 'text',
  DATE: 'date',
  TIMESTAMP: 'timestamp',
  DATETIME: 'timestamp',
  TIMESTAMP_S: 'timestamp',
  TIMESTAMP_MS: 'timestamp',
  TIMESTAMP_NS: 'timestamp',
  'TIMESTAMP WITH TIME ZONE': 'timestamptz',
  TIMESTAMPTZ: 'timestamptz',
  TIME: 'time',
  BOOLEAN: 'boolean',
  UUID: 'uuid',
  BLOB: 'blob',
  INTERVAL: 'interval',
};

/**
 * Classifies a DuckDB type name. Nested types (lists, arrays, structs, maps,
 * unions), enums and exotic scalars (BIT, JSON, …) are `unsupported`: the
 * seeder cannot invent a meaningful value for them.
 */
export function columnType(sql: string): ColumnType {
  const t = sql.trim().toUpperCase();
  const integer = INTEGER_RANGES[t];
  if (integer) return { sql, family: 'integer', min: integer[0], max: integer[1] };
  const decimal = /^(?:DECIMAL|NUMERIC)(?:\((\d+)\s*(?:,\s*(\d+))?\))?$/.exec(t);
  if (decimal) {
    // DuckDB's DECIMAL without arguments is DECIMAL(18,3).
    const precision = Number(decimal[1] ?? 18);
    const scale = Number(decimal[2] ?? (decimal[1] === undefined ? 3 : 0));
    const max = 10n ** BigInt(Math.max(0, precision - scale)) - 1n;
    return { sql, family: 'decimal', min: -max, max, scale };
  }
  return { sql, family: SIMPLE_FAMILIES[t] ?? 'unsupported' };
}

/** Whether values of one family can be stored in the other without a cast that could fail (for joining keys). */
export function keyCompatible(a: TypeFamily, b: TypeFamily): boolean {
  const integral = (f: TypeFamily): boolean => f === 'integer' || f === 'decimal';
  return a === b || (integral(a) && integral(b)) || b === 'text';
}
