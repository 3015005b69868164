with

source as (
    select * from {{ source('raw', 'evaluation_reviews') }}
),

renamed as (
    select
        event_id,
        evaluation_id,
        event_type,
        actor_id,
        occurred_at,
        {{ local_date('occurred_at') }} as occurred_date,
        disputed_attribute_ids,
        comment,
        _ingested_at
    from source
),

final as (
    select * from renamed
)

select * from final
