{#- Coaching events the workflow refused (empty before the marks asset's
    first run). -#}
with

source as (
    select * from {{ source_or_empty('coaching', 'refused_events', {
        'event_id': 'varchar',
        'event_type': 'varchar',
        'occurred_at': 'timestamptz',
        'agent_id': 'varchar',
        'attribute_id': 'varchar',
        'reason': 'varchar',
    }) }}
),

renamed as (
    select
        event_id,
        event_type,
        occurred_at,
        agent_id,
        attribute_id,
        reason
    from source
),

final as (
    select * from renamed
)

select * from final
