{#- Daily operations per queue and channel, up to var `as_of`. -#}
with

queue_days as (
    select * from {{ ref('int_queue_days_aggregated') }}
    where interaction_date <= {{ as_of_date() }}
),

final as (
    select
        interaction_date as day,
        queue,
        channel,
        {{ mean_from_sums('qa_score_sum', 'qa_scored_n') }} as avg_qa_score,
        {{ mean_from_sums('handle_time_sum_s', 'interactions_n') }} as avg_handle_time_s,
        interactions_n,
        qa_scored_n
    from queue_days
)

select * from final
