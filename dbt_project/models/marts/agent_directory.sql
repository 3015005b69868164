{#- The directory of agents: one row per agent of the roster with the
    current window's (days D-6 .. D) scores and handling figures, the live
    marks, the assignments, and the coaching state (DESIGN.md section 5). The
    scores are sums over the daily aggregates; the handling figures read the
    window's interactions only. -#}
with

agents as (
    select * from {{ ref('stg_agents') }}
),

agent_days as (
    select * from {{ ref('int_agent_days_aggregated') }}
    where {{ in_current_window('interaction_date') }}
),

interactions as (
    select agent_id, handle_time_s, sentiment_score from {{ ref('stg_interactions') }}
    where {{ on_local_days('started_at', as_of_date() ~ ' - 6', as_of_date()) }}
),

marks as (
    select agent_id, is_compliance_breach from {{ ref('coaching_marks') }}
    where state in ('open', 'grouped')
),

assignments as (
    select * from {{ ref('coaching_assignments') }}
),

-- assignments with a coached attribute whose trend is a spike with p < 0.05
spiking_assignments as (
    select distinct assignment_id from {{ ref('coaching_progress') }}
    where trend = 'spike' and p_value < 0.05
),

window_scores as (
    select
        agent_id,
        {{ mean_from_sums('sum(kore_sum)', 'sum(kore_n)') }} as evaluation_score_current,
        sum(kore_n)::bigint as evaluation_n_current,
        {{ mean_from_sums('sum(scorecard_sum)', 'sum(scorecard_n)') }} as scorecard_score_current,
        sum(scorecard_n)::bigint as scorecard_n_current
    from agent_days
    group by agent_id
),

-- handle times kept to the millisecond and sentiments to 6 decimals, so the
-- sums are exact
window_interactions as (
    select
        agent_id,
        count(*) as interactions_n,
        {{ mean_from_sums('sum(handle_time_s::decimal(38, 3))', 'count(handle_time_s)') }}
            as avg_handle_time_s,
        {{ mean_from_sums('sum(sentiment_score::decimal(38, 6))', 'count(sentiment_score)') }}
            as avg_sentiment
    from interactions
    group by agent_id
),

live_marks as (
    select
        agent_id,
        count(*) as open_marks_n,
        count(*) filter (where is_compliance_breach) as compliance_marks_n
    from marks
    group by agent_id
),

-- active: not deleted (deleted ones are not assignments at all) and not Completed
coaching as (
    select
        assignments.agent_id,
        count(*) filter (where assignments.status <> 'Completed') as active_assignments_n,
        max(assignments.assigned_date) as last_coached_date,
        bool_or(
            assignments.status <> 'Completed' and spiking_assignments.assignment_id is not null
        ) as is_improving
    from assignments
    left join spiking_assignments using (assignment_id)
    group by assignments.agent_id
),

latest_assignments as (
    select
        agent_id,
        assignment_id as latest_assignment_id,
        status as latest_assignment_status,
        plan_status as latest_assignment_plan_status
    from assignments
    {{ latest_wins(['agent_id'], 'assigned_at desc, assignment_id desc') }}
),

final as (
    select
        agents.agent_id,
        agents.agent_name as name,
        agents.team,
        agents.supervisor_id,
        agents.experience_level,
        agents.is_active as active,
        window_scores.evaluation_score_current,
        coalesce(window_scores.evaluation_n_current, 0) as evaluation_n_current,
        window_scores.scorecard_score_current,
        coalesce(window_scores.scorecard_n_current, 0) as scorecard_n_current,
        coalesce(window_interactions.interactions_n, 0) as interactions_n,
        window_interactions.avg_handle_time_s,
        window_interactions.avg_sentiment,
        coalesce(live_marks.open_marks_n, 0) as open_marks_n,
        coalesce(live_marks.compliance_marks_n, 0) as compliance_marks_n,
        coalesce(coaching.active_assignments_n, 0) as active_assignments_n,
        latest_assignments.latest_assignment_id,
        latest_assignments.latest_assignment_status,
        latest_assignments.latest_assignment_plan_status,
        coaching.last_coached_date,
        case
            when coalesce(coaching.is_improving, false) then 'improving'
            when coalesce(coaching.active_assignments_n, 0) > 0 then 'being_coached'
            when coalesce(live_marks.open_marks_n, 0) > 0 then 'needs_coaching'
            else 'on_track'
        end as coaching_state,
        {{ as_of_date() }} as as_of_date
    from agents
    left join window_scores using (agent_id)
    left join window_interactions using (agent_id)
    left join live_marks using (agent_id)
    left join coaching using (agent_id)
    left join latest_assignments using (agent_id)
)

select * from final
