{#- The Marked for Coaching workspace (individuals): every mark with its
    figures, evidence and state, and each agent's live marks in the order a
    supervisor should take them (DESIGN.md section 6). -#}
with

marks as (
    select * from {{ ref('stg_coaching_marks') }}
),

agents as (
    select agent_id, agent_name, team from {{ ref('stg_agents') }}
),

attributes as (
    select attribute_id, attribute_name, is_compliance from {{ ref('stg_attributes') }}
),

described as (
    select
        marks.*,
        agents.agent_name,
        agents.team,
        attributes.attribute_name,
        coalesce(marks.is_compliance, attributes.is_compliance, false) as is_compliance_area,
        marks.state in ('open', 'grouped') as is_live
    from marks
    left join agents using (agent_id)
    left join attributes using (attribute_id)
),

flagged as (
    select
        described.*,
        -- a manual mark in a compliance area with a score below target in
        -- the window is a breach too
        described.reason = 'compliance_breach'
            or (described.is_compliance_area and coalesce(described.below_target_n, 0) > 0)
            as is_compliance_breach
    from described
),

ranked as (
    select
        flagged.*,
        case
            when flagged.is_live then row_number() over (
                partition by flagged.agent_id, flagged.is_live
                order by
                    flagged.is_compliance_breach desc,
                    flagged.priority desc nulls last,
                    flagged.gap desc nulls last,
                    flagged.raised_at,
                    flagged.mark_id
            )::bigint
        end as priority_rank
    from flagged
),

final as (
    select
        mark_id,
        agent_id,
        attribute_id,
        source,
        reason,
        raised_at,
        as_of_date,
        current_score,
        target_score,
        gap,
        n,
        below_target_n,
        priority,
        priority_rank,
        evidence,
        state,
        cleared_as_of,
        is_compliance_breach,
        interaction_ids,
        agent_name,
        team,
        attribute_name
    from ranked
)

select * from final
