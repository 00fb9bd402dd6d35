{{ config(materialized='incremental', strategy='append', tags=['rdv', 'link']) }}
-- Link: which customer placed which order.
with pairs as (
  select
    md5(cast(customer_id as varchar) || '|' || cast(order_id as varchar)) as customer_order_hk,
    md5(cast(customer_id as varchar)) as customer_hk,
    md5(cast(order_id as varchar)) as order_hk,
    min(load_date) as load_date,
    'source_a' as record_source
  from staging.orders_a
  where customer_id is not null and order_id is not null
  group by customer_id, order_id
)
select p.customer_order_hk, p.customer_hk, p.order_hk, p.load_date, p.record_source
from pairs as p
-- Only keys the hubs know (the refs also order the run: hubs first).
join {{ ref('rdv.hub_customer') }} as c on c.customer_hk = p.customer_hk
join {{ ref('rdv.hub_order') }} as o on o.order_hk = p.order_hk
{% if is_incremental() %}
where p.customer_order_hk not in (select customer_order_hk from {{ this }})
{% endif %}
