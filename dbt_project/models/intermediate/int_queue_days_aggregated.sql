{#- Per local day, queue and channel: interaction count, handle time sum and
    the Kore Evaluation Score sum and count, for contact_center_metrics.
    Incremental by whole day: a run recomputes every day that a new
    interaction or a changed interaction score falls on. -#}
{{
    config(
        materialized=incremental_materialization(),
        unique_key='interaction_date',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}

with

-- Import CTEs used more than once are `not materialized`, so each use keeps
-- its own filter and DuckDB can skip row groups instead of copying the table.
interactions as {{ not_materialized() }} (
    select * from {{ ref('stg_interactions') }}
),

scored_interactions as {{ not_materialized() }} (
    select interaction_id, kore_evaluation_score, _ingested_at from {{ ref('int_interactions_scored') }}
),

{% if is_incremental() %}
{{ guard_incremental_settings() }}
touched_days as (
    select interaction_date
    from interactions
    where _ingested_at > {{ incremental_watermark() }}
    union
    -- the local day computed after the join, for the few matching rows only
    select {{ local_date('interactions.started_at') }}
    from interactions
    semi join scored_interactions
        on scored_interactions.interaction_id = interactions.interaction_id
        and scored_interactions._ingested_at > {{ incremental_watermark() }}
),

day_interactions as (
    select interactions.*
    from interactions
    semi join touched_days using (interaction_date)
    -- the same days as a constant range of started_at
    where {{ on_local_days(
        'interactions.started_at',
        '(select min(interaction_date) from touched_days)',
        '(select max(interaction_date) from touched_days)'
    ) }}
),
{% else %}
day_interactions as (
    select * from interactions
),
{% endif %}

final as (
    select
        day_interactions.interaction_date,
        day_interactions.queue,
        day_interactions.channel,
        count(*) as interactions_n,
        -- kept to the millisecond, so the sum is exact
        sum(day_interactions.handle_time_s::decimal(38, 3)) as handle_time_sum_s,
        count(scored_interactions.kore_evaluation_score) as qa_scored_n,
        coalesce(sum(scored_interactions.kore_evaluation_score), 0) as qa_score_sum,
        greatest(max(day_interactions._ingested_at), max(scored_interactions._ingested_at)) as _ingested_at,
        {{ incremental_settings_columns() }}
    from day_interactions
    left join scored_interactions using (interaction_id)
    group by day_interactions.interaction_date, day_interactions.queue, day_interactions.channel
    order by day_interactions.interaction_date
)

select * from final
