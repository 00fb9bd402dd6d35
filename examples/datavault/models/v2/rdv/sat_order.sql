{{ config(materialized='incremental', unique_key='order_hk', tags=['rdv', 'sat']) }}
-- Satellite: an order's latest state (status and amount change over time; merged on the key).
select
  md5(cast(order_id as varchar)) as order_hk,
  order_date,
  amount,
  status,
  load_date,
  'source_a' as record_source
from staging.orders_a
where order_id is not null
{% if is_incremental() %}
  and load_date >= (select max(load_date) from {{ this }})
{% endif %}
qualify row_number() over (partition by order_id order by load_date desc) = 1
