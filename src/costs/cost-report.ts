import { CLONE_RECORD_KIND, getCloneRecord, type CloneRecord } from '../clones/clone-record.js';
import type { ResolvedConfig } from '../config/mayfly-config.js';
import { invalid } from '../core/errors.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { meterLives, type MeteredLife, type Usage } from './clone-usage.js';
import { computeCost, HOUR_MS, pricesOf, storageCost, tbMonths, type Prices } from './prices.js';

/** How `report cost` groups clones. */
export const COST_GROUPINGS = ['clone', 'scope', 'owner'] as const;
/** One of {@link COST_GROUPINGS}. */
export type CostGrouping = (typeof COST_GROUPINGS)[number];

/** What a database (or a group of clones) has cost over a period. */
export interface CostLine {
  readonly storage: number;
  readonly compute: number;
  readonly total: number;
  readonly currency: string;
  /** Exclusive bytes stored over time (retained-for-clone included), in TB-months. */
  readonly storageTbMonths: number;
  /** The part of `storageTbMonths` kept alive only for clones: files production has dropped. */
  readonly retainedTbMonths: number;
  /** Charged bytes over time, in TB-months: its even share of every file it keeps alive (shared ones included), so shares add up across databases. */
  readonly chargedTbMonths: number;
  /** What `chargedTbMonths` costs: the storage bill split among the databases that keep each file (not part of `total`). */
  readonly chargedStorage: number;
  readonly computeHours: number;
  /** What the same work would have cost as persisted full copies: their logical bytes stored over the same time, plus the same compute. */
  readonly fullCopy: number;
}

/** One row of the cost report. */
export interface CostRow extends CostLine {
  /** The clone's name, the scope, or the owner. */
  readonly group: string;
  readonly clones: number;
  /** With `--by clone`: the clone's scope, owner, state and creation. */
  readonly scope?: string;
  readonly owner?: string;
  readonly state?: string;
  readonly createdAt?: number;
}

/** The result of `report cost`. */
export interface CostReport {
  readonly by: CostGrouping;
  readonly since: number;
  readonly until: number;
  readonly prices: Prices;
  /** Most expensive first. */
  readonly rows: readonly CostRow[];
  readonly totals: CostRow;
  /** Full copies / clones, for the totals (null when nothing cost anything). */
  readonly fullCopyRatio: number | null;
  readonly elapsedMs: number;
}

/** Refuses an unknown grouping, naming the allowed ones. */
export function parseCostGrouping(text: string): CostGrouping {
  if ((COST_GROUPINGS as readonly string[]).includes(text)) return text as CostGrouping;
  throw invalid('USAGE', `unknown --by ${JSON.stringify(text)} (allowed: ${COST_GROUPINGS.join(', ')})`);
}

/** Refuses an empty or reversed period. */
export function checkPeriod(since: number, until: number): void {
  if (!(since < until)) {
    throw invalid('COST_PERIOD', `--since (${new Date(since).toISOString()}) must be before --until (${new Date(until).toISOString()})`);
  }
}

/**
 * The cost of every clone Mayfly recorded (destroyed ones included) that
 * lived within [since, until), grouped by clone, scope or owner, with the
 * totals and what persisted full copies would have cost. The period ends at
 * the warehouse clock's now at the latest: nothing is charged ahead.
 */
export function costReport(warehouse: Warehouse, config: ResolvedConfig, options: { by: CostGrouping; since: number; until: number }): CostReport {
  const started = performance.now();
  checkPeriod(options.since, options.until);
  const prices = pricesOf(config);
  const until = Math.min(options.until, warehouse.clock.now());
  const records = warehouse.control.listRecords<CloneRecord>(CLONE_RECORD_KIND);
  const lives = records.map((r) => lifeOf(r.key, r.value));
  const usage = meterLives(warehouse.control, lives, options.since, until);
  const groups = new Map<string, { usage: Usage[]; record: CloneRecord }>();
  for (const { key, value } of records) {
    const u = usage.get(key);
    if (!u) continue;
    const group = options.by === 'clone' ? key : options.by === 'scope' ? value.scope : value.owner;
    const g = groups.get(group) ?? { usage: [], record: value };
    g.usage.push(u);
    groups.set(group, g);
  }
  const rows = [...groups].map(([group, g]): CostRow => {
    const line = lineOf(prices, g.usage);
    if (options.by !== 'clone') return { group, clones: g.usage.length, ...line };
    const r = g.record;
    return { group: r.name, clones: 1, ...line, scope: r.scope, owner: r.owner, state: r.state, createdAt: r.createdAt };
  });
  rows.sort((a, b) => b.total - a.total || a.group.localeCompare(b.group));
  const totals: CostRow = { group: 'total', clones: rows.reduce((n, r) => n + r.clones, 0), ...lineOf(prices, [...usage.values()]) };
  return {
    by: options.by,
    since: options.since,
    until,
    prices,
    rows,
    totals,
    fullCopyRatio: totals.total > 0 ? totals.fullCopy / totals.total : null,
    elapsedMs: performance.now() - started,
  };
}

/**
 * What database `db` cost between `since` and `until` (ms): its storage
 * samples and compute within the part of the period it lived (from its clone
 * record — `record` when the caller read it already — or from its creation
 * when Mayfly holds no record of it).
 */
export function costOf(
  warehouse: Warehouse,
  config: ResolvedConfig,
  db: string,
  since: number,
  until: number,
  record: CloneRecord | undefined = getCloneRecord(warehouse.control, db),
): CostLine {
  const prices = pricesOf(config);
  const life = record ? lifeOf(db, record) : { key: db, name: db, createdAt: warehouse.requireRef(db).createdAt, endedAt: null };
  const end = Math.min(until, warehouse.clock.now());
  const usage = end > since ? meterLives(warehouse.control, [life], since, end).get(db) : undefined;
  return lineOf(prices, usage ? [usage] : []);
}

function lifeOf(key: string, r: CloneRecord): MeteredLife {
  return { key, name: r.name, createdAt: r.createdAt, endedAt: r.state === 'destroyed' ? (r.destroyedAt ?? r.updatedAt) : null };
}

function lineOf(prices: Prices, usage: readonly Usage[]): CostLine {
  let exclusive = 0;
  let retained = 0;
  let logical = 0;
  let charged = 0;
  let computeMs = 0;
  for (const u of usage) {
    charged += u.chargedByteMs;
    exclusive += u.exclusiveByteMs;
    retained += u.retainedByteMs;
    logical += u.logicalByteMs;
    computeMs += u.computeMs;
  }
  const storage = storageCost(prices, exclusive);
  const compute = computeCost(prices, computeMs);
  return {
    storage,
    compute,
    total: storage + compute,
    currency: prices.currency,
    storageTbMonths: tbMonths(exclusive),
    retainedTbMonths: tbMonths(retained),
    chargedTbMonths: tbMonths(charged),
    chargedStorage: storageCost(prices, charged),
    computeHours: computeMs / HOUR_MS,
    fullCopy: storageCost(prices, logical) + compute,
  };
}
