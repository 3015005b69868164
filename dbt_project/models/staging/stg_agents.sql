with

source as (
    select * from {{ source('raw', 'agents') }}
),

renamed as (
    select
        agent_id,
        name as agent_name,
        team,
        supervisor_id,
        experience_level,
        coalesce(active, true) as is_active,
        updated_at,
        _ingested_at
    from source
),

latest as (
    select * from renamed
    {{ latest_wins(['agent_id'], 'updated_at desc, _ingested_at desc') }}
),

final as (
    select * from latest
)

select * from final
