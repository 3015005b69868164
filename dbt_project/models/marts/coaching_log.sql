{#- The coaching log: per agent, cycle and attribute, the cycle's score
    against target, the focus area, compliance flags, the lowest-scoring
    interactions and the change on the cycle before. Cycles of var
    `coaching_cycle_days` end on as_of and go back in whole cycles (at most
    var `coaching_log_cycles`); one more cycle is read for the oldest one's
    baseline. Scores come from the daily aggregates; only the evidence reads
    interactions, over the log's days. -#}
{%- set cycle_days = var('coaching_cycle_days') | int -%}
{%- set cycles = var('coaching_log_cycles') | int -%}
with

attribute_days as (
    select
        *,
        ({{ as_of_date() }} - interaction_date) // {{ cycle_days }} as cycle_index
    from {{ ref('int_agent_attribute_days_aggregated') }}
    where interaction_date between {{ as_of_date() }} - {{ cycle_days * (cycles + 1) - 1 }}
        and {{ as_of_date() }}
),

-- used twice: `not materialized`, so each use scans the columns it needs
window_scores as not materialized (
    select
        agent_id,
        attribute_id,
        interaction_id,
        interaction_at,
        auto_qa_score as score,
        ({{ as_of_date() }} - interaction_date) // {{ cycle_days }} as cycle_index
    from {{ ref('int_interaction_scores_resolved') }}
    where interaction_date between {{ as_of_date() }} - {{ cycle_days * cycles - 1 }}
        and {{ as_of_date() }}
        and is_scored
        and auto_qa_score is not null
),

attributes as (
    select attribute_id, target_score, is_compliance, is_active from {{ ref('stg_attributes') }}
),

agents as (
    select agent_id, agent_name, team from {{ ref('stg_agents') }}
),

cycle_scores as (
    select
        agent_id,
        attribute_id,
        cycle_index,
        sum(scores_n)::bigint as scores_n,
        sum(score_sum) as score_sum,
        sum(below_target_n)::bigint as below_target_n
    from attribute_days
    group by agent_id, attribute_id, cycle_index
    having sum(scores_n) > 0
),

scored as (
    select
        cycle_scores.*,
        {{ mean_from_sums('cycle_scores.score_sum', 'cycle_scores.scores_n') }} as current_score,
        attributes.target_score,
        {{ gap_from_sums('attributes.target_score', 'cycle_scores.score_sum', 'cycle_scores.scores_n') }}
            as gap,
        case when attributes.is_compliance then cycle_scores.below_target_n else 0 end
            as compliance_flags_n,
        coalesce(attributes.is_active, true) and attributes.target_score is not null as may_be_focus
    from cycle_scores
    left join attributes using (attribute_id)
),

focused as (
    select
        scored.*,
        scored.may_be_focus and row_number() over (
            partition by scored.agent_id, scored.cycle_index
            order by scored.may_be_focus desc, scored.gap desc nulls last, scored.attribute_id
        ) = 1 as is_focus
    from scored
),

-- The 3 lowest scores of each agent, attribute and cycle, lowest first, ties
-- by time then id. In two steps, which costs half a top-3 by a compound key
-- over every row: the 3rd-lowest score of the group (a plain top-3 of
-- doubles), then an ordered pick among the few scores at or under it.
evidence_thresholds as (
    select
        agent_id,
        attribute_id,
        cycle_index,
        list_max(min(score, 3)) as highest_evidence_score
    from window_scores
    group by agent_id, attribute_id, cycle_index
),

evidence as (
    select
        window_scores.agent_id,
        window_scores.attribute_id,
        window_scores.cycle_index,
        list(
            {
                'interaction_id': window_scores.interaction_id,
                'interaction_at': window_scores.interaction_at,
                'score': window_scores.score::double
            }
            order by window_scores.score, window_scores.interaction_at, window_scores.interaction_id
        )[1:3] as evidence
    from window_scores
    inner join evidence_thresholds
        on evidence_thresholds.agent_id = window_scores.agent_id
        and evidence_thresholds.attribute_id = window_scores.attribute_id
        and evidence_thresholds.cycle_index = window_scores.cycle_index
    where window_scores.score <= evidence_thresholds.highest_evidence_score
    group by window_scores.agent_id, window_scores.attribute_id, window_scores.cycle_index
),

final as (
    select
        current_cycle.agent_id,
        {{ as_of_date() }} - ({{ cycle_days }} * current_cycle.cycle_index + {{ cycle_days - 1 }})::integer
            as cycle_start,
        {{ as_of_date() }} - ({{ cycle_days }} * current_cycle.cycle_index)::integer as cycle_end,
        current_cycle.attribute_id,
        current_cycle.current_score,
        current_cycle.target_score::double as target_score,
        current_cycle.gap,
        current_cycle.is_focus,
        current_cycle.below_target_n,
        current_cycle.compliance_flags_n,
        evidence.evidence,
        previous_cycle.current_score as baseline_score,
        current_cycle.current_score - previous_cycle.current_score as delta,
        current_cycle.scores_n as n,
        previous_cycle.scores_n as baseline_n,
        agents.agent_name,
        agents.team,
        {{ as_of_date() }} as as_of_date
    from focused as current_cycle
    left join scored as previous_cycle
        on previous_cycle.agent_id = current_cycle.agent_id
        and previous_cycle.attribute_id = current_cycle.attribute_id
        and previous_cycle.cycle_index = current_cycle.cycle_index + 1
    left join evidence
        on evidence.agent_id = current_cycle.agent_id
        and evidence.attribute_id = current_cycle.attribute_id
        and evidence.cycle_index = current_cycle.cycle_index
    left join agents on agents.agent_id = current_cycle.agent_id
    where current_cycle.cycle_index < {{ cycles }}
)

select * from final
