{#- Did coaching work, beyond the drift every agent shares? Per attribute,
    over the coached areas of assignments made at least var
    `effectiveness_min_days` days before as_of with scores in both windows:
    the mean change (coaching_progress), the share that improved, how long
    reaching the target took, the same change for teammates never coached on
    the attribute over the same windows (the control), and the agents that
    plateau. Windows are sums over the daily aggregates. -#}
with

progress as (
    select assignment_id, agent_id, attribute_id, delta, n_at_assigned, n_current
    from {{ ref('coaching_progress') }}
),

assignments as (
    select assignment_id, assigned_date from {{ ref('coaching_assignments') }}
),

agents as (
    select agent_id, team from {{ ref('stg_agents') }}
),

attributes as (
    select attribute_id, target_score from {{ ref('stg_attributes') }}
),

attribute_days as not materialized (
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

-- the first day on or after the assigned day whose daily score reached the
-- attribute's target
target_reached as (
    select
        coached.assignment_id,
        coached.attribute_id,
        min(attribute_days.interaction_date) - coached.assigned_date as days_to_target
    from coached
    inner join attributes using (attribute_id)
    inner join attribute_days
        on attribute_days.agent_id = coached.agent_id
        and attribute_days.attribute_id = coached.attribute_id
        and attribute_days.interaction_date >= coached.assigned_date
    where {{ mean_at_or_above('attribute_days.score_sum', 'attribute_days.scores_n', 'attributes.target_score') }}
    group by coached.assignment_id, coached.attribute_id, coached.assigned_date
),

coached_outcomes as (
    select
        coached.*,
        target_reached.days_to_target,
        control_deltas.control_delta,
        control_deltas.control_agents_n
    from coached
    left join target_reached using (assignment_id, attribute_id)
    left join control_deltas using (team, attribute_id, assigned_date)
),

-- coached twice or more on the attribute, and no assignment improved it
plateaus as (
    select attribute_id, agent_id
    from coached_outcomes
    group by attribute_id, agent_id
    having count(*) >= 2 and bool_and(delta <= 0)
),

plateau_lists as (
    select attribute_id, list(agent_id order by agent_id) as plateau_agent_ids
    from plateaus
    group by attribute_id
),

summarised as (
    select
        attribute_id,
        count(*) as assignments_n,
        count(distinct agent_id) as agents_n,
        avg(delta) as avg_delta,
        avg(case when delta > 0 then 1.0 else 0.0 end) as improved_share,
        count(days_to_target) as reached_target_n,
        median(days_to_target) as median_days_to_target,
        avg(control_delta) as control_delta,
        count(control_delta) as controlled_n
    from coached_outcomes
    group by attribute_id
),

final as (
    select
        summarised.attribute_id,
        summarised.assignments_n,
        summarised.agents_n,
        summarised.avg_delta,
        summarised.improved_share,
        summarised.reached_target_n,
        summarised.median_days_to_target::double as median_days_to_target,
        summarised.control_delta,
        summarised.controlled_n,
        summarised.avg_delta - summarised.control_delta as net_effect,
        len(coalesce(plateau_lists.plateau_agent_ids, []::varchar[]))::bigint as plateau_agents_n,
        coalesce(plateau_lists.plateau_agent_ids, []::varchar[]) as plateau_agent_ids,
        {{ as_of_date() }} as as_of_date
    from summarised
    left join plateau_lists using (attribute_id)
)

select * from final
