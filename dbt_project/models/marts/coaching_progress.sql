{#- Did coaching move the needle? Per agent assignment and mapped attribute:
    the Auto QA score at assignment (days A-7 .. A-1) against now (days
    D-6 .. D), with n on both sides, the trend and a Welch t-test p-value. -#}
with

attribute_windows as (
    select * from {{ ref('int_assignment_attribute_windows_summed') }}
),

scored as (
    select
        assignment_id,
        agent_id,
        attribute_id,
        attribute_position,
        {{ mean_from_sums('at_assigned_sum', 'at_assigned_n') }} as score_at_assigned,
        at_assigned_n as n_at_assigned,
        {{ mean_from_sums('current_sum', 'current_n') }} as current_score,
        current_n as n_current,
        {{ welch_p_value(
            'current_n', 'current_sum', 'current_sum_sq',
            'at_assigned_n', 'at_assigned_sum', 'at_assigned_sum_sq'
        ) }} as p_value
    from attribute_windows
),

final as (
    select
        assignment_id,
        agent_id,
        attribute_id,
        score_at_assigned,
        n_at_assigned,
        current_score,
        n_current,
        current_score - score_at_assigned as delta,
        {{ trend('current_score - score_at_assigned', 'n_at_assigned', 'n_current') }} as trend,
        p_value,
        attribute_position,
        {{ as_of_date() }} as as_of_date
    from scored
)

select * from final
