{#- Every listed interaction of every assignment, matched to the agent
    assignment it belongs to (DESIGN.md section 6, Dispatch):
    - a marked interaction goes to the member (or the individual assignee) it
      belongs to, and is kept when it has a score in one of that agent's
      mapped areas (else removed: `no_score_in_areas`);
    - one that is not the agent's (individual: `not_agents_interaction`) or no
      member's (group: `not_a_members_interaction`, reported once on the group
      assignment with no agent) is removed;
    - best responses are other agents' model answers: every member gets them.
    `reviewed` is whether the agent sent the matching review event. -#}
with

assignments as (
    select * from {{ ref('int_assignments_fanned_out') }}
),

mapped_attributes as (
    select * from {{ ref('int_assignment_attributes_mapped') }}
),

interactions as (
    select interaction_id, agent_id from {{ ref('stg_interactions') }}
),

scored_interactions as (
    select interaction_id, agent_id, is_scored, scored_attribute_ids from {{ ref('int_interactions_scored') }}
),

review_events as (
    select assignment_id, agent_id, interaction_id, event_type
    from {{ ref('stg_coaching_events') }}
    where event_type in ('interaction_reviewed', 'best_response_reviewed')
        and occurred_date <= {{ as_of_date() }}
),

assignment_areas as (
    select
        assignment_id,
        {{ ordered_list('attribute_id', ['attribute_position'], 'is_mapped') }} as mapped_attribute_ids
    from mapped_attributes
    group by assignment_id
),

listed_interactions as (
    select
        assignment_id,
        parent_assignment_id,
        coaching_type,
        agent_id,
        {{ unnest_list('listed_interaction_ids', 'interaction_id') }}
    from assignments
),

members as (
    select distinct parent_assignment_id, agent_id
    from assignments
    where parent_assignment_id is not null
),

owned as (
    select
        listed_interactions.*,
        coalesce(interactions.agent_id, scored_interactions.agent_id) as owner_agent_id,
        coalesce(scored_interactions.is_scored, false)
            and {{ list_length("array_intersect(
                coalesce(scored_interactions.scored_attribute_ids, " ~ empty_string_list() ~ "),
                coalesce(assignment_areas.mapped_attribute_ids, " ~ empty_string_list() ~ ")
            )") }} > 0 as has_score_in_areas
    from listed_interactions
    left join interactions using (interaction_id)
    left join scored_interactions using (interaction_id)
    left join assignment_areas using (assignment_id)
),

own_marked as (
    select
        assignment_id,
        parent_assignment_id,
        agent_id,
        interaction_id,
        'marked' as kind,
        has_score_in_areas as is_kept,
        case when not has_score_in_areas then 'no_score_in_areas' end as reason
    from owned
    where owner_agent_id = agent_id
),

not_agents_marked as (
    select
        assignment_id,
        parent_assignment_id,
        agent_id,
        interaction_id,
        'marked' as kind,
        false as is_kept,
        'not_agents_interaction' as reason
    from owned
    where coaching_type = 'Individual'
        and owner_agent_id is distinct from agent_id
),

no_members_marked as (
    select distinct
        owned.parent_assignment_id as assignment_id,
        null::string as parent_assignment_id,
        null::string as agent_id,
        owned.interaction_id,
        'marked' as kind,
        false as is_kept,
        'not_a_members_interaction' as reason
    from owned
    where owned.coaching_type = 'Group'
        and not exists (
            select 1 from members
            where members.parent_assignment_id = owned.parent_assignment_id
                and members.agent_id = owned.owner_agent_id
        )
),

best_responses as (
    select
        assignment_id,
        parent_assignment_id,
        agent_id,
        {{ unnest_list('best_response_interaction_ids', 'interaction_id') }},
        'best_response' as kind,
        true as is_kept,
        null::string as reason
    from assignments
),

matched as (
    select * from own_marked
    union all
    select * from not_agents_marked
    union all
    select * from no_members_marked
    union all
    select * from best_responses
),

-- the items the agent sent the matching review event for (a join, not a
-- correlated EXISTS over the union: Spark's optimizer fails on that)
reviewed_items as (
    select distinct matched.assignment_id, matched.agent_id, matched.interaction_id, matched.kind
    from matched
    inner join review_events
        on {{ reviews_item('review_events', 'matched') }}
),

final as (
    select
        matched.*,
        reviewed_items.assignment_id is not null as reviewed
    from matched
    left join reviewed_items
        on reviewed_items.assignment_id = matched.assignment_id
        and reviewed_items.agent_id = matched.agent_id
        and reviewed_items.interaction_id = matched.interaction_id
        and reviewed_items.kind = matched.kind
)

select * from final
