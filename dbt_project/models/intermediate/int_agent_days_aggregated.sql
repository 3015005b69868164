{#- Per agent and local day: n, sum and sum of squares of the interaction-level
    Kore Evaluation Score and Agent Scorecard score, so windows of either are
    sums over days. Incremental like int_agent_attribute_days_aggregated, over
    int_interactions_scored. -#}
{%- set empty_group = 'kore_n = 0 and scorecard_n = 0' -%}
{{
    config(
        materialized=incremental_materialization(),
        unique_key=['agent_id', 'interaction_date'],
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook="{{ delete_from_incremental('" ~ empty_group ~ "') }}",
    )
}}

with

-- Import CTEs used more than once are `not materialized`, so each use keeps
-- its own filter and DuckDB can skip row groups instead of copying the table.
interactions as {{ not_materialized() }} (
    select * from {{ ref('int_interactions_scored') }}
),

{% if is_incremental() %}
{{ guard_incremental_settings() }}
changed_rows as (
    select agent_id, interaction_date, _replaced_agent_id, _replaced_interaction_date
    from interactions
    where _ingested_at > {{ incremental_watermark() }}
),

touched_groups as (
    select agent_id, interaction_date
    from changed_rows
    union
    select _replaced_agent_id, _replaced_interaction_date
    from changed_rows
    where _replaced_agent_id is not null
),

group_rows as (
    select interactions.*
    from interactions
    semi join touched_groups using (agent_id, interaction_date)
    -- a constant day range lets DuckDB skip the row groups of other days
    where interactions.interaction_date
        between (select min(interaction_date) from touched_groups)
        and (select max(interaction_date) from touched_groups)
),
{% else %}
group_rows as (
    select * from interactions
),
{% endif %}

aggregated as (
    select
        agent_id,
        interaction_date,
        count(kore_evaluation_score) as kore_n,
        coalesce(sum(kore_evaluation_score), 0) as kore_sum,
        coalesce(sum(kore_evaluation_score * kore_evaluation_score), 0) as kore_sum_sq,
        count(scorecard_score) as scorecard_n,
        coalesce(sum(scorecard_score), 0) as scorecard_sum,
        coalesce(sum(scorecard_score * scorecard_score), 0) as scorecard_sum_sq,
        max(_ingested_at) as _ingested_at
    from group_rows
    group by agent_id, interaction_date
),

final as (
    {% if is_incremental() %}
    select
        touched_groups.agent_id,
        touched_groups.interaction_date,
        coalesce(aggregated.kore_n, 0) as kore_n,
        coalesce(aggregated.kore_sum, 0) as kore_sum,
        coalesce(aggregated.kore_sum_sq, 0) as kore_sum_sq,
        coalesce(aggregated.scorecard_n, 0) as scorecard_n,
        coalesce(aggregated.scorecard_sum, 0) as scorecard_sum,
        coalesce(aggregated.scorecard_sum_sq, 0) as scorecard_sum_sq,
        aggregated._ingested_at,
        {{ incremental_settings_columns() }}
    from touched_groups
    left join aggregated using (agent_id, interaction_date)
    {% else %}
    -- no empty group, as the post-hook leaves an incremental run
    select *, {{ incremental_settings_columns() }} from aggregated
    where not ({{ empty_group }})
    {% endif %}
    order by interaction_date
)

select * from final
