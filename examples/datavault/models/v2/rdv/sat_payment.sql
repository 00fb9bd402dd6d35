{{ config(materialized='incremental', unique_key='payment_hk', tags=['rdv', 'sat']) }}
-- Satellite: payments (source B) against orders, latest version of each payment.
select
  md5(cast(payment_id as varchar)) as payment_hk,
  md5(cast(order_id as varchar)) as order_hk,
  payment_id,
  paid_at,
  amount,
  method,
  load_date,
  'source_b' as record_source
from staging.payments_b
where payment_id is not null
{% if is_incremental() %}
  and load_date >= (select max(load_date) from {{ this }})
{% endif %}
qualify row_number() over (partition by payment_id order by load_date desc) = 1
