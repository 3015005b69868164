{#- Meeting notes on agent assignments (note_added events up to var `as_of`),
    one row per note and agent assignment it reaches. A note on a group
    assignment reaches every member's share of it; a note on one agent
    assignment (an individual one, or a member's share) reaches that one.
    A note an agent wrote reaches only that agent: to the other members its
    author would be another agent. The assignment is named by its
    agent-facing id, so the agent's own view of the notes shows no group. -#}
with

{{ accepted_coaching_events() }},

notes as (
    select event_id, assignment_id, occurred_at, occurred_date, actor_id, note
    from events
    where event_type = 'note_added'
),

assignments as (
    select assignment_id, agent_assignment_id, parent_assignment_id, agent_id
    from {{ ref('int_assignments_fanned_out') }}
),

agents as (
    select agent_id from {{ ref('stg_agents') }}
),

-- two equality joins rather than one join on either id
reached as (
    select notes.*, assignments.agent_assignment_id, assignments.agent_id
    from notes
    inner join assignments on assignments.assignment_id = notes.assignment_id
    union all
    select notes.*, assignments.agent_assignment_id, assignments.agent_id
    from notes
    inner join assignments on assignments.parent_assignment_id = notes.assignment_id
),

final as (
    select
        reached.event_id as note_id,
        reached.agent_assignment_id as assignment_id,
        reached.agent_id,
        reached.occurred_at,
        reached.occurred_date,
        reached.actor_id,
        reached.note,
        {{ as_of_date() }} as as_of_date
    from reached
    anti join agents
        on agents.agent_id = reached.actor_id
        and agents.agent_id <> reached.agent_id
)

select * from final
