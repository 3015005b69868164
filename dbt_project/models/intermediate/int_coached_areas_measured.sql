{#- The coached areas that coaching_effectiveness counts, each measured: the
    coaching_progress rows (agent assignment x attribute) of assignments made
    at least var `effectiveness_min_days` days before as_of, with scores in
    both windows. Per area: the change (delta), the days it took to reach the
    attribute's target (DESIGN.md section 3, Days to target), the same
    change for teammates never coached on the attribute over the same windows
    (the control), and what the breakdowns split on: the coaching type and
    whether the agent completed the assignment. Windows are sums over the
    daily aggregates. -#}
{%- set min_samples = var('min_samples') | int -%}
with

progress as (
    select assignment_id, agent_id, attribute_id, delta, n_at_assigned, n_current
    from {{ ref('coaching_progress') }}
),

assignments as (
    select
        assignment_id,
        assigned_date,
        coaching_type,
        interactions_n + best_responses_n as items_n,
        interactions_reviewed_n + best_responses_reviewed_n as reviewed_n
    from {{ ref('coaching_assignments') }}
),

agents as (
    select agent_id, team from {{ ref('stg_agents') }}
),

attributes as (
    select attribute_id, target_score from {{ ref('stg_attributes') }}
),

attribute_days as {{ not_materialized() }} (
    select agent_id, attribute_id, interaction_date, scores_n, score_sum
    from {{ ref('int_agent_attribute_days_aggregated') }}
    where interaction_date <= {{ as_of_date() }}
),

coached as (
    select
        progress.assignment_id,
        progress.agent_id,
        progress.attribute_id,
        progress.delta,
        assignments.assigned_date,
        assignments.coaching_type,
        -- the agent reviewed every item (whatever an Accept & Dispute review
        -- makes of the status)
        assignments.items_n > 0 and assignments.reviewed_n = assignments.items_n as is_completed,
        agents.team
    from progress
    inner join assignments using (assignment_id)
    left join agents using (agent_id)
    where assignments.assigned_date <= {{ as_of_date() }} - {{ var('effectiveness_min_days') | int }}
        and progress.n_at_assigned > 0
        and progress.n_current > 0
),

-- every agent coached on an attribute up to as_of, whatever the windows
ever_coached as (
    select distinct agent_id, attribute_id from progress
),

control_windows as (
    select distinct team, attribute_id, assigned_date from coached
),

control_agents as (
    select control_windows.*, agents.agent_id
    from control_windows
    inner join agents using (team)
    anti join ever_coached
        on ever_coached.agent_id = agents.agent_id
        and ever_coached.attribute_id = control_windows.attribute_id
),

control_agent_deltas as (
    select
        control_agents.team,
        control_agents.attribute_id,
        control_agents.assigned_date,
        control_agents.agent_id,
        {{ mean_from_sums(
            'sum(attribute_days.score_sum) filter (where ' ~ in_current_window('attribute_days.interaction_date') ~ ')',
            'sum(attribute_days.scores_n) filter (where ' ~ in_current_window('attribute_days.interaction_date') ~ ')'
        ) }}
        - {{ mean_from_sums(
            'sum(attribute_days.score_sum) filter (where ' ~ in_at_assigned_window('attribute_days.interaction_date', 'control_agents.assigned_date') ~ ')',
            'sum(attribute_days.scores_n) filter (where ' ~ in_at_assigned_window('attribute_days.interaction_date', 'control_agents.assigned_date') ~ ')'
        ) }} as delta
    from control_agents
    inner join attribute_days
        on attribute_days.agent_id = control_agents.agent_id
        and attribute_days.attribute_id = control_agents.attribute_id
        and (
            {{ in_at_assigned_window('attribute_days.interaction_date', 'control_agents.assigned_date') }}
            or {{ in_current_window('attribute_days.interaction_date') }}
        )
    group by all
),

control_deltas as (
    select
        team,
        attribute_id,
        assigned_date,
        avg(delta) as control_delta,
        count(delta) as control_agents_n
    from control_agent_deltas
    group by team, attribute_id, assigned_date
),

-- Days to target: the first day d >= A + 1 (up to as_of) whose trailing
-- window d-6 .. d has n >= min_samples and a mean at or above target. A
-- window's content changes only on a day with scores (they enter) or 7 days
-- after one (they leave), so the first such d is A + 1 or one of those days.
candidate_days as (
    select assignment_id, attribute_id, agent_id, assigned_date, assigned_date + 1 as day
    from coached
    union
    select
        coached.assignment_id,
        coached.attribute_id,
        coached.agent_id,
        coached.assigned_date,
        attribute_days.interaction_date + shift.days as day
    from coached
    inner join attribute_days
        on attribute_days.agent_id = coached.agent_id
        and attribute_days.attribute_id = coached.attribute_id
        and attribute_days.interaction_date >= coached.assigned_date - 6
    cross join (values (0), (7)) as shift(days)
),

candidate_windows as (
    select
        candidate_days.assignment_id,
        candidate_days.attribute_id,
        candidate_days.assigned_date,
        candidate_days.day,
        sum(attribute_days.scores_n) as window_n,
        sum(attribute_days.score_sum) as window_sum
    from candidate_days
    inner join attribute_days
        on attribute_days.agent_id = candidate_days.agent_id
        and attribute_days.attribute_id = candidate_days.attribute_id
        and attribute_days.interaction_date between candidate_days.day - 6 and candidate_days.day
    where candidate_days.day between candidate_days.assigned_date + 1 and {{ as_of_date() }}
    group by all
),

target_reached as (
    select
        candidate_windows.assignment_id,
        candidate_windows.attribute_id,
        {{ days_between('candidate_windows.assigned_date', 'min(candidate_windows.day)') }} as days_to_target
    from candidate_windows
    inner join attributes using (attribute_id)
    where candidate_windows.window_n >= {{ min_samples }}
        and {{ mean_at_or_above('candidate_windows.window_sum', 'candidate_windows.window_n', 'attributes.target_score') }}
    group by candidate_windows.assignment_id, candidate_windows.attribute_id, candidate_windows.assigned_date
),

final as (
    select
        coached.assignment_id,
        coached.agent_id,
        coached.attribute_id,
        coached.team,
        coached.assigned_date,
        coached.coaching_type,
        coached.is_completed,
        coached.delta,
        target_reached.days_to_target,
        control_deltas.control_delta,
        control_deltas.control_agents_n
    from coached
    left join target_reached using (assignment_id, attribute_id)
    left join control_deltas using (team, attribute_id, assigned_date)
)

select * from final
