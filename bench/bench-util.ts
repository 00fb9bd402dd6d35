import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '../src/index.js';

/** Summary statistics of a set of timings, in milliseconds. */
export interface Stats {
  readonly n: number;
  readonly min: number;
  readonly p50: number;
  readonly p95: number;
  readonly max: number;
  readonly mean: number;
}

/** The `p`-th percentile (0–100) of ascending `sorted` values, interpolated linearly between ranks. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  const a = sorted[lo] ?? Number.NaN;
  const b = sorted[hi] ?? a;
  return a + (b - a) * (rank - lo);
}

/** The median of unsorted samples. */
export function median(samples: readonly number[]): number {
  return percentile([...samples].sort((x, y) => x - y), 50);
}

/** Min, p50, p95, max and mean of unsorted samples. */
export function summarize(samples: readonly number[]): Stats {
  const s = [...samples].sort((x, y) => x - y);
  const mean = s.reduce((a, b) => a + b, 0) / Math.max(1, s.length);
  return { n: s.length, min: s[0] ?? Number.NaN, p50: percentile(s, 50), p95: percentile(s, 95), max: s[s.length - 1] ?? Number.NaN, mean };
}

/** The geometric mean (the fair average of ratios). */
export function geomean(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  return Math.exp(values.reduce((a, v) => a + Math.log(v), 0) / values.length);
}

/** Runs `fn` and returns its value with the wall time it took. */
export async function timed<T>(fn: () => Promise<T> | T): Promise<{ readonly ms: number; readonly value: T }> {
  const started = performance.now();
  const value = await fn();
  return { ms: performance.now() - started, value };
}

/** Runs `fn` over `items` with at most `limit` calls in flight; results keep the input order. */
export async function mapPool<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Total size of the regular files under a directory. */
export async function directoryBytes(dir: string): Promise<number> {
  let total = 0;
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const p = join(dir, e.name);
    if (e.isDirectory()) total += await directoryBytes(p);
    else if (e.isFile()) total += (await stat(p)).size;
  }
  return total;
}

/** A number rounded for reports: 3 significant digits below 100, integers above. */
export function round(value: number): number {
  if (!Number.isFinite(value)) return value;
  if (Math.abs(value) >= 100) return Math.round(value);
  return Number(value.toPrecision(3));
}

/** The real time plus an offset the benchmark moves forward, so GC can be run "after" the time-travel window without waiting. */
export class ShiftedClock implements Clock {
  private offset = 0;
  /** Milliseconds since the epoch, shifted. */
  now(): number {
    return Date.now() + this.offset;
  }
  /** Moves the clock `ms` milliseconds ahead of the real time. */
  advance(ms: number): void {
    this.offset += ms;
  }
}

/** Logs a progress line to stderr with the seconds since the benchmark started. */
export function progress(message: string): void {
  process.stderr.write(`[${(performance.now() / 1000).toFixed(1).padStart(6)}s] ${message}\n`);
}
