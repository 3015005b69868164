{#- Every version of every audited attribute score (stg_evaluations keeps the
    latest only): what a re-evaluation after a dispute changed. -#}
with

source as (
    select * from {{ source('raw', 'evaluations') }}
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
        {{ local_date('evaluated_at') }} as evaluated_date,
        {{ exact_score('score') }} as audit_score,
        _ingested_at
    from source
),

final as (
    select * from renamed
)

select * from final
