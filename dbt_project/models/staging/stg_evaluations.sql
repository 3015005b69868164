{#- The latest version of each audited attribute score, per
    (evaluation_id, attribute_id) by evaluated_at, of the versions in
    stg_evaluation_versions. Incremental in the same way as
    stg_auto_qa_scores. -#}
{{
    config(
        materialized=incremental_materialization(),
        unique_key=['evaluation_id', 'attribute_id'],
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}

with

renamed as (
    select * {{ star_except(['evaluated_date']) }} from {{ ref('stg_evaluation_versions') }}
    {% if is_incremental() %}
    where _ingested_at > {{ incremental_watermark() }}
    {% endif %}
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
