/** Mayfly's public library API: wire a warehouse, open sessions, clone, swap, measure and collect. */
export { createMayfly, type Mayfly, type MayflyOptions } from './app/create-mayfly.js';
export { loadConfig, validateConfig, type MayflyConfig, type ResolvedConfig } from './config/mayfly-config.js';
export { FakeClock, systemClock, type Clock } from './core/clock.js';
export { MayflyError, isMayflyError, ERROR_KINDS, type ErrorKind } from './core/errors.js';
export { Warehouse, type DatabaseInfo, type TableInfo, type Timed } from './warehouse/warehouse.js';
export { Session, type StatementResult } from './warehouse/session.js';
export type { WarehouseSettings } from './warehouse/warehouse-settings.js';
export type { WarehouseMetrics, DatabaseMetrics, TableMetrics, StorageSplit } from './warehouse/storage-metrics.js';
export type { GcReport, GcOptions } from './warehouse/garbage-collector.js';
export type { CompactReport, CompactOptions } from './warehouse/compactor.js';
export type { QueryResult, Cell } from './sql/query-result.js';
