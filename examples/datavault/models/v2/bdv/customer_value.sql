{{ config(materialized='table', tags=['bdv']) }}
-- Business vault: what each customer ordered and paid, over the raw vault.
with orders as (
  select l.customer_hk, s.order_hk, s.amount, s.status
  from {{ ref('rdv.link_customer_order') }} as l
  join {{ ref('rdv.sat_order') }} as s on s.order_hk = l.order_hk
),
paid as (
  select order_hk, sum(amount) as paid
  from {{ ref('rdv.sat_payment') }}
  group by order_hk
)
select
  h.customer_hk,
  h.customer_id,
  count(o.order_hk) filter (where o.status <> 'cancelled') as orders,
  coalesce(sum(o.amount) filter (where o.status <> 'cancelled'), 0) as ordered_amount,
  coalesce(sum(p.paid) filter (where o.status <> 'cancelled'), 0) as paid_amount
from {{ ref('rdv.hub_customer') }} as h
left join orders as o on o.customer_hk = h.customer_hk
left join paid as p on p.order_hk = o.order_hk
group by h.customer_hk, h.customer_id
