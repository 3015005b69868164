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

final as (
    select
        evaluations.evaluation_id,
        evaluations.interaction_id,
        evaluations.agent_id,
        evaluations.interaction_date,
        interactions.queue,
        evaluations.audit_score::double as audit_score,
        evaluations.review_status,
        evaluations.dispute_rounds,
        evaluations.review_tab as tab,
        evaluations.evaluator_id,
        evaluations.evaluated_at,
        evaluations.last_reviewed_at,
        {{ as_of_date() }} as as_of_date
    from evaluations
    left join interactions using (interaction_id)
)

select * from final
