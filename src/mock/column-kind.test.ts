import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { planColumn } from './column-kind.js';
import { columnType } from './column-type.js';
import { isKeyName, keyEntity, ownKeyColumn, singular, tableMentions } from './key-names.js';

/** The kind and generated-as family of each `name TYPE` of a table. */
function kinds(table: string, columns: readonly (readonly [string, string])[]): Record<string, string> {
  const own = ownKeyColumn(table, columns.map(([n]) => n));
  const out: Record<string, string> = {};
  for (const [name, type] of columns) {
    const p = planColumn(name, type, own);
    out[name] = p.as === p.type.family ? p.kind : `${p.kind} as ${p.as}`;
  }
  return out;
}

describe('column kinds from names and types', () => {
  test('the sample project staging tables get keys, people, places, dates and amounts', () => {
    assert.deepEqual(
      kinds('customers_a', [
        ['customer_id', 'BIGINT'],
        ['name', 'VARCHAR'],
        ['email', 'VARCHAR'],
        ['country', 'VARCHAR'],
        ['signup_date', 'DATE'],
        ['load_date', 'DATE'],
      ]),
      { customer_id: 'own_key', name: 'full_name', email: 'email', country: 'country', signup_date: 'created_date', load_date: 'load_date' },
    );
    assert.deepEqual(
      kinds('orders_a', [
        ['order_id', 'BIGINT'],
        ['customer_id', 'BIGINT'],
        ['order_date', 'DATE'],
        ['amount', 'DECIMAL(12,2)'],
        ['status', 'VARCHAR'],
        ['load_date', 'DATE'],
      ]),
      { order_id: 'own_key', customer_id: 'reference', order_date: 'recent_date', amount: 'amount', status: 'status', load_date: 'load_date' },
    );
    assert.deepEqual(
      kinds('payments_b', [
        ['payment_id', 'BIGINT'],
        ['order_id', 'BIGINT'],
        ['paid_at', 'TIMESTAMP'],
        ['amount', 'DECIMAL(12,2)'],
        ['method', 'VARCHAR'],
      ]),
      { payment_id: 'own_key', order_id: 'reference', paid_at: 'recent_date', amount: 'amount', method: 'payment_method' },
    );
  });

  test('the most specific word wins, and a name only applies to a type that can hold it', () => {
    assert.deepEqual(
      kinds('people', [
        ['email_address', 'VARCHAR'],
        ['first_name', 'VARCHAR'],
        ['lastName', 'VARCHAR'],
        ['country_code', 'VARCHAR'],
        ['country_name', 'VARCHAR'],
        ['company_name', 'VARCHAR'],
        ['user_name', 'VARCHAR'],
        ['date_of_birth', 'DATE'],
        ['age', 'INTEGER'],
        ['age_group', 'VARCHAR'],
        ['is_active', 'BOOLEAN'],
        ['has_newsletter', 'INTEGER'],
        ['total_price', 'DOUBLE'],
        ['price_band', 'VARCHAR'],
      ]),
      {
        email_address: 'email',
        first_name: 'first_name',
        lastName: 'last_name',
        country_code: 'country_code',
        country_name: 'country',
        company_name: 'company',
        user_name: 'username',
        date_of_birth: 'birth_date',
        age: 'age',
        age_group: 'word',
        is_active: 'boolean',
        has_newsletter: 'boolean',
        total_price: 'amount',
        price_band: 'word',
      },
    );
  });

  test('text columns named like dates hold ISO dates or timestamps', () => {
    assert.deepEqual(
      kinds('events', [
        ['status_date', 'VARCHAR'],
        ['created_at', 'VARCHAR'],
        ['load_dt', 'VARCHAR'],
        ['updated_at', 'TIMESTAMP WITH TIME ZONE'],
        ['expires_on', 'DATE'],
      ]),
      {
        status_date: 'recent_date as date',
        created_at: 'created_date as timestamp',
        load_dt: 'load_date as date',
        updated_at: 'updated_date',
        expires_on: 'future_date',
      },
    );
  });

  test('keys: `id` is the own key, text and UUID keys are keys too, decimals with fractions are not', () => {
    assert.deepEqual(
      kinds('link_customer_order', [
        ['id', 'INTEGER'],
        ['customer_id', 'VARCHAR'],
        ['order_key', 'UUID'],
        ['batch_id', 'DECIMAL(10,0)'],
        ['weight_id', 'DECIMAL(10,2)'],
        ['hub_customer_hk', 'VARCHAR'],
      ]),
      { id: 'own_key', customer_id: 'reference', order_key: 'reference', batch_id: 'reference', weight_id: 'number', hub_customer_hk: 'hash' },
    );
  });

  test('nested, enum and exotic types are unsupported; the rest have a default kind', () => {
    assert.deepEqual(
      kinds('things', [
        ['tags', 'VARCHAR[]'],
        ['point', 'STRUCT(x DOUBLE, y DOUBLE)'],
        ['attrs', 'MAP(VARCHAR, INTEGER)'],
        ['fixed', 'INTEGER[3]'],
        ['bits', 'BIT'],
        ['x', 'SMALLINT'],
        ['y', 'FLOAT'],
        ['z', 'TIME'],
        ['w', 'INTERVAL'],
        ['v', 'BLOB'],
      ]),
      { tags: 'unsupported', point: 'unsupported', attrs: 'unsupported', fixed: 'unsupported', bits: 'unsupported', x: 'number', y: 'number', z: 'time', w: 'interval', v: 'blob' },
    );
  });
});

describe('key names', () => {
  test('plural table names are read as singular entities', () => {
    assert.deepEqual(['customers', 'categories', 'addresses', 'status', 'boxes', 'order'].map(singular), ['customer', 'category', 'address', 'status', 'box', 'order']);
  });

  test('a key names its entity, and a table mentions it in order', () => {
    assert.equal(isKeyName('customer_id'), true);
    assert.equal(isKeyName('customerId'), true);
    assert.equal(isKeyName('identity'), false);
    assert.deepEqual(keyEntity('sales_order_id'), ['sale', 'order']);
    assert.equal(tableMentions('sales_orders_b', keyEntity('sales_order_id')), true);
    assert.equal(tableMentions('orders_sales', keyEntity('sales_order_id')), false);
    assert.equal(tableMentions('hub_customer', ['customer']), true);
    assert.equal(tableMentions('customer_summary', []), false);
  });

  test("a table's own key is `id`, else the first key whose entity the table names", () => {
    assert.equal(ownKeyColumn('customers_a', ['customer_id', 'name']), 'customer_id');
    assert.equal(ownKeyColumn('orders_a', ['customer_id', 'order_id']), 'order_id');
    assert.equal(ownKeyColumn('orders_a', ['order_id', 'id']), 'id');
    assert.equal(ownKeyColumn('payments_b', ['order_id', 'amount']), undefined);
  });
});

describe('column types', () => {
  test('integer ranges and decimal precision come from the type', () => {
    assert.deepEqual(columnType('TINYINT'), { sql: 'TINYINT', family: 'integer', min: -128n, max: 127n });
    assert.deepEqual(columnType('DECIMAL(12,2)'), { sql: 'DECIMAL(12,2)', family: 'decimal', min: -(10n ** 10n - 1n), max: 10n ** 10n - 1n, scale: 2 });
    assert.equal(columnType('DECIMAL').scale, 3);
    assert.equal(columnType('timestamp with time zone').family, 'timestamptz');
    assert.equal(columnType('ENUM(\'a\', \'b\')').family, 'unsupported');
  });
});
