import { Faker, base, en } from '@faker-js/faker';
import type { ColumnKind, ColumnPlan } from './column-kind.js';
import { nameWords, singular } from './key-names.js';

/** Where a key column's values come from. */
export type KeySource =
  /** New unique integers counting up from `start`. */
  | { readonly from: 'sequence'; readonly start: bigint }
  /** Keys drawn from another table's key column (`table` is `schema.table`), so joins find their rows. */
  | { readonly from: 'table'; readonly table: string; readonly column: string; readonly values: readonly string[] }
  /** New random UUIDs (keys of text or UUID columns). */
  | { readonly from: 'uuid' };

/** What a generator is seeded with. */
export interface GeneratorOptions {
  /** The table's name (without schema): tells order statuses from payment statuses. */
  readonly table: string;
  /** Same seed, same plans, same key sources → the same rows. */
  readonly seed: number;
  /** UTC midnight of the day dates are generated around (dates are at most a year after it, mostly before). */
  readonly asOf: number;
  /** The source of each key column (own keys and references), by column name. */
  readonly keys: ReadonlyMap<string, KeySource>;
}

const DAY_MS = 86_400_000;
const YEAR_DAYS = 365;

/** Days relative to the as-of date each kind of date falls in. */
const DATE_RANGES: Readonly<Partial<Record<ColumnKind, readonly [number, number]>>> = {
  birth_date: [-80 * YEAR_DAYS, -18 * YEAR_DAYS],
  load_date: [-30, 0],
  created_date: [-3 * YEAR_DAYS, 0],
  updated_date: [-30, 0],
  future_date: [1, YEAR_DAYS],
  recent_date: [-YEAR_DAYS, 0],
};

/** Weighted value lists, by what the table's name says it holds. */
const STATUSES: Readonly<Record<string, readonly { weight: number; value: string }[]>> = {
  order: weighted({ completed: 50, shipped: 20, pending: 15, cancelled: 10, returned: 5 }),
  payment: weighted({ completed: 80, pending: 10, failed: 6, refunded: 4 }),
  default: weighted({ active: 70, inactive: 20, pending: 10 }),
};
const PAYMENT_METHODS = weighted({ card: 55, bank_transfer: 20, paypal: 15, direct_debit: 7, cash: 3 });
const TIERS = weighted({ bronze: 50, silver: 30, gold: 15, platinum: 5 });

function weighted(weights: Readonly<Record<string, number>>): { weight: number; value: string }[] {
  return Object.entries(weights).map(([value, weight]) => ({ value, weight }));
}

/**
 * Generates rows as text each column's type casts from (`2026-03-01`,
 * `12.50`, `true`; NULL for unsupported columns), row by row and column by
 * column from one seeded random sequence: the rows depend on the seed, the
 * plans, the key sources and the as-of date, never on how they are batched.
 */
export class RowGenerator {
  private readonly faker = new Faker({ locale: [en, base] });
  private readonly sequences = new Map<string, bigint>();
  /** `YYYY-MM-DD` by day offset from the as-of date. */
  private readonly days = new Map<number, string>();
  private readonly statuses: readonly { weight: number; value: string }[];
  /** The person of the current row, so its name and email agree. */
  private person: { firstName: string; lastName: string } | undefined;

  constructor(
    private readonly columns: readonly ColumnPlan[],
    private readonly options: GeneratorOptions,
  ) {
    this.faker.seed(options.seed);
    const entities = nameWords(options.table).map(singular);
    this.statuses = STATUSES[entities.find((e) => e in STATUSES) ?? 'default'] ?? [];
    for (const [column, source] of options.keys) if (source.from === 'sequence') this.sequences.set(column, source.start);
  }

  /** The next row: one text value per column (NULL for unsupported columns). */
  next(): (string | null)[] {
    this.person = undefined;
    return this.columns.map((c) => this.value(c));
  }

  private value(c: ColumnPlan): string | null {
    const f = this.faker;
    switch (c.kind) {
      case 'own_key':
      case 'reference':
        return this.key(c);
      case 'hash':
        return c.as === 'blob' ? this.bytes(16) : f.string.hexadecimal({ length: 32, casing: 'lower', prefix: '' });
      case 'email': {
        const p = this.currentPerson();
        return f.internet.email({ firstName: p.firstName, lastName: p.lastName }).toLowerCase();
      }
      case 'username': {
        const p = this.currentPerson();
        return f.internet.username({ firstName: p.firstName, lastName: p.lastName }).toLowerCase();
      }
      case 'first_name':
        return this.currentPerson().firstName;
      case 'last_name':
        return this.currentPerson().lastName;
      case 'full_name': {
        const p = this.currentPerson();
        return `${p.firstName} ${p.lastName}`;
      }
      case 'company':
        return f.company.name();
      case 'product':
        return f.commerce.productName();
      case 'country_code':
        return f.location.countryCode('alpha-2');
      case 'country':
        return f.location.country();
      case 'city':
        return f.location.city();
      case 'region':
        return f.location.state();
      case 'postal_code':
        return f.location.zipCode();
      case 'street':
        return f.location.streetAddress();
      case 'phone':
        return f.phone.number({ style: 'international' });
      case 'url':
        return f.internet.url();
      case 'domain':
        return f.internet.domainName();
      case 'ip_address':
        return f.internet.ipv4();
      case 'currency':
        return f.finance.currencyCode();
      case 'status':
        return f.helpers.weightedArrayElement(this.statuses);
      case 'payment_method':
        return f.helpers.weightedArrayElement(PAYMENT_METHODS);
      case 'category':
        return f.commerce.department();
      case 'tier':
        return f.helpers.weightedArrayElement(TIERS);
      case 'job_title':
        return f.person.jobTitle();
      case 'gender':
        return f.person.sex();
      case 'color':
        return f.color.human();
      case 'iban':
        return f.finance.iban();
      case 'description':
        return f.lorem.sentence();
      case 'word':
        return f.lorem.word();
      case 'year': {
        const year = new Date(this.options.asOf).getUTCFullYear();
        return this.number(c, year - 10, year, 0);
      }
      case 'age':
        return this.number(c, 18, 90, 0);
      case 'latitude':
        return this.number(c, -90, 90, 6);
      case 'longitude':
        return this.number(c, -180, 180, 6);
      case 'rating':
        return this.number(c, 1, 5, 1);
      case 'percent':
        return this.number(c, 0, 100, 2);
      case 'quantity':
        return this.number(c, 1, 10, 0);
      case 'amount':
        // Most amounts are small, a few large: the square of a uniform draw skews toward the low end.
        return this.number(c, 1, 5000, 2, (u) => u * u);
      case 'number':
        return this.number(c, 0, 1000, 4);
      case 'birth_date':
      case 'load_date':
      case 'created_date':
      case 'updated_date':
      case 'future_date':
      case 'recent_date':
        return this.pointInTime(c, DATE_RANGES[c.kind] ?? [-YEAR_DAYS, 0]);
      case 'time':
        return clockTime(f.number.int({ min: 0, max: DAY_MS / 1000 - 1 }));
      case 'interval':
        return `${f.number.int({ min: 1, max: 7 * 24 * 60 })} minutes`;
      case 'boolean': {
        const yes = f.datatype.boolean();
        return c.as === 'integer' ? (yes ? '1' : '0') : String(yes);
      }
      case 'uuid':
        return f.string.uuid();
      case 'blob':
        return this.bytes(f.number.int({ min: 8, max: 32 }));
      case 'unsupported':
        return null;
    }
  }

  private key(c: ColumnPlan): string {
    const source = this.options.keys.get(c.name) ?? { from: 'uuid' };
    if (source.from === 'table') return source.values[this.faker.number.int({ max: source.values.length - 1 })] ?? '';
    if (source.from === 'uuid') return this.faker.string.uuid();
    const n = this.sequences.get(c.name) ?? source.start;
    this.sequences.set(c.name, n + 1n);
    return String(n);
  }

  private currentPerson(): { firstName: string; lastName: string } {
    this.person ??= { firstName: this.faker.person.firstName(), lastName: this.faker.person.lastName() };
    return this.person;
  }

  /**
   * A number in [lo, hi] clamped to what the column's type holds, with at
   * most `digits` decimals (none for integers, at most the scale for decimals).
   */
  private number(c: ColumnPlan, lo: number, hi: number, digits: number, shape: (u: number) => number = (u) => u): string {
    const { type } = c;
    const min = type.min === undefined ? lo : Math.max(lo, Number(type.min));
    const max = type.max === undefined ? hi : Math.min(hi, Number(type.max) + (type.family === 'decimal' ? 1 - 10 ** -(type.scale ?? 0) : 0));
    const d = type.family === 'integer' ? 0 : type.family === 'decimal' ? Math.min(digits, type.scale ?? 0) : digits;
    const scale = 10 ** d;
    const [from, to] = [Math.ceil(min * scale), Math.floor(max * scale)];
    if (from > to) return '0';
    const u = this.faker.number.float({ min: 0, max: 1 });
    const units = Math.min(to, from + Math.floor(shape(u) * (to - from + 1)));
    return (units / scale).toFixed(d);
  }

  private pointInTime(c: ColumnPlan, [fromDay, toDay]: readonly [number, number]): string {
    const offset = this.faker.number.int({ min: fromDay, max: toDay });
    let date = this.days.get(offset);
    if (date === undefined) {
      // Formatting a date is the costliest step of a row; a seed spans a few thousand days at most.
      date = new Date(this.options.asOf + offset * DAY_MS).toISOString().slice(0, 10);
      this.days.set(offset, date);
    }
    if (c.as === 'date') return date;
    const time = clockTime(this.faker.number.int({ min: 0, max: DAY_MS / 1000 - 1 }));
    return c.as === 'timestamptz' ? `${date} ${time}+00` : `${date} ${time}`;
  }

  /** Random bytes as DuckDB's BLOB text (`\xAB\x01…`). */
  private bytes(n: number): string {
    let out = '';
    for (let i = 0; i < n; i++) out += `\\x${this.faker.number.int(255).toString(16).padStart(2, '0').toUpperCase()}`;
    return out;
  }
}

/** `HH:MM:SS` of a second of the day. */
function clockTime(second: number): string {
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${two(Math.floor(second / 3600))}:${two(Math.floor(second / 60) % 60)}:${two(second % 60)}`;
}
