/** One layer of the sample warehouse: a label for its progress line and the SQL that builds it. */
export interface SampleLayer {
  readonly label: string;
  /** The schema it creates. */
  readonly schema: string;
  readonly sql: string;
}

/** Customers in staging; orders are four per customer on average. */
export const SAMPLE_CUSTOMERS = 50_000;
/** Orders in staging. */
export const SAMPLE_ORDERS = 200_000;

/**
 * The sample production warehouse, STAGING → RDV → BDV → PL, generated with
 * range() and hash() so every run builds the same data without reading files.
 */
export const SAMPLE_LAYERS: readonly SampleLayer[] = [
  {
    label: 'staging: load customers and orders',
    schema: 'staging',
    sql: `
      CREATE SCHEMA staging;
      CREATE TABLE staging.customers AS
        SELECT i AS customer_id,
               'Customer ' || i AS name,
               'customer' || i || '@example.com' AS email,
               ['retail', 'smb', 'enterprise', 'public'][1 + (hash(i) % 4)::INTEGER] AS segment,
               ['NL', 'DE', 'FR', 'BE', 'UK', 'US'][1 + (hash(i * 3) % 6)::INTEGER] AS country,
               DATE '2020-01-01' + (hash(i * 7) % 1800)::INTEGER AS signup_date
        FROM range(1, ${SAMPLE_CUSTOMERS + 1}) t(i);
      CREATE TABLE staging.orders AS
        SELECT i AS order_id,
               1 + (hash(i) % ${SAMPLE_CUSTOMERS})::BIGINT AS customer_id,
               round(5 + (hash(i * 11) % 100000) / 100.0, 2)::DECIMAL(10, 2) AS amount,
               DATE '2024-01-01' + (hash(i * 13) % 730)::INTEGER AS order_date,
               ['web', 'store', 'phone'][1 + (hash(i * 17) % 3)::INTEGER] AS channel
        FROM range(1, ${SAMPLE_ORDERS + 1}) t(i);`,
  },
  {
    label: 'rdv: hub, satellite and link of the raw data vault',
    schema: 'rdv',
    sql: `
      CREATE SCHEMA rdv;
      CREATE TABLE rdv.hub_customer AS
        SELECT md5(customer_id::VARCHAR) AS customer_hk, customer_id, TIMESTAMP '2025-01-01' AS load_ts, 'crm' AS record_source
        FROM staging.customers;
      CREATE TABLE rdv.sat_customer AS
        SELECT md5(customer_id::VARCHAR) AS customer_hk, name, email, segment, country, signup_date,
               md5(concat_ws('|', name, email, segment, country)) AS hash_diff, TIMESTAMP '2025-01-01' AS load_ts
        FROM staging.customers;
      CREATE TABLE rdv.link_order_customer AS
        SELECT md5(order_id::VARCHAR || '|' || customer_id::VARCHAR) AS link_hk, md5(order_id::VARCHAR) AS order_hk,
               md5(customer_id::VARCHAR) AS customer_hk, order_id, amount, order_date, TIMESTAMP '2025-01-01' AS load_ts
        FROM staging.orders;`,
  },
  {
    label: 'bdv: customer value of the business data vault',
    schema: 'bdv',
    sql: `
      CREATE SCHEMA bdv;
      CREATE TABLE bdv.customer_value AS
        SELECT h.customer_hk, h.customer_id, s.segment, s.country, count(l.order_hk) AS orders,
               coalesce(sum(l.amount), 0) AS lifetime_value, max(l.order_date) AS last_order
        FROM rdv.hub_customer h
        JOIN rdv.sat_customer s USING (customer_hk)
        LEFT JOIN rdv.link_order_customer l USING (customer_hk)
        GROUP BY ALL;`,
  },
  {
    label: 'pl: top customers of the presentation layer',
    schema: 'pl',
    sql: `
      CREATE SCHEMA pl;
      CREATE TABLE pl.top_customers AS
        SELECT row_number() OVER (ORDER BY lifetime_value DESC, customer_id) AS rank, customer_id, segment, country, orders, lifetime_value
        FROM bdv.customer_value
        ORDER BY rank
        LIMIT 100;`,
  },
];

/** The clone the demo makes. */
export const DEMO_CLONE = 'squad_c_sprint42';
/** The customer whose row the demo changes in the clone. */
export const DEMO_CUSTOMER = 42;
