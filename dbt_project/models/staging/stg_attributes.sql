with

source as (
    select * from {{ source('raw', 'attributes') }}
),

renamed as (
    select
        attribute_id,
        name as attribute_name,
        {{ exact_score('target_score') }} as target_score,
        {{ exact_weight('coalesce(weight, 1.0)') }} as weight,
        coalesce(is_compliance, false) as is_compliance,
        coalesce(active, true) as is_active,
        updated_at,
        _ingested_at
    from source
),

latest as (
    select * from renamed
    {{ latest_wins(['attribute_id'], 'updated_at desc, _ingested_at desc') }}
),

final as (
    select * from latest
)

select * from final
