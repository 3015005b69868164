{#- Coaching marks as the marks asset left them (empty before its first run). -#}
with

source as (
    select * from {{ source_or_empty('coaching', 'marks', {
        'mark_id': 'varchar',
        'agent_id': 'varchar',
        'attribute_id': 'varchar',
        'source': 'varchar',
        'reason': 'varchar',
        'raised_at': 'timestamptz',
        'as_of_date': 'date',
        'current_score': 'double',
        'target_score': 'double',
        'gap': 'double',
        'n': 'bigint',
        'below_target_n': 'bigint',
        'priority': 'double',
        'is_compliance': 'boolean',
        'interaction_ids': 'varchar[]',
        'evidence': 'struct(interaction_id varchar, interaction_at timestamptz, score double, quote varchar, offset_s double)[]',
        'state': 'varchar',
        'cleared_as_of': 'date',
    }) }}
),

renamed as (
    select
        mark_id,
        agent_id,
        attribute_id,
        source,
        reason,
        raised_at,
        {{ local_date('raised_at') }} as raised_date,
        as_of_date,
        current_score,
        target_score,
        gap,
        n,
        below_target_n,
        priority,
        is_compliance,
        coalesce(interaction_ids, {{ empty_string_list() }}) as interaction_ids,
        evidence,
        state,
        cleared_as_of
    from source
),

final as (
    select * from renamed
)

select * from final
