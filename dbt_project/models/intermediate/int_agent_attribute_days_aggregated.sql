{#- Per agent, attribute and local day: n, sum and sum of squares of the Auto
    QA scores, and how many fell below the attribute's target. Every window is
    a sum over these rows, so its cost does not grow with history.

    Incremental: a run recomputes the (agent, attribute, day) groups that
    changed rows of int_interaction_scores_resolved fall in (and the groups
    that moved rows left), plus every group of an attribute whose target
    changed, and replaces them. A group left with no score is deleted. -#}
{%- set empty_group = 'scores_n = 0' -%}
{{
    config(
        materialized=incremental_materialization(),
        unique_key=['agent_id', 'attribute_id', 'interaction_date'],
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook=[
            "{{ insert_first_build_slices() }}",
            "{{ delete_from_incremental('" ~ empty_group ~ "') }}",
        ],
    )
}}

with

-- Import CTEs used more than once are `not materialized`, so each use keeps
-- its own filter and DuckDB can skip row groups instead of copying the table.
resolved as {{ not_materialized() }} (
    select * from {{ ref('int_interaction_scores_resolved') }}
),

attributes as (
    select attribute_id, target_score, _ingested_at from {{ ref('stg_attributes') }}
),

{% if is_incremental() %}
{{ guard_incremental_settings() }}
changed_rows as (
    select agent_id, attribute_id, interaction_date, _replaced_agent_id, _replaced_interaction_date
    from resolved
    where _ingested_at > {{ incremental_watermark() }}
),

touched_groups as (
    select agent_id, attribute_id, interaction_date
    from changed_rows
    union
    select _replaced_agent_id, attribute_id, _replaced_interaction_date
    from changed_rows
    where _replaced_agent_id is not null
    union
    select held.agent_id, held.attribute_id, held.interaction_date
    from {{ this }} as held
    semi join attributes
        on attributes.attribute_id = held.attribute_id
        and attributes._ingested_at > {{ incremental_watermark() }}
),

group_rows as (
    select resolved.*
    from resolved
    semi join touched_groups using (agent_id, attribute_id, interaction_date)
    -- a constant day range lets DuckDB skip the row groups of other days
    where resolved.interaction_date
        between (select min(interaction_date) from touched_groups)
        and (select max(interaction_date) from touched_groups)
),
{% else %}
group_rows as (
    select * from resolved
    {#- a first build groups a slice of the agents a statement: a year's
        groups in one ran out of memory in 46 s #}
    {% if first_build_in_slices() %}where {{ first_build_slice('agent_id') }}{% endif %}
),
{% endif %}

aggregated as (
    select
        group_rows.agent_id,
        group_rows.attribute_id,
        group_rows.interaction_date,
        count(group_rows.auto_qa_score) filter (where group_rows.is_scored) as scores_n,
        coalesce(sum(group_rows.auto_qa_score) filter (where group_rows.is_scored), 0) as score_sum,
        coalesce(
            sum(group_rows.auto_qa_score * group_rows.auto_qa_score) filter (where group_rows.is_scored), 0
        ) as score_sum_sq,
        count(*) filter (
            where group_rows.is_scored and group_rows.auto_qa_score < attributes.target_score
        ) as below_target_n,
        greatest(max(group_rows._ingested_at), max(attributes._ingested_at)) as _ingested_at
    from group_rows
    left join attributes using (attribute_id)
    group by group_rows.agent_id, group_rows.attribute_id, group_rows.interaction_date
),

final as (
    {% if is_incremental() %}
    select
        touched_groups.agent_id,
        touched_groups.attribute_id,
        touched_groups.interaction_date,
        coalesce(aggregated.scores_n, 0) as scores_n,
        coalesce(aggregated.score_sum, 0) as score_sum,
        coalesce(aggregated.score_sum_sq, 0) as score_sum_sq,
        coalesce(aggregated.below_target_n, 0) as below_target_n,
        aggregated._ingested_at,
        {{ incremental_settings_columns() }}
    from touched_groups
    left join aggregated using (agent_id, attribute_id, interaction_date)
    {% else %}
    -- no empty group, as the post-hook leaves an incremental run
    select *, {{ incremental_settings_columns() }} from aggregated
    where not ({{ empty_group }})
    {% endif %}
    order by interaction_date
)

select * from final
