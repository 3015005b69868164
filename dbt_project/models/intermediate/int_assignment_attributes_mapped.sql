{#- Each listed attribute (area) of each agent assignment, and whether it is
    mapped to the agent (DESIGN.md section 6, Dispatch): a mark of the agent in
    it (any source) raised up to the assignment, or a score of the agent in it
    up to the assigned day. An area not mapped is removed from the assignment
    and listed as a warning. -#}
with

assignments as (
    select * from {{ ref('int_assignments_fanned_out') }}
),

marks as (
    select agent_id, attribute_id, raised_at from {{ ref('stg_coaching_marks') }}
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
        {{ unnest_list_with_position('listed_attribute_ids', 'attribute_id', 'attribute_position') }}
    from assignments
),

mapped as (
    select
        listed_attributes.*,
        exists (
            select 1 from marks
            where marks.agent_id = listed_attributes.agent_id
                and marks.attribute_id = listed_attributes.attribute_id
                and marks.raised_at <= listed_attributes.assigned_at
        ) as has_mark,
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
        has_mark,
        has_score,
        has_mark or has_score as is_mapped
    from mapped
)

select * from final
