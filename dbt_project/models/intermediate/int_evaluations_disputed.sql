{#- Each evaluation made up to var `as_of`, its auditor, and whether a
    dispute overturned it: a disputed attribute whose latest score (up to
    as_of) differs from its first version's. -#}
with

versions as (
    select * from {{ ref('stg_evaluation_versions') }}
    where evaluated_date <= {{ as_of_date() }}
),

disputes as (
    select
        evaluation_id,
        count(*) as disputes_n,
        -- a dispute that names no attribute disputes the whole evaluation
        bool_or(coalesce({{ list_length('disputed_attribute_ids') }}, 0) = 0) as disputes_every_attribute,
        array_distinct(flatten({{ unordered_list('coalesce(disputed_attribute_ids, ' ~ empty_string_list() ~ ')') }}))
            as disputed_attribute_ids
    from {{ ref('stg_evaluation_reviews') }}
    where event_type = 'disputed'
        and occurred_date <= {{ as_of_date() }}
    group by evaluation_id
),

evaluations as (
    select
        evaluation_id,
        -- the auditor is who made the first version; a re-evaluation may be
        -- someone else's
        {{ value_at_min('evaluator_id', ['evaluated_at', 'event_id']) }} as evaluator_id,
        {{ value_at_min('agent_id', ['evaluated_at', 'event_id']) }} as agent_id,
        min(evaluated_at) as first_evaluated_at
    from versions
    group by evaluation_id
),

attribute_versions as (
    select
        versions.evaluation_id,
        versions.attribute_id,
        {{ value_at_min('versions.audit_score', ['versions.evaluated_at', 'versions.event_id']) }} as first_score,
        {{ value_at_max('versions.audit_score', ['versions.evaluated_at', 'versions.event_id']) }} as latest_score
    from versions
    semi join disputes using (evaluation_id)
    group by versions.evaluation_id, versions.attribute_id
),

overturns as (
    select
        attribute_versions.evaluation_id,
        {{ ordered_list(
            'attribute_versions.attribute_id',
            ['attribute_versions.attribute_id'],
            'attribute_versions.latest_score is distinct from attribute_versions.first_score'
        ) }} as overturned_attribute_ids
    from attribute_versions
    inner join disputes using (evaluation_id)
    where disputes.disputes_every_attribute
        or array_contains(disputes.disputed_attribute_ids, attribute_versions.attribute_id)
    group by attribute_versions.evaluation_id
),

final as (
    select
        evaluations.evaluation_id,
        evaluations.evaluator_id,
        evaluations.agent_id,
        evaluations.first_evaluated_at,
        coalesce(disputes.disputes_n, 0) as disputes_n,
        disputes.evaluation_id is not null as is_disputed,
        coalesce({{ list_length('overturns.overturned_attribute_ids') }}, 0) > 0 as is_overturned,
        coalesce(overturns.overturned_attribute_ids, {{ empty_string_list() }}) as overturned_attribute_ids
    from evaluations
    left join disputes using (evaluation_id)
    left join overturns using (evaluation_id)
)

select * from final
