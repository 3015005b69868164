{#- Did coaching work, beyond the drift every agent shares? Per attribute,
    over every coached area counted (int_coached_areas_measured); the splits
    by coaching type and completion are in coaching_effectiveness_segments. -#}
with

summarised as (
    select * from {{ ref('int_coaching_effectiveness_summarised') }}
    where breakdown = 'all'
),

final as (
    select * {{ star_except(['breakdown', 'segment']) }} from summarised
)

select * from final
