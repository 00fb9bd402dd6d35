{{ config(materialized='view', tags=['pl']) }}
-- Presentation, V2: adds a value segment and the customer's signup date.
with latest as (
  select *
  from {{ ref('rdv.sat_customer') }}
  qualify row_number() over (partition by customer_hk order by load_date desc) = 1
)
select
  v.customer_id,
  l.name,
  l.country,
  l.signup_date,
  v.orders,
  v.ordered_amount,
  v.paid_amount,
  v.ordered_amount - v.paid_amount as outstanding_amount,
  case
    when v.ordered_amount >= 1000 then 'gold'
    when v.ordered_amount >= 250 then 'silver'
    else 'bronze'
  end as value_segment
from {{ ref('bdv.customer_value') }} as v
join latest as l on l.customer_hk = v.customer_hk
