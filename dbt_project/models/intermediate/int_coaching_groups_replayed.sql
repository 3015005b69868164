{#- Coaching groups as of var `as_of` from the coaching events the workflow
    accepted: a group_created the marks asset refused (a duplicate pending
    name) makes no group, a refused member event no member, a refused group
    assignment no dispatch. -#}
with

{{ accepted_coaching_events() }},

created as (
    select
        group_id,
        name,
        description,
        {{ list_unique('coalesce(attribute_ids, ' ~ empty_string_list() ~ ')') }} as attribute_ids,
        occurred_at as created_at
    from events
    where event_type = 'group_created'
    -- a group id created twice: the later creation replaces the group, as
    -- the marks asset's replay does
    {{ latest_wins(['group_id'], 'occurred_at desc, event_id desc') }}
),

latest_memberships as (
    select group_id, agent_id, event_type
    from events
    where event_type in ('group_member_added', 'group_member_removed')
    {{ latest_wins(['group_id', 'agent_id'], 'occurred_at desc, event_id desc') }}
),

members as (
    select
        group_id,
        {{ ordered_list('agent_id', ['agent_id']) }} as agent_ids
    from latest_memberships
    where event_type = 'group_member_added'
    group by group_id
),

dispatches as (
    select
        group_id,
        min(occurred_at) as dispatched_at
    from events
    where event_type = 'assignment_created' and group_id is not null
    group by group_id
),

final as (
    select
        created.group_id,
        created.name,
        created.description,
        created.attribute_ids,
        coalesce(members.agent_ids, {{ empty_string_list() }}) as agent_ids,
        created.created_at,
        dispatches.dispatched_at
    from created
    left join members using (group_id)
    left join dispatches
        on dispatches.group_id = created.group_id
        and dispatches.dispatched_at >= created.created_at
)

select * from final
