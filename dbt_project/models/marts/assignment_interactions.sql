{#- The interactions an agent works through in an assignment: the kept marked
    interactions and the best responses, with their scores. -#}
with

matched as (
    select * from {{ ref('int_assignment_interactions_matched') }}
    where is_kept
),

mapped_attributes as (
    select
        assignment_id,
        {{ ordered_list('attribute_id', ['attribute_position'], 'is_mapped') }} as attribute_ids
    from {{ ref('int_assignment_attributes_mapped') }}
    group by assignment_id
),

scored_interactions as (
    select * from {{ ref('int_interactions_scored') }}
),

interactions as (
    select * from {{ ref('stg_interactions') }}
),

final as (
    select
        matched.assignment_id,
        matched.agent_id,
        matched.interaction_id,
        matched.kind,
        coalesce(scored_interactions.interaction_date, interactions.interaction_date) as interaction_date,
        coalesce(scored_interactions.interaction_at, interactions.started_at) as interaction_at,
        interactions.queue,
        interactions.channel,
        interactions.topic,
        interactions.intent,
        {{ list_where(
            'coalesce(mapped_attributes.attribute_ids, ' ~ empty_string_list() ~ ')',
            'attribute_id',
            'array_contains(scored_interactions.scored_attribute_ids, attribute_id)'
        ) }} as attribute_ids,
        scored_interactions.kore_evaluation_score::double as kore_evaluation_score,
        scored_interactions.audit_score::double as audit_score,
        interactions.sentiment_score,
        matched.reviewed
    from matched
    left join mapped_attributes using (assignment_id)
    left join scored_interactions using (interaction_id)
    left join interactions using (interaction_id)
)

select * from final
