{#- The supervisor's monitor: per agent assignment, the agent's overall Agent
    Scorecard score and Kore Evaluation Score at assignment (days A-7 .. A-1)
    and now (days D-6 .. D), their trends, and the assignment status. -#}
with

assignments as (
    select * from {{ ref('coaching_assignments') }}
),

windows as (
    select * from {{ ref('int_assignment_windows_summed') }}
),

agents as (
    select agent_id, agent_name, team, experience_level from {{ ref('stg_agents') }}
),

scored as (
    select
        windows.assignment_id,
        {%- for measure in ['scorecard', 'kore'] %}
        {{ mean_from_sums('windows.' ~ measure ~ '_at_assigned_sum', 'windows.' ~ measure ~ '_at_assigned_n') }}
            as {{ measure }}_at_assigned,
        windows.{{ measure }}_at_assigned_n,
        {{ mean_from_sums('windows.' ~ measure ~ '_current_sum', 'windows.' ~ measure ~ '_current_n') }}
            as {{ measure }}_current,
        windows.{{ measure }}_current_n{{ ',' if not loop.last }}
        {%- endfor %}
    from windows
),

final as (
    select
        assignments.assignment_id,
        assignments.name,
        assignments.coaching_type,
        assignments.agent_id,
        agents.agent_name,
        agents.team,
        assignments.assigned_date,
        assignments.follow_up_date,
        assignments.attribute_ids,
        scored.scorecard_at_assigned as scorecard_score_at_assigned,
        scored.scorecard_current as scorecard_score_current,
        {{ trend(
            'scored.scorecard_current - scored.scorecard_at_assigned',
            'scored.scorecard_at_assigned_n',
            'scored.scorecard_current_n'
        ) }} as scorecard_trend,
        scored.kore_at_assigned as evaluation_score_at_assigned,
        scored.kore_current as evaluation_score_current,
        {{ trend(
            'scored.kore_current - scored.kore_at_assigned',
            'scored.kore_at_assigned_n',
            'scored.kore_current_n'
        ) }} as evaluation_trend,
        assignments.status,
        assignments.as_of_date,
        scored.scorecard_at_assigned_n as scorecard_n_at_assigned,
        scored.scorecard_current_n as scorecard_n_current,
        scored.kore_at_assigned_n as evaluation_n_at_assigned,
        scored.kore_current_n as evaluation_n_current,
        assignments.parent_assignment_id,
        assignments.plan_status,
        coalesce(assignments.follow_up_date <= assignments.as_of_date, false)
            and assignments.status <> 'Completed' as follow_up_due,
        agents.experience_level
    from assignments
    inner join scored using (assignment_id)
    left join agents using (agent_id)
)

select * from final
