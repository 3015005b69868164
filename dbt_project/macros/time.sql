{#- Time, days and windows (DESIGN.md section 3). -#}

{#- The center's local calendar date of a TIMESTAMPTZ. Never cast a
    TIMESTAMPTZ to DATE directly: that would use the session's zone. -#}
{% macro local_date(ts) -%}
    cast({{ local_timestamp(ts, var("timezone")) }} as date)
{%- endmacro %}

{#- The date the warehouse describes: var `as_of` when given, else the date
    the pipeline wrote to `control.build_settings` for this build, else today
    in the center's zone. The pipeline passes the date through the table, not
    through a var, so a new date changes no parse-time value and dbt's partial
    parse survives it; the source() call puts every model that reads the date
    downstream of that table, so a new date rebuilds exactly those. -#}
{% macro as_of_date() -%}
    {%- set given = var('as_of', '') | string | trim -%}
    {#- unit tests give the date as a var: no table to read there -#}
    {%- set reads_table = model.resource_type != 'unit_test' -%}
    {%- if reads_table -%}
        {%- set relation = source('control', 'build_settings') -%}
    {%- endif -%}
    {%- if given not in ('', 'none', 'None', 'null') -%}
        date '{{ given }}'
    {%- elif execute and reads_table and load_relation(relation) is not none -%}
        {%- set held = run_query("select cast(max(as_of) as string) from " ~ relation) -%}
        {%- set value = held.columns[0].values()[0] -%}
        {%- if value -%} date '{{ value }}' {%- else -%} {{ local_date('now()') }} {%- endif -%}
    {%- else -%}
        {{ local_date('now()') }}
    {%- endif -%}
{%- endmacro %}

{#- Current window for as_of D: days D-6 .. D. -#}
{% macro in_current_window(day) -%}
    ({{ day }} between {{ as_of_date() }} - 6 and {{ as_of_date() }})
{%- endmacro %}

{#- At-assigned window for an assignment made on day A: days A-7 .. A-1. -#}
{% macro in_at_assigned_window(day, assigned_date) -%}
    ({{ day }} between {{ assigned_date }} - 7 and {{ assigned_date }} - 1)
{%- endmacro %}

{#- Whether a TIMESTAMPTZ falls on a local day from first_day to last_day,
    stated as a range of the timestamp itself: DuckDB checks it against a
    table's zone maps, and skips the row groups of other days, before any
    local date is computed. -#}
{% macro on_local_days(ts, first_day, last_day) -%}
    ({{ ts }} >= {{ instant_of_local('(' ~ first_day ~ ')::timestamp', var("timezone")) }}
        and {{ ts }} < {{ instant_of_local('((' ~ last_day ~ ') + 1)::timestamp', var("timezone")) }})
{%- endmacro %}

{#- The coaching log's cycles (var coaching_cycle_days long, ending on as_of):
    the cycle a day falls in, 0 for the latest, 1 for the one before, ... -#}
{% macro coaching_cycle_index(day) -%}
    {{ integer_divide(days_between(day, as_of_date()), var('coaching_cycle_days') | int) }}
{%- endmacro %}

{#- The first day of the coaching log's oldest cycle (var coaching_log_cycles
    cycles back from as_of). -#}
{% macro coaching_log_first_day() -%}
    {{ as_of_date() }} - {{ (var('coaching_cycle_days') | int) * (var('coaching_log_cycles') | int) - 1 }}
{%- endmacro %}
