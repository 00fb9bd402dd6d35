import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { invalid } from '../core/errors.js';

/** What to generate: `days` days of the sample project's landing files from `from`, at `scale`. */
export interface LandingOptions {
  /** The stage directory the files land in. */
  readonly dir: string;
  readonly days: number;
  /** 1 = 20 new customers, 100 orders and about 90 payments a day. */
  readonly scale: number;
  readonly seed?: number;
  /** The first day of the data set (`YYYY-MM-DD`); day N's files are the same whatever range is generated. */
  readonly from?: string;
  /** Malformed rows per file (bad dates, amounts, JSON), for trying ON_ERROR and the errors table. */
  readonly badRows?: number;
  /** Generate only the days from this one on (`YYYY-MM-DD`): files land a day at a time. */
  readonly onlyFrom?: string;
}

/** One generated file. */
export interface LandingFile {
  /** Relative to the stage directory. */
  readonly path: string;
  readonly rows: number;
  readonly bytes: number;
  /** False when an identical file was there already (it is left untouched). */
  readonly written: boolean;
}

/** What {@link generateLanding} wrote. */
export interface LandingReport {
  readonly dir: string;
  readonly files: readonly LandingFile[];
  readonly rows: number;
  readonly bytes: number;
  readonly elapsedMs: number;
}

/** The sample project's default first day. */
export const DEFAULT_LANDING_FROM = '2024-01-01';
const DAY_MS = 86_400_000;

const FIRST = ['Ada', 'Ben', 'Chloe', 'Dev', 'Elif', 'Femi', 'Greta', 'Hugo', 'Ines', 'Jonas', 'Kemal', 'Lena', 'Mateo', 'Nora', 'Olu', 'Priya', 'Quinn', 'Rosa', 'Sami', 'Tara'];
const LAST = ['Adams', 'Berg', 'Costa', 'Dubois', 'Eriksen', 'Fischer', 'Garcia', 'Haas', 'Ivanov', 'Jansen', 'Kowalski', 'Larsen', 'Moreau', 'Novak', 'Okafor', 'Petrov', 'Rossi', 'Schmidt', 'Tanaka', 'Weber'];
const DOMAINS = ['example.com', 'mail.test', 'post.example', 'inbox.test'];
const COUNTRIES = ['DE', 'FR', 'NL', 'BE', 'ES', 'IT', 'PL', 'SE', 'GB', 'US'];
const STATUSES = ['placed', 'placed', 'shipped', 'shipped', 'delivered', 'delivered', 'delivered', 'cancelled'];
const METHODS = ['card', 'card', 'card', 'paypal', 'transfer', 'voucher'];

/**
 * Writes the sample project's landing files, deterministic by seed: source A
 * `source_a/customers/<day>.csv` (new customers and changes to earlier ones)
 * and `source_a/orders/<day>.csv` (orders of customers that exist by then),
 * source B `source_b/payments/<day>.jsonl` (payments of that day's orders that
 * were not cancelled). Each file is written beside its final name and renamed
 * into place, so a pipe never sees half a file.
 */
export async function generateLanding(options: LandingOptions, onFile?: (done: number, total: number, path: string) => void): Promise<LandingReport> {
  const started = performance.now();
  const first = parseDay(options.from ?? DEFAULT_LANDING_FROM, '--from');
  if (!Number.isInteger(options.days) || options.days < 1 || options.days > 3660) throw invalid('LANDING_DAYS', `--days must be a whole number from 1 to 3660, got ${options.days}`);
  if (!(options.scale > 0) || options.scale > 10_000) throw invalid('LANDING_SCALE', `--scale must be a number above 0 and at most 10000, got ${options.scale}`);
  const startIndex = options.onlyFrom === undefined ? 0 : Math.round((parseDay(options.onlyFrom, '--only-from') - first) / DAY_MS);
  if (startIndex < 0 || startIndex >= options.days) throw invalid('LANDING_DAYS', `--only-from must fall within the ${options.days} days from ${options.from ?? DEFAULT_LANDING_FROM}`);
  const seed = options.seed ?? 42;
  const files: LandingFile[] = [];
  const total = (options.days - startIndex) * 3;
  for (let day = startIndex; day < options.days; day++) {
    const data = dayData(seed, day, first, options.scale, options.badRows ?? 0);
    for (const [path, text, rows] of data) {
      files.push(await writeIfChanged(options.dir, path, text, rows));
      onFile?.(files.length, total, path);
    }
  }
  return { dir: options.dir, files, rows: files.reduce((n, f) => n + f.rows, 0), bytes: files.reduce((n, f) => n + f.bytes, 0), elapsedMs: performance.now() - started };
}

/** The three files of day `day` (0 = the first day): path, text, rows. */
function dayData(seed: number, day: number, firstMs: number, scale: number, badRows: number): [string, string, number][] {
  const date = isoDay(firstMs + day * DAY_MS);
  const perDay = Math.max(1, Math.round(20 * scale));
  const ordersPerDay = Math.max(1, Math.round(100 * scale));
  const rnd = random(seed, day);
  const customers = ['customer_id,name,email,country,signup_date,load_date'];
  const customerRow = (id: number, version: number): string => {
    // The name stays; a change (version > 0) brings a new email and maybe a new country.
    const person = random(seed * 31, id);
    const r = random(seed * 31 + version, id);
    const f = pick(FIRST, person);
    const l = pick(LAST, person);
    const signup = isoDay(firstMs + Math.floor((id - 1) / perDay) * DAY_MS);
    const email = `${f}.${l}${version > 0 ? version : ''}.${id}@${pick(DOMAINS, r)}`.toLowerCase();
    return `${id},"${f} ${l}",${email},${pick(COUNTRIES, r)},${signup},${date}`;
  };
  for (let i = 1; i <= perDay; i++) customers.push(customerRow(day * perDay + i, 0));
  // Changes to earlier customers (a new email or country): the history a satellite keeps.
  const changes = day === 0 ? 0 : Math.max(1, Math.round(perDay / 4));
  for (let i = 0; i < changes; i++) customers.push(customerRow(1 + Math.floor(rnd() * day * perDay), day));
  const orders = ['order_id,customer_id,order_date,amount,status,load_date'];
  const payments: string[] = [];
  for (let i = 1; i <= ordersPerDay; i++) {
    const orderId = day * ordersPerDay + i;
    const customer = 1 + Math.floor(rnd() * (day + 1) * perDay);
    const amount = (5 + rnd() * 495).toFixed(2);
    const status = pick(STATUSES, rnd);
    orders.push(`${orderId},${customer},${date},${amount},${status},${date}`);
    if (status === 'cancelled' || rnd() < 0.05) continue;
    const seconds = Math.floor(rnd() * 86_400);
    const paidAt = `${date} ${two(Math.floor(seconds / 3600))}:${two(Math.floor(seconds / 60) % 60)}:${two(seconds % 60)}`;
    payments.push(JSON.stringify({ payment_id: orderId, order_id: orderId, paid_at: paidAt, amount: Number(amount), method: pick(METHODS, rnd), load_date: date }));
  }
  spoil(customers, 1, badRows, rnd, (line) => line.replace(/,\d{4}-\d{2}-\d{2},/, ',not-a-date,'));
  spoil(orders, 1, badRows, rnd, (line) => line.replace(/,\d+\.\d{2},/, ',n/a,'));
  spoil(payments, 0, badRows, rnd, (line) => line.slice(0, Math.max(1, Math.floor(line.length / 2))));
  return [
    [`source_a/customers/${date}.csv`, `${customers.join('\n')}\n`, customers.length - 1],
    [`source_a/orders/${date}.csv`, `${orders.join('\n')}\n`, orders.length - 1],
    [`source_b/payments/${date}.jsonl`, payments.length ? `${payments.join('\n')}\n` : '', payments.length],
  ];
}

/** Replaces `count` lines from index `first` on (after a header) with a broken variant. */
function spoil(lines: string[], first: number, count: number, rnd: () => number, breakLine: (line: string) => string): void {
  const n = lines.length - first;
  for (let k = 0; k < Math.min(count, n); k++) {
    const i = first + Math.floor(rnd() * n);
    lines[i] = breakLine(lines[i] ?? '');
  }
}

async function writeIfChanged(dir: string, path: string, text: string, rows: number): Promise<LandingFile> {
  const full = join(dir, path);
  const bytes = Buffer.byteLength(text);
  const existing = await readFile(full, 'utf8').catch(() => undefined);
  if (existing === text) return { path, rows, bytes, written: false };
  await mkdir(dirname(full), { recursive: true });
  await writeFile(`${full}.tmp`, text);
  await rename(`${full}.tmp`, full);
  return { path, rows, bytes, written: true };
}

/** A generator for (seed, key), mulberry32 seeded by a mix of both. */
function random(seed: number, key: number): () => number {
  let a = (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(key + 0x27d4eb2f, 0xc2b2ae35)) >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(values: readonly T[], rnd: () => number): T {
  return values[Math.floor(rnd() * values.length)] as T;
}

function parseDay(text: string, option: string): number {
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(text) ? Date.parse(`${text}T00:00:00Z`) : Number.NaN;
  if (Number.isNaN(ms)) throw invalid('LANDING_DATE', `${option} must be a date such as 2024-01-01, got ${JSON.stringify(text)}`);
  return ms;
}

function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function two(n: number): string {
  return String(n).padStart(2, '0');
}
