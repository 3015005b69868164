{#- Each listed attribute (area) of each agent assignment, and whether it is
    mapped to the agent: a manual mark of the agent in it up to the
    assignment, or a score of the agent in it up to the assigned day. An area
    not mapped is removed from the assignment and listed as a warning. -#}
with

assignments as (
    select * from {{ ref('int_assignments_fanned_out') }}
),

events as (
    select * from {{ ref('stg_coaching_events') }}
),

attribute_days as (
    select agent_id, attribute_id, interaction_date from {{ ref('int_agent_attribute_days_aggregated') }}
),

listed_attributes as (
    select
        assignment_id,
        agent_id,
        assigned_at,
        assigned_date,
        unnest(listed_attribute_ids) as attribute_id,
        generate_subscripts(listed_attribute_ids, 1) as attribute_position
    from assignments
),

manual_marks as (
    select agent_id, unnest(attribute_ids) as attribute_id, occurred_at
    from events
    where event_type = 'mark_created'
),

mapped as (
    select
        listed_attributes.*,
        exists (
            select 1 from manual_marks
            where manual_marks.agent_id = listed_attributes.agent_id
                and manual_marks.attribute_id = listed_attributes.attribute_id
                and manual_marks.occurred_at <= listed_attributes.assigned_at
        ) as has_manual_mark,
        exists (
            select 1 from attribute_days
            where attribute_days.agent_id = listed_attributes.agent_id
                and attribute_days.attribute_id = listed_attributes.attribute_id
                and attribute_days.interaction_date <= listed_attributes.assigned_date
        ) as has_score
    from listed_attributes
),

final as (
    select
        assignment_id,
        agent_id,
        attribute_id,
        attribute_position,
        has_manual_mark,
        has_score,
        has_manual_mark or has_score as is_mapped
    from mapped
)

select * from final
