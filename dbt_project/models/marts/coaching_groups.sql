{#- Coaching groups (DESIGN.md section 6): members, areas, the conversations
    an assignment would carry and whether it can be made. -#}
with

groups as (
    select * from {{ ref('int_coaching_groups_replayed') }}
),

live_marks as (
    select agent_id, attribute_id, interaction_ids
    from {{ ref('stg_coaching_marks') }}
    where state in ('open', 'grouped')
),

group_areas as (
    select
        groups.group_id,
        {{ unnest_list('groups.agent_ids', 'agent_id') }},
        groups.attribute_ids
    from groups
),

conversations as (
    select
        group_areas.group_id,
        count(distinct conversation.interaction_id) as conversations_n
    from group_areas
    inner join live_marks
        on live_marks.agent_id = group_areas.agent_id
        and array_contains(group_areas.attribute_ids, live_marks.attribute_id)
    {{ join_unnested('live_marks.interaction_ids', 'conversation', 'interaction_id') }}
    group by group_areas.group_id
),

final as (
    select
        groups.group_id,
        groups.name,
        groups.description,
        groups.attribute_ids,
        groups.agent_ids,
        {{ list_length('groups.agent_ids') }}::bigint as agents_n,
        coalesce(conversations.conversations_n, 0)::bigint as conversations_n,
        coalesce(conversations.conversations_n, 0) > 0 as assign_enabled,
        case when groups.dispatched_at is null then 'pending' else 'dispatched' end as state,
        groups.created_at,
        groups.dispatched_at,
        {{ as_of_date() }} as as_of_date
    from groups
    left join conversations using (group_id)
)

select * from final
