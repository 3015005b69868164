{#- One row per agent assignment as of var `as_of`: an individual assignment
    as created, a group assignment fanned out to one row per member of the
    group at the time it was created. Deleted assignments are left out, and so
    are the events the coaching workflow refused (a group assignment with no
    pending group or no conversations, a member event of an unknown or
    dispatched group): they never took effect. A member's assignment_id is
    `<group assignment_id>:<agent_id>`.

    agent_assignment_id is the id the agent sees: `ca-` and the first 16 hex
    digits of the md5 of assignment_id. It is the same on every build, and it
    does not carry a group assignment's id; it has one form for individual
    and group assignments alike, so its form does not tell them apart. -#}
with

{{ accepted_coaching_events() }},

created as (
    select * from events
    where event_type = 'assignment_created'
    -- a re-sent creation does not move the assigned date: the first one counts
    {{ latest_wins(['assignment_id'], 'occurred_at, event_id') }}
),

deleted as (
    select distinct assignment_id from events
    where event_type = 'assignment_deleted'
),

membership_events as (
    select group_id, agent_id, event_type, occurred_at, event_id from events
    where event_type in ('group_member_added', 'group_member_removed')
),

latest_memberships as (
    select
        created.assignment_id,
        membership_events.agent_id,
        membership_events.event_type
    from created
    inner join membership_events
        on membership_events.group_id = created.group_id
        and membership_events.occurred_at <= created.occurred_at
    {{ latest_wins(
        ['created.assignment_id', 'membership_events.agent_id'],
        'membership_events.occurred_at desc, membership_events.event_id desc'
    ) }}
),

individual_assignments as (
    select
        created.assignment_id,
        null::string as parent_assignment_id,
        'Individual' as coaching_type,
        null::string as group_id,
        created.agent_id,
        created.* {{ star_except(['assignment_id', 'group_id', 'agent_id']) }}
    from created
    where created.agent_id is not null
),

group_assignments as (
    select
        created.assignment_id || ':' || latest_memberships.agent_id as assignment_id,
        created.assignment_id as parent_assignment_id,
        'Group' as coaching_type,
        created.group_id,
        latest_memberships.agent_id,
        created.* {{ star_except(['assignment_id', 'group_id', 'agent_id']) }}
    from created
    inner join latest_memberships
        on latest_memberships.assignment_id = created.assignment_id
        and latest_memberships.event_type = 'group_member_added'
    where created.group_id is not null
),

fanned_out as (
    select * from individual_assignments
    union all
    select * from group_assignments
),

final as (
    select
        fanned_out.assignment_id,
        'ca-' || left(md5(fanned_out.assignment_id), 16) as agent_assignment_id,
        fanned_out.parent_assignment_id,
        fanned_out.name,
        fanned_out.coaching_type,
        fanned_out.group_id,
        fanned_out.agent_id,
        {{ list_unique('fanned_out.attribute_ids') }} as listed_attribute_ids,
        {{ list_unique('coalesce(fanned_out.interaction_ids, ' ~ empty_string_list() ~ ')') }} as listed_interaction_ids,
        {{ list_unique('coalesce(fanned_out.best_response_interaction_ids, ' ~ empty_string_list() ~ ')') }}
            as best_response_interaction_ids,
        fanned_out.feedback,
        fanned_out.action_plan,
        fanned_out.follow_up_date,
        fanned_out.target_score,
        fanned_out.target_date,
        fanned_out.agent_facing_name,
        fanned_out.occurred_at as assigned_at,
        fanned_out.occurred_date as assigned_date,
        fanned_out.actor_id as assigned_by
    from fanned_out
    where not exists (
        select 1 from deleted
        where deleted.assignment_id in (fanned_out.assignment_id, fanned_out.parent_assignment_id)
    )
)

select * from final
