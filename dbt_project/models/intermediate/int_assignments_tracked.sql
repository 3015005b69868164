{#- Progress of each agent assignment as of var `as_of`: item and review
    counts, the supervisor and agent status, and the plan status
    (DESIGN.md section 6). -#}
with

assignments as (
    select * from {{ ref('int_assignments_fanned_out') }}
),

matched as (
    select * from {{ ref('int_assignment_interactions_matched') }}
    where is_kept
),

attribute_windows as (
    select * from {{ ref('int_assignment_attribute_windows_summed') }}
),

evaluations as (
    select evaluation_id, interaction_id, review_status from {{ ref('int_evaluations_reviewed') }}
),

acknowledgments as (
    select assignment_id, agent_id
    from {{ ref('stg_coaching_events') }}
    where event_type = 'assignment_acknowledged'
        and occurred_date <= {{ as_of_date() }}
),

item_counts as (
    select
        assignment_id,
        count(distinct interaction_id) filter (where kind = 'marked') as interactions_n,
        count(distinct interaction_id) filter (where kind = 'marked' and reviewed) as interactions_reviewed_n,
        count(distinct interaction_id) filter (where kind = 'best_response') as best_responses_n,
        count(distinct interaction_id) filter (where kind = 'best_response' and reviewed)
            as best_responses_reviewed_n
    from matched
    group by assignment_id
),

linked_reviews as (
    select
        matched.assignment_id,
        bool_or(evaluations.review_status = 'Pending Supervisor Review') as has_pending_supervisor_review,
        bool_or(evaluations.review_status = 'Pending Agent Review') as has_pending_agent_review
    from matched
    inner join evaluations using (interaction_id)
    where matched.kind = 'marked'
    group by matched.assignment_id
),

goals as (
    select
        attribute_windows.assignment_id,
        bool_and(coalesce(
            case
                when assignments.target_score is not null
                    then {{ mean_at_or_above(
                        'attribute_windows.current_sum', 'attribute_windows.current_n', 'assignments.target_score'
                    ) }}
                else {{ trend(
                    mean_from_sums('attribute_windows.current_sum', 'attribute_windows.current_n')
                    ~ ' - ' ~ mean_from_sums('attribute_windows.at_assigned_sum', 'attribute_windows.at_assigned_n'),
                    'attribute_windows.at_assigned_n',
                    'attribute_windows.current_n'
                ) }} = 'spike'
            end,
            false
        )) as goals_reached
    from attribute_windows
    inner join assignments using (assignment_id)
    group by attribute_windows.assignment_id
),

counted as (
    select
        assignments.assignment_id,
        assignments.target_date,
        assignments.follow_up_date,
        coalesce(item_counts.interactions_n, 0) as interactions_n,
        coalesce(item_counts.interactions_reviewed_n, 0) as interactions_reviewed_n,
        coalesce(item_counts.best_responses_n, 0) as best_responses_n,
        coalesce(item_counts.best_responses_reviewed_n, 0) as best_responses_reviewed_n,
        coalesce(linked_reviews.has_pending_supervisor_review, false) as has_pending_supervisor_review,
        coalesce(linked_reviews.has_pending_agent_review, false) as has_pending_agent_review,
        exists (
            select 1 from acknowledgments
            where acknowledgments.agent_id = assignments.agent_id
                and acknowledgments.assignment_id in (assignments.assignment_id, assignments.parent_assignment_id)
        ) as is_acknowledged,
        coalesce(goals.goals_reached, false) as goals_reached
    from assignments
    left join item_counts using (assignment_id)
    left join linked_reviews using (assignment_id)
    left join goals using (assignment_id)
),

statused as (
    select
        counted.*,
        {{ assignment_status(
            'counted.interactions_n + counted.best_responses_n',
            'counted.interactions_reviewed_n + counted.best_responses_reviewed_n',
            'counted.has_pending_supervisor_review',
            'counted.has_pending_agent_review'
        ) }} as status,
        {{ plan_status(
            'coalesce(counted.target_date, counted.follow_up_date)',
            'counted.is_acknowledged or counted.interactions_reviewed_n + counted.best_responses_reviewed_n > 0',
            'counted.goals_reached'
        ) }} as plan_status
    from counted
),

final as (
    select
        assignment_id,
        interactions_n,
        interactions_reviewed_n,
        best_responses_n,
        best_responses_reviewed_n,
        has_pending_supervisor_review,
        has_pending_agent_review,
        is_acknowledged,
        goals_reached,
        status,
        {{ agent_status('status') }} as agent_status,
        plan_status
    from statused
)

select * from final
