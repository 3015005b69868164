{#- The final Auto QA and audit score of each (interaction, attribute), with
    the interaction's local day: the 20M-row base of every score.

    Incremental: a run recomputes only the keys that new input touched (a new
    winning Auto QA score, a new audit version, or, when min_handle_time_s is
    on, an interaction's late metadata), found through `_ingested_at` above the
    watermark, and replaces them (delete+insert on the key). When a key moves
    to another agent or day, the old pair is kept in `_replaced_*` so the daily
    aggregates can recompute the group it left. -#}
{{
    config(
        materialized=incremental_materialization(),
        unique_key='_key_hash',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook="{{ insert_first_build_slices() }}",
    )
}}

with

-- Import CTEs used more than once are `not materialized`, so each use keeps
-- its own filter and DuckDB can skip row groups instead of copying the table.
auto_qa_scores as {{ not_materialized() }} (
    select * from {{ ref('stg_auto_qa_scores') }}
),

evaluations as {{ not_materialized() }} (
    select * from {{ ref('stg_evaluations') }}
),

interactions as {{ not_materialized() }} (
    select interaction_id, handle_time_s, _ingested_at from {{ ref('stg_interactions') }}
),

{% if is_incremental() %}
{{ guard_incremental_settings() }}
new_auto_qa_scores as (
    select * from auto_qa_scores
    where _ingested_at > {{ incremental_watermark() }}
),

changed_keys as (
    select interaction_id, attribute_id, _key_hash
    from new_auto_qa_scores
    union
    select interaction_id, attribute_id, {{ key_hash(['interaction_id', 'attribute_id']) }}
    from evaluations
    where _ingested_at > {{ incremental_watermark() }}
    {% if var('min_handle_time_s') | float > 0 %}
    union
    select held.interaction_id, held.attribute_id, held._key_hash
    from {{ this }} as held
    semi join interactions
        on interactions.interaction_id = held.interaction_id
        and interactions._ingested_at > {{ incremental_watermark() }}
    {% endif %}
),

-- The rows this table holds for the changed keys: where they were (for
-- `_replaced_*`), and the Auto QA part of keys that only a new audit or
-- interaction touched, so the 20M-row staging table is read only above the
-- watermark.
held_keys as (
    select held.*
    from {{ this }} as held
    semi join changed_keys using (_key_hash)
),

key_auto_qa_scores as (
    select
        interaction_id, attribute_id, agent_id, interaction_at, auto_qa_score, scored_at,
        event_id, _key_hash, _ingested_at
    from new_auto_qa_scores
    union all
    select
        held_keys.interaction_id,
        held_keys.attribute_id,
        held_keys.agent_id,
        held_keys.interaction_at,
        held_keys.auto_qa_score,
        held_keys.auto_qa_scored_at as scored_at,
        held_keys.auto_qa_event_id as event_id,
        held_keys._key_hash,
        held_keys._ingested_at
    from held_keys
    anti join new_auto_qa_scores using (_key_hash)
    where held_keys.auto_qa_event_id is not null
),

key_evaluations as (
    select evaluations.*
    from evaluations
    semi join changed_keys using (interaction_id, attribute_id)
),
{% else %}
key_auto_qa_scores as (
    select * from auto_qa_scores
),

key_evaluations as {{ not_materialized() }} (
    select * from evaluations
),
{% endif %}

{#- The Auto QA scores and the latest audits, full outer joined. A first
    build joins in slices of the interactions' hash, one statement each
    (`first_build_slice`): one slice of a year's audits (20M rows) fits in
    the memory budget, where the whole of them did not, and DuckDB then
    spilled the 400M scores it probed to disk (19 GB in two minutes, still
    rising). An incremental run joins its few keys at once. -#}
{%- set sliced = first_build_in_slices() %}
reaudited_keys as (
    {{ repeated_keys('key_evaluations', ['interaction_id', 'attribute_id']) }}
),

scores as (
    select
        coalesce(auto_qa.interaction_id, audit.interaction_id) as interaction_id,
        coalesce(auto_qa.attribute_id, audit.attribute_id) as attribute_id,
        coalesce(auto_qa.agent_id, audit.agent_id) as agent_id,
        coalesce(auto_qa.interaction_at, audit.interaction_at) as interaction_at,
        auto_qa.auto_qa_score,
        auto_qa.scored_at as auto_qa_scored_at,
        auto_qa.event_id as auto_qa_event_id,
        audit.audit_score,
        audit.evaluation_id as audit_evaluation_id,
        audit.evaluated_at as audit_evaluated_at,
        coalesce(
            auto_qa._key_hash,
            {{ key_hash(['audit.interaction_id', 'audit.attribute_id']) }}
        ) as _key_hash,
        greatest(auto_qa._ingested_at, audit._ingested_at) as _ingested_at
    {%- if sliced %}
    from (
        select * from key_auto_qa_scores
        where {{ first_build_slice('interaction_id') }}
    ) as auto_qa
    {%- else %}
    from key_auto_qa_scores as auto_qa
    {%- endif %}
    {#- the latest audit of each key (only the keys audited twice are
        ranked), of this slice's interactions #}
    full outer join (
        {{ latest_of_repeated(
            'key_evaluations',
            ['interaction_id', 'attribute_id'],
            'reaudited_keys',
            'evaluated_at desc, evaluation_id desc',
            where=first_build_slice('interaction_id') if sliced else none,
        ) }}
    ) as audit
        on audit.interaction_id = auto_qa.interaction_id
        and audit.attribute_id = auto_qa.attribute_id
),

resolved as (
    select
        scores.interaction_id,
        scores.attribute_id,
        scores.agent_id,
        scores.interaction_at,
        {{ local_date('scores.interaction_at') }} as interaction_date,
        scores.auto_qa_score,
        scores.auto_qa_scored_at,
        scores.auto_qa_event_id,
        scores.audit_score,
        scores.audit_evaluation_id,
        scores.audit_evaluated_at,
        scores._key_hash,
        {% if var('min_handle_time_s') | float > 0 %}
        {{ is_scored_interaction('interactions.handle_time_s') }} as is_scored,
        greatest(scores._ingested_at, interactions._ingested_at) as _ingested_at,
        {% else %}
        -- no handle-time filter: every interaction counts, and the
        -- interactions table is not read at all
        true as is_scored,
        scores._ingested_at,
        {% endif %}
        {{ incremental_settings_columns() }}
    from scores
    {% if var('min_handle_time_s') | float > 0 %}
    left join interactions using (interaction_id)
    {% endif %}
),

final as (
    select
        resolved.*,
        {% if is_incremental() %}
        {{ replaced_keys('held_keys', 'resolved') }}
    from resolved
    left join held_keys using (_key_hash)
        {% else %}
        null::string as _replaced_agent_id,
        null::date as _replaced_interaction_date
    from resolved
        {% endif %}
    -- stored in day order: the daily aggregates read a day range of this
    -- table, and DuckDB's zone maps then skip the other days. A first build
    -- is not sorted: sorting a year of history (400M rows) would spill more
    -- than the table itself.
    {% if is_incremental() %}
    order by resolved.interaction_date
    {% endif %}
)

select * from final
