{#- The evidence of the coaching log: per agent, attribute and cycle of the
    log, the 3 lowest Auto QA scores, lowest first (ties: the earlier, then
    the smaller interaction_id), with their quotes and offsets.

    A table of its own, built by its own statement: in one statement with the
    rest of coaching_log, a year of a 10,000-agent center spilled more than
    15 GB in a minute; apart, this took about 25 s and coaching_log 2 s. The picks
    are made without the quotes (the 3rd-lowest score of each group, then an
    ordered pick among the few scores at or under it), and the quotes are
    read for the picked scores only. -#}
{{ config(materialized='table') }}

with

window_scores as {{ not_materialized() }} (
    select
        agent_id,
        attribute_id,
        interaction_id,
        interaction_at,
        auto_qa_score as score,
        auto_qa_event_id,
        _key_hash,
        {{ coaching_cycle_index('interaction_date') }} as cycle_index
    from {{ ref('int_interaction_scores_resolved') }}
    where interaction_date between {{ coaching_log_first_day() }} and {{ as_of_date() }}
        and is_scored
        and auto_qa_score is not null
),

thresholds as (
    select
        agent_id,
        attribute_id,
        cycle_index,
        {{ nth_smallest_or_largest('score', 3) }} as highest_evidence_score
    from window_scores
    group by agent_id, attribute_id, cycle_index
),

lowest as (
    select
        window_scores.agent_id,
        window_scores.attribute_id,
        window_scores.cycle_index,
        {{ list_head(ordered_list(
            struct_of({
                'interaction_id': 'window_scores.interaction_id',
                'interaction_at': 'window_scores.interaction_at',
                'score': 'window_scores.score::double',
                'key_hash': 'window_scores._key_hash',
                'event_id': 'window_scores.auto_qa_event_id'
            }),
            ['window_scores.score', 'window_scores.interaction_at', 'window_scores.interaction_id']
        ), 3) }} as picks
    from window_scores
    inner join thresholds
        on thresholds.agent_id = window_scores.agent_id
        and thresholds.attribute_id = window_scores.attribute_id
        and thresholds.cycle_index = window_scores.cycle_index
    where window_scores.score <= thresholds.highest_evidence_score
    group by window_scores.agent_id, window_scores.attribute_id, window_scores.cycle_index
),

picked as (
    select
        agent_id,
        attribute_id,
        cycle_index,
        pick.interaction_id,
        pick.interaction_at,
        pick.score,
        pick.key_hash as _key_hash,
        pick.event_id
    from (
        select agent_id, attribute_id, cycle_index, {{ unnest_list('picks', 'pick') }}
        from lowest
    ) as unnested
),

-- the quotes and offsets of the picked scores only, over the log's days
quotes as (
    select scores._key_hash, scores.event_id, scores.evidence_quote, scores.evidence_offset_s
    from {{ ref('stg_auto_qa_scores') }} as scores
    semi join picked
        on picked._key_hash = scores._key_hash
        and picked.event_id = scores.event_id
    where {{ on_local_days('scores.interaction_at', coaching_log_first_day(), as_of_date()) }}
),

final as (
    select
        picked.agent_id,
        picked.attribute_id,
        picked.cycle_index,
        {{ ordered_list(
            struct_of({
                'interaction_id': 'picked.interaction_id',
                'interaction_at': 'picked.interaction_at',
                'score': 'picked.score',
                'quote': 'quotes.evidence_quote',
                'offset_s': 'quotes.evidence_offset_s'
            }),
            ['picked.score', 'picked.interaction_at', 'picked.interaction_id']
        ) }} as evidence
    from picked
    left join quotes
        on quotes._key_hash = picked._key_hash
        and quotes.event_id = picked.event_id
    group by picked.agent_id, picked.attribute_id, picked.cycle_index
)

select * from final
