{#- Interaction-level scores (DESIGN.md section 3), weighted by attribute weight:
    the Kore Evaluation Score (its Auto QA scores), the audit score (its latest
    audited versions) and the Agent Scorecard score (the audit of an attribute
    where one exists, else the Auto QA score).

    Incremental: a run recomputes the interactions that have a changed row in
    int_interaction_scores_resolved, plus those scored in an attribute whose
    weight changed, and replaces them. -#}
{{
    config(
        materialized=incremental_materialization(),
        unique_key='interaction_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook="{{ insert_first_build_slices() }}",
    )
}}

with

-- Import CTEs used more than once are `not materialized`, so each use keeps
-- its own filter and DuckDB can skip row groups instead of copying the table.
resolved as {{ not_materialized() }} (
    select * from {{ ref('int_interaction_scores_resolved') }}
),

attributes as (
    select attribute_id, weight, _ingested_at from {{ ref('stg_attributes') }}
),

{% if is_incremental() %}
{{ guard_incremental_settings() }}
changed_rows as (
    select interaction_id, interaction_date
    from resolved
    where _ingested_at > {{ incremental_watermark() }}
    union all
    select resolved.interaction_id, resolved.interaction_date
    from resolved
    semi join attributes
        on attributes.attribute_id = resolved.attribute_id
        and attributes._ingested_at > {{ incremental_watermark() }}
),

touched_interactions as (
    select distinct interaction_id from changed_rows
),

held_interactions as (
    select held.interaction_id, held.agent_id, held.interaction_date, held._last_interaction_date
    from {{ this }} as held
    semi join touched_interactions using (interaction_id)
),

-- Every row of a touched interaction lies in this day range: its unchanged
-- rows within the days it held before, its changed rows on their new days.
-- A constant range lets DuckDB skip the row groups of other days.
touched_days as (
    select
        least(
            (select min(interaction_date) from changed_rows),
            (select min(interaction_date) from held_interactions)
        ) as first_day,
        greatest(
            (select max(interaction_date) from changed_rows),
            (select max(_last_interaction_date) from held_interactions)
        ) as last_day
),

interaction_rows as (
    select resolved.*
    from resolved
    semi join touched_interactions using (interaction_id)
    where resolved.interaction_date
        between (select first_day from touched_days) and (select last_day from touched_days)
),
{% else %}
interaction_rows as (
    select * from resolved
    {#- a first build groups a slice of the interactions a statement: a year's
        54M groups in one spilled 15 GiB in 3 minutes, still rising #}
    {% if first_build_in_slices() %}where {{ first_build_slice('interaction_id') }}{% endif %}
),
{% endif %}

weighted as (
    select
        interaction_rows.*,
        coalesce(attributes.weight, {{ exact_weight('1') }}) as weight,
        attributes._ingested_at as attribute_ingested_at
    from interaction_rows
    left join attributes using (attribute_id)
),

scored as (
    select
        interaction_id,
        -- One interaction has one agent and start; min() only makes the pick
        -- deterministic should two score rows disagree.
        min(agent_id) as agent_id,
        min(interaction_at) as interaction_at,
        min(interaction_date) as interaction_date,
        max(interaction_date) as _last_interaction_date,
        bool_and(is_scored) as is_scored,
        {{ weighted_mean('auto_qa_score', 'weight') }} as kore_evaluation_score,
        {{ weighted_mean('audit_score', 'weight') }} as audit_score,
        {{ weighted_mean('coalesce(audit_score, auto_qa_score)', 'weight') }} as scorecard_score,
        {{ ordered_list(
            'attribute_id', ['attribute_id'], 'auto_qa_score is not null or audit_score is not null'
        ) }} as scored_attribute_ids,
        greatest(max(_ingested_at), max(attribute_ingested_at)) as _ingested_at
    from weighted
    group by interaction_id
),

final as (
    select
        scored.interaction_id,
        scored.agent_id,
        scored.interaction_at,
        scored.interaction_date,
        scored.is_scored,
        case when scored.is_scored then scored.kore_evaluation_score end as kore_evaluation_score,
        case when scored.is_scored then scored.audit_score end as audit_score,
        case when scored.is_scored then scored.scorecard_score end as scorecard_score,
        scored.scored_attribute_ids,
        scored._ingested_at,
        scored._last_interaction_date,
        {{ incremental_settings_columns() }},
        {% if is_incremental() %}
        {{ replaced_keys('held_interactions', 'scored') }}
    from scored
    left join held_interactions using (interaction_id)
        {% else %}
        null::string as _replaced_agent_id,
        null::date as _replaced_interaction_date
    from scored
        {% endif %}
    -- stored in day order, for the day-range reads of int_agent_days_aggregated
    order by scored.interaction_date
)

select * from final
