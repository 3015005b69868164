{#- The latest Auto QA score of each (interaction, attribute): the largest
    table (400M rows at a year of a 10,000-agent center). Incremental: a run
    reads only raw rows newer than the watermark, sets the latest of each key
    against the row this table already holds for it, and writes the keys where
    the new row wins (delete+insert on the key's hash, _key_hash). Only the
    keys scored more than once are ranked (latest_of_repeated): a window over
    every score spilled tens of GB at a year. -#}
{{
    config(
        materialized=incremental_materialization(),
        unique_key='_key_hash',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}

with

source as {{ not_materialized() }} (
    select * from {{ source('raw', 'auto_qa_scores') }}
    {% if is_incremental() %}
    where _ingested_at > {{ incremental_watermark() }}
    {% endif %}
),

renamed as {{ not_materialized() }} (
    select
        event_id,
        interaction_id,
        agent_id,
        attribute_id,
        interaction_at,
        {{ exact_score('score') }} as auto_qa_score,
        scored_at,
        evidence_quote,
        evidence_offset_s,
        model_version,
        {{ key_hash(['interaction_id', 'attribute_id']) }} as _key_hash,
        _ingested_at
    from source
),

rescored_keys as (
    {{ repeated_keys('renamed', ['_key_hash']) }}
),

latest as (
    {{ latest_of_repeated('renamed', ['_key_hash'], 'rescored_keys', 'scored_at desc, event_id desc') }}
),

{% if is_incremental() %}
-- the held rows of the same keys, to keep a new row only where it is later
candidates as (
    select latest.*, true as is_new from latest
    union all by name
    select held.*, false as is_new
    from {{ this }} as held
    semi join latest using (_key_hash)
),

final as (
    select * exclude (is_new)
    from candidates
    {{ latest_wins(['_key_hash'], 'scored_at desc, event_id desc') }}
        and is_new
)
{% else %}
final as (
    select * from latest
)
{% endif %}

select * from final
