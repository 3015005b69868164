with

source as (
    select * from {{ source('raw', 'coaching_events') }}
),

renamed as (
    select
        event_id,
        event_type,
        occurred_at,
        {{ local_date('occurred_at') }} as occurred_date,
        actor_id,
        agent_id,
        group_id,
        assignment_id,
        attribute_id,
        attribute_ids,
        interaction_id,
        interaction_ids,
        best_response_interaction_ids,
        name,
        description,
        feedback,
        action_plan,
        follow_up_date,
        {{ exact_score('target_score') }} as target_score,
        target_date,
        agent_facing_name,
        note,
        _ingested_at
    from source
),

final as (
    select * from renamed
)

select * from final
