import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { planColumn, type ColumnPlan } from './column-kind.js';
import { ownKeyColumn } from './key-names.js';
import { RowGenerator, type GeneratorOptions, type KeySource } from './row-generator.js';

const AS_OF = Date.UTC(2026, 2, 1);
const DAY = 86_400_000;

function plans(table: string, columns: readonly (readonly [string, string])[]): ColumnPlan[] {
  const own = ownKeyColumn(table, columns.map(([n]) => n));
  return columns.map(([n, t]) => planColumn(n, t, own));
}

function generate(columns: readonly ColumnPlan[], n: number, options: Partial<GeneratorOptions> = {}): (string | null)[][] {
  const g = new RowGenerator(columns, { table: 'customers_a', seed: 1, asOf: AS_OF, keys: new Map(), ...options });
  return Array.from({ length: n }, () => g.next());
}

const CUSTOMERS = plans('customers_a', [
  ['customer_id', 'BIGINT'],
  ['first_name', 'VARCHAR'],
  ['last_name', 'VARCHAR'],
  ['email', 'VARCHAR'],
  ['country_code', 'VARCHAR'],
  ['signup_date', 'DATE'],
  ['load_date', 'DATE'],
  ['birth_date', 'DATE'],
  ['updated_at', 'TIMESTAMP'],
]);
const CUSTOMER_KEYS = new Map<string, KeySource>([['customer_id', { from: 'sequence', start: 41n }]]);

describe('row generator', () => {
  test('the same seed gives the same rows; another seed gives other rows', () => {
    const a = generate(CUSTOMERS, 50, { seed: 7, keys: CUSTOMER_KEYS });
    const b = generate(CUSTOMERS, 50, { seed: 7, keys: CUSTOMER_KEYS });
    const c = generate(CUSTOMERS, 50, { seed: 8, keys: CUSTOMER_KEYS });
    assert.deepEqual(a, b);
    assert.notDeepEqual(a.map((r) => r.slice(1)), c.map((r) => r.slice(1)));
    // Keys are a sequence whatever the seed.
    assert.deepEqual(a.map((r) => r[0]), c.map((r) => r[0]));
  });

  test('a row is one person: the email is made from its own names; keys count up from the start', () => {
    const rows = generate(CUSTOMERS, 200, { keys: CUSTOMER_KEYS });
    assert.deepEqual(rows.map((r) => r[0]), Array.from({ length: 200 }, (_, i) => String(41 + i)));
    for (const [, first, last, email, country] of rows) {
      assert.match(email ?? '', /^[^@\s]+@[^@\s]+\.[a-z]+$/);
      const local = (email ?? '').split('@')[0] ?? '';
      const letters = (s: string | null | undefined): string => (s ?? '').toLowerCase().replace(/[^a-z]/g, '');
      assert.ok(letters(local).includes(letters(first)) || letters(local).includes(letters(last)), `${email} is not made from ${first} ${last}`);
      assert.match(country ?? '', /^[A-Z]{2}$/);
    }
  });

  test('dates fall in the range their kind implies, relative to the as-of date', () => {
    const rows = generate(CUSTOMERS, 500);
    const days = (d: string | null): number => (Date.parse(`${(d ?? '').slice(0, 10)}T00:00:00Z`) - AS_OF) / DAY;
    for (const r of rows) {
      const [signup, load, birth, updated] = [days(r[5] ?? null), days(r[6] ?? null), days(r[7] ?? null), days(r[8] ?? null)];
      assert.ok(signup >= -3 * 365 && signup <= 0, `signup ${r[5]}`);
      assert.ok(load >= -30 && load <= 0, `load ${r[6]}`);
      assert.ok(birth >= -80 * 365 && birth <= -18 * 365, `birth ${r[7]}`);
      assert.ok(updated >= -30 && updated <= 0, `updated ${r[8]}`);
      assert.match(r[8] ?? '', /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    }
    // Spread out, not one day repeated.
    assert.ok(new Set(rows.map((r) => r[5])).size > 100);
  });

  test('numbers stay inside what their column type holds', () => {
    const columns = plans('orders_a', [
      ['amount', 'DECIMAL(5,2)'],
      ['quantity', 'TINYINT'],
      ['price', 'DECIMAL(3,0)'],
      ['score', 'UTINYINT'],
      ['ratio', 'DECIMAL(4,4)'],
      ['total', 'DOUBLE'],
      ['counter', 'SMALLINT'],
    ]);
    for (const [amount, quantity, price, score, ratio, total, counter] of generate(columns, 500)) {
      assert.match(amount ?? '', /^\d{1,3}\.\d{2}$/);
      assert.ok(Number(amount) >= 1 && Number(amount) <= 999.99);
      assert.ok(Number.isInteger(Number(quantity)) && Number(quantity) >= 1 && Number(quantity) <= 10);
      assert.match(price ?? '', /^\d{1,3}$/);
      assert.ok(Number(score) >= 1 && Number(score) <= 5);
      assert.ok(Number(ratio) >= 0 && Number(ratio) < 1, `ratio ${ratio}`);
      assert.ok(Number(total) >= 1 && Number(total) <= 5000);
      assert.ok(Number(counter) >= 0 && Number(counter) <= 1000);
    }
  });

  test('references draw from the given keys; statuses follow the table', () => {
    const columns = plans('orders_a', [
      ['order_id', 'BIGINT'],
      ['customer_id', 'BIGINT'],
      ['status', 'VARCHAR'],
    ]);
    const keys = new Map<string, KeySource>([
      ['order_id', { from: 'sequence', start: 1n }],
      ['customer_id', { from: 'table', table: 'staging.customers_a', column: 'customer_id', values: ['10', '20', '30'] }],
    ]);
    const rows = generate(columns, 300, { table: 'orders_a', keys });
    assert.deepEqual(new Set(rows.map((r) => r[1])), new Set(['10', '20', '30']));
    const statuses = new Set(rows.map((r) => r[2]));
    assert.ok(statuses.has('completed') && statuses.has('shipped'));
    assert.ok(!statuses.has('active'));
  });

  test('unsupported columns are NULL; BLOB, UUID, TIME, INTERVAL and flags have their text forms', () => {
    const columns = plans('things', [
      ['tags', 'VARCHAR[]'],
      ['payload', 'BLOB'],
      ['token', 'UUID'],
      ['at_time', 'TIME'],
      ['wait', 'INTERVAL'],
      ['is_active', 'INTEGER'],
      ['is_deleted', 'BOOLEAN'],
    ]);
    for (const [tags, payload, token, time, wait, active, deleted] of generate(columns, 50)) {
      assert.equal(tags, null);
      assert.match(payload ?? '', /^(\\x[0-9A-F]{2}){8,32}$/);
      assert.match(token ?? '', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      assert.match(time ?? '', /^([01]\d|2[0-3]):[0-5]\d:[0-5]\d$/);
      assert.match(wait ?? '', /^\d+ minutes$/);
      assert.match(active ?? '', /^[01]$/);
      assert.match(deleted ?? '', /^(true|false)$/);
    }
  });
});
