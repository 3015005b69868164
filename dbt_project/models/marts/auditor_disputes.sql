{#- How often each auditor's evaluations are disputed, and how often a
    dispute changes the score (DESIGN.md section 5), as of var `as_of`. -#}
with

evaluations as (
    select * from {{ ref('int_evaluations_disputed') }}
),

final as (
    select
        evaluator_id,
        count(*) as evaluations_n,
        count(*) filter (where is_disputed) as disputed_n,
        count(*) filter (where is_overturned) as overturned_n,
        count(*) filter (where is_overturned) / nullif(count(*) filter (where is_disputed), 0)
            as overturn_rate,
        count(*) filter (where is_disputed) / count(*) as dispute_rate,
        {{ as_of_date() }} as as_of_date
    from evaluations
    group by evaluator_id
)

select * from final
