{{ config(materialized='view', tags=['pl']) }}
-- Presentation: one row per customer for reporting.
with latest as (
  select *
  from {{ ref('rdv.sat_customer') }}
  qualify row_number() over (partition by customer_hk order by load_date desc) = 1
)
select
  v.customer_id,
  l.name,
  l.country,
  v.orders,
  v.ordered_amount,
  v.paid_amount,
  v.ordered_amount - v.paid_amount as outstanding_amount
from {{ ref('bdv.customer_value') }} as v
join latest as l on l.customer_hk = v.customer_hk
