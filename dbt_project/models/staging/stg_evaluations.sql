{#- The latest version of each audited attribute score, per
    (evaluation_id, attribute_id) by evaluated_at. Incremental in the same way
    as stg_auto_qa_scores. -#}
{{
    config(
        materialized='incremental',
        unique_key=['evaluation_id', 'attribute_id'],
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}

with

source as (
    select * from {{ source('raw', 'evaluations') }}
    {% if is_incremental() %}
    where _ingested_at > {{ incremental_watermark() }}
    {% endif %}
),

renamed as (
    select
        event_id,
        evaluation_id,
        interaction_id,
        agent_id,
        evaluator_id,
        attribute_id,
        interaction_at,
        evaluated_at,
        score as audit_score,
        _ingested_at
    from source
),

candidates as (
    select * from renamed
    {% if is_incremental() %}
    union all by name
    select held.*
    from {{ this }} as held
    semi join renamed using (evaluation_id, attribute_id)
    {% endif %}
),

latest as (
    select * from candidates
    {{ latest_wins(['evaluation_id', 'attribute_id'], 'evaluated_at desc, event_id desc') }}
),

final as (
    select * from latest
)

select * from final
