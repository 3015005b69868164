{#- Each evaluation with its audit score and, as of var `as_of`, its Accept &
    Dispute state: review status, dispute rounds and tab (DESIGN.md section 6). -#}
with

evaluation_scores as (
    select * from {{ ref('int_evaluations_scored') }}
),

reviews as (
    select * from {{ ref('stg_evaluation_reviews') }}
    where occurred_date <= {{ as_of_date() }}
),

last_reviews as (
    select
        evaluation_id,
        event_type as last_review_event_type,
        occurred_at as last_reviewed_at
    from reviews
    {{ latest_wins(['evaluation_id'], 'occurred_at desc, event_id desc') }}
),

review_summaries as (
    select
        evaluation_id,
        count(*) filter (where event_type = 'disputed') as dispute_rounds,
        min(occurred_at) filter (where event_type = 'published') as published_at,
        flatten({{ ordered_list(
            'disputed_attribute_ids',
            ['occurred_at', 'event_id'],
            "event_type = 'disputed' and disputed_attribute_ids is not null"
        ) }}) as disputed_attribute_ids
    from reviews
    group by evaluation_id
),

reviewed as (
    select
        evaluation_scores.* {{ star_except(['_ingested_at']) }},
        {{ local_date('evaluation_scores.interaction_at') }} as interaction_date,
        last_reviews.last_review_event_type,
        last_reviews.last_reviewed_at,
        coalesce(review_summaries.dispute_rounds, 0) as dispute_rounds,
        review_summaries.published_at,
        {{ list_unique('coalesce(review_summaries.disputed_attribute_ids, ' ~ empty_string_list() ~ ')') }}
            as disputed_attribute_ids
    from evaluation_scores
    left join last_reviews using (evaluation_id)
    left join review_summaries using (evaluation_id)
),

final as (
    select
        reviewed.*,
        {{ review_status('reviewed.last_review_event_type', 'reviewed.dispute_rounds') }} as review_status,
        {{ review_tab(review_status('reviewed.last_review_event_type', 'reviewed.dispute_rounds'), 'reviewed.dispute_rounds') }}
            as review_tab
    from reviewed
)

select * from final
