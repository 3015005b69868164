{#- What dispatch removed from assignments, and why (DESIGN.md section 6). -#}
with

unmapped_attributes as (
    select
        assignment_id,
        agent_id,
        'attribute' as item_type,
        attribute_id as item_id,
        'area_not_mapped' as reason
    from {{ ref('int_assignment_attributes_mapped') }}
    where not is_mapped
),

removed_interactions as (
    select
        assignment_id,
        agent_id,
        'interaction' as item_type,
        interaction_id as item_id,
        reason
    from {{ ref('int_assignment_interactions_matched') }}
    where not is_kept
),

final as (
    select * from unmapped_attributes
    union all
    select * from removed_interactions
)

select * from final
