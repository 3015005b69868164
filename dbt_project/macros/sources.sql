{#- Sources that another asset writes after the first build. -#}

{#- A source table, or an empty relation with its columns while the table does
    not exist yet. The `coaching` tables are written by the Python marks asset,
    which runs after the scores are built: a first `dbt build` of an empty
    warehouse (or one without Dagster) must not fail for want of them.
    `columns` maps each column to its DuckDB type. The source() call is always
    rendered, so lineage (and Dagster's asset graph) keeps the dependency. -#}
{% macro source_or_empty(source_name, table_name, columns) -%}
    {%- set relation = source(source_name, table_name) -%}
    {#- unit tests stand a fixture in for the source: nothing to look up -#}
    {%- if execute and model.resource_type != 'unit_test' and load_relation(relation) is none -%}
        (
            select
                {%- for name, data_type in columns.items() %}
                cast(null as {{ sql_type(data_type) }}) as {{ name }}{{ ',' if not loop.last }}
                {%- endfor %}
            where false
        )
    {%- else -%}
        {{ relation }}
    {%- endif -%}
{%- endmacro %}

{#- Import CTE `events`: the coaching events up to var `as_of` that took
    effect, i.e. without those the coaching workflow refused (written by the
    marks asset to `coaching.refused_events`). -#}
{% macro accepted_coaching_events() -%}
refused_events as (
    select distinct event_id from {{ ref('stg_coaching_refused_events') }}
),

events as (
    select * from {{ ref('stg_coaching_events') }}
    anti join refused_events using (event_id)
    where occurred_date <= {{ as_of_date() }}
)
{%- endmacro %}
