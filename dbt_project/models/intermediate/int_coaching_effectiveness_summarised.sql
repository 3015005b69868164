{#- Whether coaching worked, per attribute, over all the coached areas
    (breakdown `all`) and split by coaching type (`coaching_type`:
    Individual, Group) and by whether the agent completed the assignment
    (`completion`: completed, not_completed). One rule for every split: the
    marts coaching_effectiveness (`all`) and coaching_effectiveness_segments
    (the splits) read it. -#}
with

areas as (
    select * from {{ ref('int_coached_areas_measured') }}
),

tagged as (
    select
        areas.*,
        {{ unnest_list(list_of([
            struct_of({'breakdown': "'all'", 'segment': "'all'"}),
            struct_of({'breakdown': "'coaching_type'", 'segment': 'areas.coaching_type'}),
            struct_of({
                'breakdown': "'completion'",
                'segment': "case when areas.is_completed then 'completed' else 'not_completed' end"
            })
        ]), 'tag') }}
    from areas
),

segmented as (
    select tagged.* {{ star_except(['tag']) }}, tagged.tag.breakdown, tagged.tag.segment
    from tagged
),

-- coached twice or more on the attribute, and no assignment improved it
plateaus as (
    select breakdown, segment, attribute_id, agent_id
    from segmented
    group by breakdown, segment, attribute_id, agent_id
    having count(*) >= 2 and bool_and(delta <= 0)
),

plateau_lists as (
    select breakdown, segment, attribute_id, {{ ordered_list('agent_id', ['agent_id']) }} as plateau_agent_ids
    from plateaus
    group by breakdown, segment, attribute_id
),

summarised as (
    select
        breakdown,
        segment,
        attribute_id,
        count(*) as assignments_n,
        count(distinct agent_id) as agents_n,
        avg(delta) as avg_delta,
        count(*) filter (where delta > 0) / count(*) as improved_share,
        count(days_to_target) as reached_target_n,
        median(days_to_target) as median_days_to_target,
        avg(control_delta) as control_delta,
        count(control_delta) as controlled_n
    from segmented
    group by breakdown, segment, attribute_id
),

final as (
    select
        summarised.breakdown,
        summarised.segment,
        summarised.attribute_id,
        summarised.assignments_n,
        summarised.agents_n,
        summarised.avg_delta,
        summarised.improved_share,
        summarised.reached_target_n,
        summarised.median_days_to_target::double as median_days_to_target,
        summarised.control_delta,
        summarised.controlled_n,
        summarised.avg_delta - summarised.control_delta as net_effect,
        {{ list_length('coalesce(plateau_lists.plateau_agent_ids, ' ~ empty_string_list() ~ ')') }}::bigint as plateau_agents_n,
        coalesce(plateau_lists.plateau_agent_ids, {{ empty_string_list() }}) as plateau_agent_ids,
        {{ as_of_date() }} as as_of_date
    from summarised
    left join plateau_lists using (breakdown, segment, attribute_id)
)

select * from final
