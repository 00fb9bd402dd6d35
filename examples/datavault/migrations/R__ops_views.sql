-- Operational views over staging: re-applied whenever this file changes.
CREATE SCHEMA IF NOT EXISTS ops;

CREATE OR REPLACE VIEW ops.staging_freshness AS
SELECT 'staging.customers_a' AS table_name, count(*) AS row_count, max(load_date) AS last_load_date FROM staging.customers_a
UNION ALL
SELECT 'staging.orders_a', count(*), max(load_date) FROM staging.orders_a
UNION ALL
SELECT 'staging.payments_b', count(*), max(load_date) FROM staging.payments_b;
