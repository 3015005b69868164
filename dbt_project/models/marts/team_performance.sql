{#- Each team's attribute scores over the current window (days D-6 .. D),
    with the agents whose own mean lies more than 2 standard deviations from
    their teammates' means. -#}
with

attribute_days as (
    select * from {{ ref('int_agent_attribute_days_aggregated') }}
    where {{ in_current_window('interaction_date') }}
),

agents as (
    select agent_id, team from {{ ref('stg_agents') }}
),

agent_windows as (
    select
        agents.team,
        attribute_days.agent_id,
        attribute_days.attribute_id,
        sum(attribute_days.scores_n)::bigint as scores_n,
        sum(attribute_days.score_sum) as score_sum
    from attribute_days
    inner join agents using (agent_id)
    group by agents.team, attribute_days.agent_id, attribute_days.attribute_id
    having sum(attribute_days.scores_n) > 0
),

agent_z_scores as (
    select
        agent_windows.*,
        ({{ mean_from_sums('score_sum', 'scores_n') }}
            - avg({{ mean_from_sums('score_sum', 'scores_n') }}) over team_attribute)
            / nullif(stddev_samp({{ mean_from_sums('score_sum', 'scores_n') }}) over team_attribute, 0)
            as z_score
    from agent_windows
    window team_attribute as (partition by team, attribute_id)
),

final as (
    select
        team,
        attribute_id,
        {{ as_of_date() }} as as_of_date,
        {{ mean_from_sums('sum(score_sum)', 'sum(scores_n)') }} as avg_score,
        sum(scores_n)::bigint as n,
        count(*) as agents_n,
        coalesce(
            {{ ordered_list('agent_id', ['agent_id'], 'abs(z_score) > 2') }},
            {{ empty_string_list() }}
        ) as outlier_agent_ids
    from agent_z_scores
    group by team, attribute_id
)

select * from final
