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

{#- latest wins: the latest scored_at, then the largest event_id -#}
{%- set latest_first = ['scored_at', 'event_id'] %}
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
    {{ latest_of_repeated('renamed', ['_key_hash'], 'rescored_keys', latest_first | join(' desc, ') ~ ' desc') }}
),

{% if is_incremental() %}
-- the row held for each new key: a new row wins only where it is later. A
-- join on the held rows of the new keys, not a window over the new and the
-- held rows together: at a year, that window spilled more than 16 GB for a
-- day of 1.2M new scores.
held as (
    select _key_hash, {{ latest_first | join(', ') }}
    from {{ this }}
    semi join latest using (_key_hash)
),

final as (
    select latest.*
    from latest
    left join held on held._key_hash = latest._key_hash
    where held._key_hash is null or ({{ later_than('latest', 'held', latest_first) }})
)
{% else %}
final as (
    select * from latest
)
{% endif %}

select * from final
