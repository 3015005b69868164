{#- The Accept & Dispute queue: every published evaluation with its review
    status, dispute rounds and tab as of var `as_of`. -#}
with

evaluations as (
    select * from {{ ref('int_evaluations_reviewed') }}
    where review_status is not null
),

interactions as (
    select interaction_id, queue from {{ ref('stg_interactions') }}
),

-- the event that resolved or closed the evaluation is its last one
timed as (
    select
        evaluations.*,
        greatest(evaluations.evaluated_at, evaluations.last_reviewed_at) as last_event_at,
        case
            when evaluations.review_status in ('Resolved', 'Closed')
                then ({{ epoch_microseconds('evaluations.last_reviewed_at') }}
                    - {{ epoch_microseconds('evaluations.published_at') }})::double
                    / 3600000000
        end as resolution_hours
    from evaluations
),

final as (
    select
        timed.evaluation_id,
        timed.interaction_id,
        timed.agent_id,
        timed.interaction_date,
        timed.interaction_at,
        interactions.queue,
        timed.audit_score::double as audit_score,
        timed.evaluated_at,
        timed.disputed_attribute_ids,
        timed.last_event_at,
        timed.resolution_hours,
        timed.review_status,
        timed.dispute_rounds,
        timed.review_tab as tab,
        timed.evaluator_id,
        timed.last_reviewed_at,
        {{ as_of_date() }} as as_of_date
    from timed
    left join interactions using (interaction_id)
)

select * from final
