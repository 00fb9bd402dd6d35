{{ config(materialized='incremental', strategy='append', tags=['rdv', 'hub']) }}
-- Hub: one row per order business key.
with business_keys as (
  select
    md5(cast(order_id as varchar)) as order_hk,
    order_id,
    min(load_date) as load_date,
    'source_a' as record_source
  from staging.orders_a
  where order_id is not null
  group by order_id
)
select order_hk, order_id, load_date, record_source
from business_keys
{% if is_incremental() %}
where order_hk not in (select order_hk from {{ this }})
{% endif %}
