{#- Machine against human scoring, week by week: per attribute and week (of
    the interaction's local day), over the interactions that have both a
    latest Auto QA score and a latest audit score of the attribute. -#}
with

paired_scores as (
    select
        attribute_id,
        cast(date_trunc('week', interaction_date) as date) as week,
        auto_qa_score,
        audit_score
    from {{ ref('int_interaction_scores_resolved') }}
    where audit_score is not null
        and auto_qa_score is not null
        and is_scored
        and interaction_date <= {{ as_of_date() }}
),

attributes as (
    select attribute_id, target_score from {{ ref('stg_attributes') }}
),

verdicts as (
    select
        paired_scores.*,
        paired_scores.auto_qa_score >= attributes.target_score as auto_qa_passed,
        paired_scores.audit_score >= attributes.target_score as audit_passed
    from paired_scores
    left join attributes using (attribute_id)
),

counted as (
    select
        attribute_id,
        week,
        count(*) as n,
        {{ mean_from_sums('sum(abs(auto_qa_score - audit_score))', 'count(*)') }} as mean_abs_diff,
        {{ correlation_from_sums(
            'count(*)', 'sum(auto_qa_score)', 'sum(audit_score)', 'sum(auto_qa_score * audit_score)',
            'sum(auto_qa_score * auto_qa_score)', 'sum(audit_score * audit_score)'
        ) }} as correlation,
        count(auto_qa_passed) as verdicts_n,
        count(*) filter (where auto_qa_passed = audit_passed) as agreed_n,
        count(*) filter (where auto_qa_passed) as auto_qa_passed_n,
        count(*) filter (where audit_passed) as audit_passed_n
    from verdicts
    group by attribute_id, week
),

final as (
    select
        attribute_id,
        week,
        n,
        mean_abs_diff,
        correlation,
        {{ cohens_kappa('verdicts_n', 'agreed_n', 'auto_qa_passed_n', 'audit_passed_n') }} as kappa,
        agreed_n / nullif(verdicts_n, 0) as agreement_share,
        auto_qa_passed_n,
        audit_passed_n
    from counted
)

select * from final
