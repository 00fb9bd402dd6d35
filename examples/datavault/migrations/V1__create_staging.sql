-- The landing tables the pipes load (one row per file line, with the file's load date).
CREATE SCHEMA IF NOT EXISTS staging;

CREATE TABLE staging.customers_a (
  customer_id BIGINT,
  name VARCHAR,
  email VARCHAR,
  country VARCHAR,
  signup_date DATE,
  load_date DATE
);

CREATE TABLE staging.orders_a (
  order_id BIGINT,
  customer_id BIGINT,
  order_date DATE,
  amount DECIMAL(12, 2),
  status VARCHAR,
  load_date DATE
);

CREATE TABLE staging.payments_b (
  payment_id BIGINT,
  order_id BIGINT,
  paid_at TIMESTAMP,
  amount DECIMAL(12, 2),
  method VARCHAR,
  load_date DATE
);
