{#- coaching_effectiveness split by coaching type (Individual, Group) and by
    whether the agent completed the assignment: one row per breakdown,
    segment and attribute. -#}
with

summarised as (
    select * from {{ ref('int_coaching_effectiveness_summarised') }}
    where breakdown <> 'all'
),

final as (
    select * from summarised
)

select * from final
