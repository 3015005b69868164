{#- Each agent's attribute scores over the current window (days D-6 .. D of
    var `as_of` D), against the attribute's target. -#}
with

attribute_days as (
    select * from {{ ref('int_agent_attribute_days_aggregated') }}
    where {{ in_current_window('interaction_date') }}
),

attributes as (
    select * from {{ ref('stg_attributes') }}
),

agents as (
    select agent_id, team from {{ ref('stg_agents') }}
),

current_window as (
    select
        agent_id,
        attribute_id,
        sum(scores_n)::bigint as current_n,
        sum(score_sum) as current_sum,
        sum(below_target_n)::bigint as below_target_n
    from attribute_days
    group by agent_id, attribute_id
),

final as (
    select
        current_window.agent_id,
        current_window.attribute_id,
        {{ as_of_date() }} as as_of_date,
        {{ mean_from_sums('current_window.current_sum', 'current_window.current_n') }} as current_score,
        current_window.current_n,
        attributes.target_score::double as target_score,
        {{ gap_from_sums('attributes.target_score', 'current_window.current_sum', 'current_window.current_n') }}
            as gap,
        current_window.below_target_n,
        agents.team,
        attributes.attribute_name,
        attributes.weight::double as weight,
        attributes.is_compliance,
        attributes.is_active as attribute_is_active
    from current_window
    left join attributes using (attribute_id)
    left join agents using (agent_id)
    where current_window.current_n > 0
)

select * from final
