import type { Catalog } from '../catalog/catalog.js';

export type { EventFilter, StoredEvent, StoredRecord } from '../catalog/catalog.js';

/**
 * The control plane's storage, kept in the catalog beside the refs: mutable
 * JSON records by (kind, key) and an append-only event log. `atomically`
 * spans records and data-plane ref changes (clone, drop, swap) made inside it.
 */
export type ControlStore = Pick<Catalog, 'atomically' | 'getRecord' | 'putRecord' | 'deleteRecord' | 'listRecords' | 'listRecordRange' | 'appendEvent' | 'listEvents'>;
