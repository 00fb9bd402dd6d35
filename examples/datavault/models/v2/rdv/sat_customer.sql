{{ config(materialized='incremental', strategy='append', tags=['rdv', 'sat']) }}
-- Satellite: a row per change of a customer's descriptive attributes (by hash diff).
with versions as (
  select
    md5(cast(customer_id as varchar)) as customer_hk,
    md5(concat_ws('|', name, email, country, cast(signup_date as varchar))) as hashdiff,
    name,
    email,
    country,
    signup_date,
    min(load_date) as load_date,
    'source_a' as record_source
  from staging.customers_a
  where customer_id is not null
  group by all
)
select v.*
from versions as v
join {{ ref('rdv.hub_customer') }} as h on h.customer_hk = v.customer_hk
{% if is_incremental() %}
where not exists (
  select 1 from {{ this }} as s where s.customer_hk = v.customer_hk and s.hashdiff = v.hashdiff
)
{% endif %}
