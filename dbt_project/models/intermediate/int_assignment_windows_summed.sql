{#- For each agent assignment, the at-assigned and current windows of the
    agent's interaction-level Kore Evaluation Score and Agent Scorecard score,
    as n, sum and sum of squares summed from the daily aggregates. -#}
with

assignments as (
    select assignment_id, agent_id, assigned_date from {{ ref('int_assignments_fanned_out') }}
),

agent_days as (
    select * from {{ ref('int_agent_days_aggregated') }}
),

{%- set at_assigned = in_at_assigned_window('agent_days.interaction_date', 'assignments.assigned_date') %}
{%- set current = in_current_window('agent_days.interaction_date') %}

summed as (
    select
        assignments.assignment_id,
        assignments.agent_id,
        {%- for measure in ['kore', 'scorecard'] %}
        {%- for window, condition in [('at_assigned', at_assigned), ('current', current)] %}
        coalesce(sum(agent_days.{{ measure }}_n) filter (where {{ condition }}), 0)::bigint
            as {{ measure }}_{{ window }}_n,
        coalesce(sum(agent_days.{{ measure }}_sum) filter (where {{ condition }}), 0)
            as {{ measure }}_{{ window }}_sum,
        coalesce(sum(agent_days.{{ measure }}_sum_sq) filter (where {{ condition }}), 0)
            as {{ measure }}_{{ window }}_sum_sq{{ ',' if not (loop.last and measure == 'scorecard') }}
        {%- endfor %}
        {%- endfor %}
    from assignments
    left join agent_days
        on agent_days.agent_id = assignments.agent_id
        and ({{ at_assigned }} or {{ current }})
    group by assignments.assignment_id, assignments.agent_id
),

final as (
    select * from summed
)

select * from final
