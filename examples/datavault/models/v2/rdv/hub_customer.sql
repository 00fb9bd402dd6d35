{{ config(materialized='incremental', strategy='append', tags=['rdv', 'hub']) }}
-- Hub: one row per customer business key, from the day it was first seen.
with business_keys as (
  select
    md5(cast(customer_id as varchar)) as customer_hk,
    customer_id,
    min(load_date) as load_date,
    'source_a' as record_source
  from staging.customers_a
  where customer_id is not null
  group by customer_id
)
select customer_hk, customer_id, load_date, record_source
from business_keys
{% if is_incremental() %}
where customer_hk not in (select customer_hk from {{ this }})
{% endif %}
