{#- The coaching log: per agent, cycle and attribute, the cycle's score
    against target, the focus area, compliance flags, the lowest-scoring
    interactions with their evidence, the change on the cycle before, the
    coaching actions taken on the attribute in the cycle and the sessions it
    took to reach target; per agent and cycle the overall score. Cycles of
    var `coaching_cycle_days` end on as_of and go back in whole cycles (at
    most var `coaching_log_cycles`); one more cycle is read for the oldest
    one's baseline. Scores come from the daily aggregates, the evidence from
    int_cycle_evidence_picked. -#}
{%- set cycle_days = var('coaching_cycle_days') | int -%}
{%- set cycles = var('coaching_log_cycles') | int -%}
with

attribute_days as (
    select
        *,
        {{ coaching_cycle_index('interaction_date') }} as cycle_index
    from {{ ref('int_agent_attribute_days_aggregated') }}
    where interaction_date between {{ as_of_date() }} - {{ cycle_days * (cycles + 1) - 1 }}
        and {{ as_of_date() }}
),

agent_days as (
    select
        *,
        {{ coaching_cycle_index('interaction_date') }} as cycle_index
    from {{ ref('int_agent_days_aggregated') }}
    where interaction_date between {{ coaching_log_first_day() }} and {{ as_of_date() }}
),

attributes as (
    select attribute_id, target_score, is_compliance, is_active from {{ ref('stg_attributes') }}
),

agents as (
    select agent_id, agent_name, team from {{ ref('stg_agents') }}
),

-- each agent assignment's areas (those mapped to the agent), up to as_of
assignment_areas as (
    select
        assignment_id,
        agent_assignment_id,
        agent_id,
        assigned_date,
        {{ unnest_list('attribute_ids', 'attribute_id') }}
    from {{ ref('coaching_assignments') }}
),

reviewed_items as (
    select assignment_id, parent_assignment_id, agent_id, interaction_id, kind
    from {{ ref('int_assignment_interactions_matched') }}
    where is_kept and reviewed
),

review_events as (
    select assignment_id, agent_id, interaction_id, event_type, occurred_date
    from {{ ref('stg_coaching_events') }}
    where event_type in ('interaction_reviewed', 'best_response_reviewed')
        and occurred_date <= {{ as_of_date() }}
),

notes as (
    select assignment_id as agent_assignment_id, occurred_date from {{ ref('assignment_notes') }}
    where occurred_date between {{ coaching_log_first_day() }} and {{ as_of_date() }}
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

overall_scores as (
    select
        agent_id,
        cycle_index,
        {{ mean_from_sums('sum(kore_sum)', 'sum(kore_n)') }} as overall_score,
        sum(kore_n)::bigint as overall_n
    from agent_days
    group by agent_id, cycle_index
),

scored as (
    select
        cycle_scores.*,
        {{ mean_from_sums('cycle_scores.score_sum', 'cycle_scores.scores_n') }} as current_score,
        attributes.target_score,
        {{ gap_from_sums('attributes.target_score', 'cycle_scores.score_sum', 'cycle_scores.scores_n') }}
            as gap,
        {{ mean_at_or_above('cycle_scores.score_sum', 'cycle_scores.scores_n', 'attributes.target_score') }}
            as is_at_target,
        case when attributes.is_compliance then cycle_scores.below_target_n else 0 end
            as compliance_flags_n,
        coalesce(attributes.is_active, true) as is_active
    from cycle_scores
    left join attributes using (attribute_id)
),

-- the focus: of the active attributes below target (a positive gap, compared
-- exactly), the one with the largest gap
focus_candidates as (
    select scored.*, scored.is_active and not coalesce(scored.is_at_target, true) as may_be_focus
    from scored
),

focused as (
    select
        focus_candidates.*,
        focus_candidates.may_be_focus and row_number() over (
            partition by focus_candidates.agent_id, focus_candidates.cycle_index
            order by focus_candidates.may_be_focus desc, focus_candidates.gap desc nulls last,
                focus_candidates.attribute_id
        ) = 1 as is_focus
    from focus_candidates
),

-- the 3 lowest scores of each agent, attribute and cycle, with their quotes
evidence as (
    select agent_id, attribute_id, cycle_index, evidence
    from {{ ref('int_cycle_evidence_picked') }}
),

-- Coaching actions on an assignment count for each of its areas, in the
-- cycle they were taken: the assignment on its assigned day, an item on the
-- day of its first review, a note on its day.
assignment_actions as (
    select
        agent_id,
        attribute_id,
        {{ coaching_cycle_index('assigned_date') }} as cycle_index,
        count(*) as assignments_n
    from assignment_areas
    where assigned_date >= {{ coaching_log_first_day() }}
    group by all
),

first_reviews as (
    select
        reviewed_items.assignment_id,
        reviewed_items.interaction_id,
        reviewed_items.kind,
        min(review_events.occurred_date) as reviewed_date
    from reviewed_items
    inner join review_events
        on {{ reviews_item('review_events', 'reviewed_items') }}
    group by all
),

review_actions as (
    select
        assignment_areas.agent_id,
        assignment_areas.attribute_id,
        {{ coaching_cycle_index('first_reviews.reviewed_date') }} as cycle_index,
        count(*) as items_reviewed_n
    from first_reviews
    inner join assignment_areas using (assignment_id)
    where first_reviews.reviewed_date >= {{ coaching_log_first_day() }}
    group by all
),

note_actions as (
    select
        assignment_areas.agent_id,
        assignment_areas.attribute_id,
        {{ coaching_cycle_index('notes.occurred_date') }} as cycle_index,
        count(*) as notes_n
    from notes
    inner join assignment_areas using (agent_assignment_id)
    group by all
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
        overall_scores.overall_score,
        coalesce(overall_scores.overall_n, 0) as overall_n,
        coalesce(assignment_actions.assignments_n, 0) as assignments_n,
        coalesce(review_actions.items_reviewed_n, 0) as items_reviewed_n,
        coalesce(note_actions.notes_n, 0) as notes_n,
        case
            when current_cycle.is_at_target then (
                select nullif(count(*), 0) from assignment_areas
                where assignment_areas.agent_id = current_cycle.agent_id
                    and assignment_areas.attribute_id = current_cycle.attribute_id
                    and assignment_areas.assigned_date
                        <= {{ as_of_date() }} - ({{ cycle_days }} * current_cycle.cycle_index)::integer
            )
        end as sessions_to_target,
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
    left join overall_scores
        on overall_scores.agent_id = current_cycle.agent_id
        and overall_scores.cycle_index = current_cycle.cycle_index
    left join assignment_actions
        on assignment_actions.agent_id = current_cycle.agent_id
        and assignment_actions.attribute_id = current_cycle.attribute_id
        and assignment_actions.cycle_index = current_cycle.cycle_index
    left join review_actions
        on review_actions.agent_id = current_cycle.agent_id
        and review_actions.attribute_id = current_cycle.attribute_id
        and review_actions.cycle_index = current_cycle.cycle_index
    left join note_actions
        on note_actions.agent_id = current_cycle.agent_id
        and note_actions.attribute_id = current_cycle.attribute_id
        and note_actions.cycle_index = current_cycle.cycle_index
    left join agents on agents.agent_id = current_cycle.agent_id
    where current_cycle.cycle_index < {{ cycles }}
)

select * from final
