{#- No latest-wins window here: ingest keeps one row per interaction_id (the
    stream's de-duplication key, tested on the source), and a plain view lets
    incremental models filter this on _ingested_at without scanning history. -#}
with

source as (
    select * from {{ source('raw', 'interactions') }}
),

renamed as (
    select
        interaction_id,
        agent_id,
        queue,
        channel,
        started_at,
        {{ local_date('started_at') }} as interaction_date,
        handle_time_s,
        sentiment_score,
        topic,
        intent,
        _ingested_at
    from source
),

final as (
    select * from renamed
)

select * from final
