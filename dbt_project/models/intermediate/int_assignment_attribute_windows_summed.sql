{#- For each mapped area of each agent assignment, the at-assigned window
    (days A-7 .. A-1 of the assigned day A) and the current window (days
    D-6 .. D of as_of D) of the agent's Auto QA scores, as n, sum and sum of
    squares summed from the daily aggregates. -#}
with

mapped_attributes as (
    select * from {{ ref('int_assignment_attributes_mapped') }}
    where is_mapped
),

assignments as (
    select assignment_id, assigned_date from {{ ref('int_assignments_fanned_out') }}
),

attribute_days as (
    select * from {{ ref('int_agent_attribute_days_aggregated') }}
),

assignment_attributes as (
    select mapped_attributes.*, assignments.assigned_date
    from mapped_attributes
    inner join assignments using (assignment_id)
),

summed as (
    select
        assignment_attributes.assignment_id,
        assignment_attributes.agent_id,
        assignment_attributes.attribute_id,
        assignment_attributes.attribute_position,
        assignment_attributes.assigned_date,
        coalesce(sum(attribute_days.scores_n) filter (
            where {{ in_at_assigned_window('attribute_days.interaction_date', 'assignment_attributes.assigned_date') }}
        ), 0)::bigint as at_assigned_n,
        coalesce(sum(attribute_days.score_sum) filter (
            where {{ in_at_assigned_window('attribute_days.interaction_date', 'assignment_attributes.assigned_date') }}
        ), 0) as at_assigned_sum,
        coalesce(sum(attribute_days.score_sum_sq) filter (
            where {{ in_at_assigned_window('attribute_days.interaction_date', 'assignment_attributes.assigned_date') }}
        ), 0) as at_assigned_sum_sq,
        coalesce(sum(attribute_days.scores_n) filter (
            where {{ in_current_window('attribute_days.interaction_date') }}
        ), 0)::bigint as current_n,
        coalesce(sum(attribute_days.score_sum) filter (
            where {{ in_current_window('attribute_days.interaction_date') }}
        ), 0) as current_sum,
        coalesce(sum(attribute_days.score_sum_sq) filter (
            where {{ in_current_window('attribute_days.interaction_date') }}
        ), 0) as current_sum_sq
    from assignment_attributes
    left join attribute_days
        on attribute_days.agent_id = assignment_attributes.agent_id
        and attribute_days.attribute_id = assignment_attributes.attribute_id
        and (
            {{ in_at_assigned_window('attribute_days.interaction_date', 'assignment_attributes.assigned_date') }}
            or {{ in_current_window('attribute_days.interaction_date') }}
        )
    group by all
),

final as (
    select * from summed
)

select * from final
