{#- The agent-facing projection of coaching_assignments: nothing in it
    reveals a group. No group column, the agent-facing id (which does not
    carry the group assignment's id), the status in the agent's words, and a
    group assignment named after what it coaches: its areas' names +
    " coaching", unless assignment_created gave an agent_facing_name. -#}
with

coaching_assignments as (
    select * from {{ ref('coaching_assignments') }}
),

assignments as (
    select assignment_id, agent_facing_name from {{ ref('int_assignments_fanned_out') }}
),

listed_areas as (
    select * from {{ ref('int_assignment_attributes_mapped') }}
),

attributes as (
    select attribute_id, attribute_name from {{ ref('stg_attributes') }}
),

-- a group assignment's areas by name, in the assignment's order: those mapped
-- to the agent, else (none is) the listed ones
area_names as (
    select
        listed_areas.assignment_id,
        coalesce(
            {{ ordered_string_agg(
                'coalesce(attributes.attribute_name, listed_areas.attribute_id)', "' & '",
                ['listed_areas.attribute_position'], 'listed_areas.is_mapped'
            ) }},
            {{ ordered_string_agg(
                'coalesce(attributes.attribute_name, listed_areas.attribute_id)', "' & '",
                ['listed_areas.attribute_position']
            ) }}
        ) || ' coaching' as area_name
    from listed_areas
    left join attributes using (attribute_id)
    group by listed_areas.assignment_id
),

final as (
    select
        coaching_assignments.agent_assignment_id as assignment_id,
        coalesce(
            assignments.agent_facing_name,
            case when coaching_assignments.coaching_type = 'Group' then area_names.area_name end,
            coaching_assignments.name
        ) as name,
        coaching_assignments.agent_id,
        coaching_assignments.attribute_ids,
        coaching_assignments.assigned_date,
        coaching_assignments.follow_up_date,
        coaching_assignments.interactions_n,
        coaching_assignments.interactions_reviewed_n,
        coaching_assignments.best_responses_n,
        coaching_assignments.best_responses_reviewed_n,
        coaching_assignments.agent_status,
        coaching_assignments.plan_status,
        coaching_assignments.target_score,
        coaching_assignments.target_date,
        coaching_assignments.feedback,
        coaching_assignments.action_plan,
        coaching_assignments.is_acknowledged,
        coaching_assignments.as_of_date
    from coaching_assignments
    inner join assignments using (assignment_id)
    left join area_names using (assignment_id)
)

select * from final
