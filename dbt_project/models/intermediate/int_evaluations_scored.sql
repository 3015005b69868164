{#- The audit score of each evaluation (DESIGN.md section 3): the weighted
    mean, by attribute weight, of its latest-version attribute scores.

    Incremental: a run recomputes the evaluations that have a new attribute
    version, and those scored in an attribute whose weight changed. -#}
{{
    config(
        materialized=incremental_materialization(),
        unique_key='evaluation_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}

with

-- Used more than once: `not materialized`, so each use keeps its own filter.
evaluations as {{ not_materialized() }} (
    select * from {{ ref('stg_evaluations') }}
),

attributes as (
    select attribute_id, weight, _ingested_at from {{ ref('stg_attributes') }}
),

{% if is_incremental() %}
touched_evaluations as (
    select evaluation_id
    from evaluations
    where _ingested_at > {{ incremental_watermark() }}
    union
    select evaluations.evaluation_id
    from evaluations
    semi join attributes
        on attributes.attribute_id = evaluations.attribute_id
        and attributes._ingested_at > {{ incremental_watermark() }}
),

evaluation_rows as (
    select evaluations.*
    from evaluations
    semi join touched_evaluations using (evaluation_id)
),
{% else %}
evaluation_rows as (
    select * from evaluations
),
{% endif %}

final as (
    select
        evaluation_rows.evaluation_id,
        -- one evaluation audits one interaction; min() only makes the pick
        -- deterministic should its rows disagree
        min(evaluation_rows.interaction_id) as interaction_id,
        min(evaluation_rows.agent_id) as agent_id,
        min(evaluation_rows.evaluator_id) as evaluator_id,
        min(evaluation_rows.interaction_at) as interaction_at,
        max(evaluation_rows.evaluated_at) as evaluated_at,
        {{ weighted_mean('evaluation_rows.audit_score', 'coalesce(attributes.weight, ' ~ exact_weight('1') ~ ')') }} as audit_score,
        count(*) as attributes_n,
        greatest(max(evaluation_rows._ingested_at), max(attributes._ingested_at)) as _ingested_at
    from evaluation_rows
    left join attributes using (attribute_id)
    group by evaluation_rows.evaluation_id
)

select * from final
