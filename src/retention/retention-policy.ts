import type { ResolvedConfig } from '../config/mayfly-config.js';
import { invalid } from '../core/errors.js';

/** One day in milliseconds: retention counts whole UTC days. */
export const DAY_MS = 86_400_000;

/** A production table's retention policy, resolved from `retention:` in `mayfly.yaml`. */
export interface TablePolicy {
  /** `schema.table`. */
  readonly table: string;
  readonly schema: string;
  readonly name: string;
  /** The DATE or TIMESTAMP column the data is partitioned by. */
  readonly column: string;
  /** Days production keeps. */
  readonly days: number;
}

/** The retention policies of `mayfly.yaml`, by table name. */
export function retentionPolicies(config: ResolvedConfig): readonly TablePolicy[] {
  return Object.entries(config.project.retention)
    .map(([table, p]) => {
      const [schema = '', name = ''] = table.split('.');
      return { table, schema, name, column: p.column, days: p.days };
    })
    .sort((a, b) => a.table.localeCompare(b.table));
}

/** The start (00:00 UTC) of the day `ms` falls in. */
export function utcDay(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

/**
 * The first day production keeps on the day of `now`: rows dated before it are
 * purged. `days: 90` on 2026-06-30 keeps 2026-04-01 and later.
 */
export function retentionCutoff(now: number, days: number): number {
  return utcDay(now) - days * DAY_MS;
}

/**
 * When data dated `oldestDay` passes production's retention: the start of the
 * first day whose cutoff is after it (`oldestDay + days + 1` days), the day
 * `retention apply` purges it from production.
 */
export function passesRetentionAt(oldestDay: number, days: number): number {
  return utcDay(oldestDay) + (days + 1) * DAY_MS;
}

/** `2026-06-30` for a UTC day. */
export function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Parses `YYYY-MM-DD` (as DuckDB prints a DATE) into the start of that UTC day. */
export function parseIsoDay(text: string): number {
  const ms = Date.parse(`${text.slice(0, 10)}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(ms)) throw invalid('RETENTION_DATE', `cannot read ${JSON.stringify(text)} as a date`);
  return ms;
}

/** Whether a DuckDB column type holds dates retention can compare with a day: DATE or TIMESTAMP (any precision or zone). */
export function isDateType(type: string): boolean {
  return /^(DATE|TIMESTAMP(_S|_MS|_NS)?|TIMESTAMPTZ)\b/i.test(type.trim());
}
