{#- One row per agent assignment (a group assignment fans out to one row per
    member), with its mapped areas, item counts and statuses as of var `as_of`. -#}
with

assignments as (
    select * from {{ ref('int_assignments_fanned_out') }}
),

tracked as (
    select * from {{ ref('int_assignments_tracked') }}
),

mapped_attributes as (
    select
        assignment_id,
        {{ ordered_list('attribute_id', ['attribute_position'], 'is_mapped') }} as attribute_ids
    from {{ ref('int_assignment_attributes_mapped') }}
    group by assignment_id
),

final as (
    select
        assignments.assignment_id,
        assignments.agent_assignment_id,
        assignments.parent_assignment_id,
        assignments.name,
        assignments.coaching_type,
        assignments.group_id,
        assignments.agent_id,
        coalesce(mapped_attributes.attribute_ids, {{ empty_string_list() }}) as attribute_ids,
        assignments.assigned_date,
        assignments.follow_up_date,
        tracked.interactions_n,
        tracked.interactions_reviewed_n,
        tracked.best_responses_n,
        tracked.best_responses_reviewed_n,
        tracked.status,
        tracked.agent_status,
        tracked.plan_status,
        assignments.target_score::double as target_score,
        assignments.target_date,
        assignments.feedback,
        assignments.action_plan,
        assignments.assigned_at,
        assignments.assigned_by,
        tracked.is_acknowledged,
        {{ as_of_date() }} as as_of_date
    from assignments
    inner join tracked using (assignment_id)
    left join mapped_attributes using (assignment_id)
)

select * from final
