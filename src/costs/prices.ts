import type { ResolvedConfig } from '../config/mayfly-config.js';

/** A terabyte as prices count it: 2^40 bytes (a tebibyte), the binary units sizes are shown in. */
export const TB_BYTES = 2 ** 40;
/** A month as prices count it: 730 hours (a year of 8,760 hours in twelve). */
export const MONTH_MS = 730 * 3_600_000;
/** An hour in milliseconds. */
export const HOUR_MS = 3_600_000;

/** Prices from `prices:` in `mayfly.yaml`. */
export interface Prices {
  readonly currency: string;
  /** Per TB-month: {@link TB_BYTES} stored for {@link MONTH_MS}. */
  readonly storagePerTbMonth: number;
  /** Per hour of engine time. */
  readonly computePerHour: number;
}

/** The prices of a configuration (defaults applied by the config schema). */
export function pricesOf(config: ResolvedConfig): Prices {
  const p = config.project.prices;
  return { currency: p.currency, storagePerTbMonth: p.storagePerTbMonth, computePerHour: p.computePerHour };
}

/** TB-months of `byteMs` (bytes × milliseconds stored). */
export function tbMonths(byteMs: number): number {
  return byteMs / TB_BYTES / MONTH_MS;
}

/** What `byteMs` of storage costs. */
export function storageCost(prices: Prices, byteMs: number): number {
  return tbMonths(byteMs) * prices.storagePerTbMonth;
}

/** What `ms` of engine time costs. */
export function computeCost(prices: Prices, ms: number): number {
  return (ms / HOUR_MS) * prices.computePerHour;
}
