import type { DatabaseInfo } from '../warehouse/warehouse.js';
import { formatTime } from './output.js';

/** A database as JSON: the library's fields, times as ISO-8601 strings. */
export function databaseJson(d: DatabaseInfo): Record<string, unknown> {
  return {
    name: d.name,
    isClone: d.isClone,
    ...(d.source ? { source: { database: d.source.database, commitId: d.source.commitId, at: new Date(d.source.at).toISOString() } } : {}),
    commitId: d.commitId,
    schemas: d.schemas,
    tables: d.tables,
    views: d.views,
    createdAt: new Date(d.createdAt).toISOString(),
    updatedAt: new Date(d.updatedAt).toISOString(),
  };
}

/** Where a database came from, for people: `prod`, `prod as of 2026-03-01 12:00:00`, or `-`. */
export function describeSource(d: DatabaseInfo): string {
  if (!d.source) return '-';
  // A clone taken "now" needs no time; one taken as of the past says when.
  return d.createdAt - d.source.at > 1000 ? `${d.source.database} as of ${formatTime(d.source.at)}` : d.source.database;
}
