{#- Time, days and windows (DESIGN.md section 3). -#}

{#- The center's local calendar date of a TIMESTAMPTZ. Never cast a
    TIMESTAMPTZ to DATE directly: that would use the session's zone. -#}
{% macro local_date(ts) -%}
    cast(timezone('{{ var("timezone") }}', {{ ts }}) as date)
{%- endmacro %}

{#- The date the warehouse describes: var `as_of`, else today in the center's zone. -#}
{% macro as_of_date() -%}
    {%- set as_of = var('as_of', none) -%}
    {%- if as_of is none or (as_of | string | trim) in ('', 'none', 'None', 'null') -%}
        {{ local_date('now()') }}
    {%- else -%}
        date '{{ as_of | string | trim }}'
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
