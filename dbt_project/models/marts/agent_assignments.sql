{#- The agent-facing projection of coaching_assignments: no group columns,
    and the status in the agent's words. -#}
with

coaching_assignments as (
    select * from {{ ref('coaching_assignments') }}
),

final as (
    select
        assignment_id,
        name,
        agent_id,
        attribute_ids,
        assigned_date,
        follow_up_date,
        interactions_n,
        interactions_reviewed_n,
        best_responses_n,
        best_responses_reviewed_n,
        agent_status,
        plan_status,
        target_score,
        target_date,
        feedback,
        action_plan,
        is_acknowledged,
        as_of_date
    from coaching_assignments
)

select * from final
