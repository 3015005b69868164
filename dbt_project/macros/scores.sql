{#- Score rules of DESIGN.md section 3.

    Exact arithmetic: scores and targets are DECIMAL(6, 3) from staging on
    (ingest keeps them to 3 decimals), weights DECIMAL(38, 6), so every sum
    and sum of squares behind a window is exact, whatever the order DuckDB
    adds in; only the final division (mean_from_sums) is a DOUBLE. -#}

{% macro exact_score(value) -%}
    ({{ value }})::decimal(6, 3)
{%- endmacro %}

{% macro exact_weight(value) -%}
    ({{ value }})::decimal(38, 6)
{%- endmacro %}

{#- Weighted mean of `value` by `weight` over the rows where value is present
    (an aggregate): an interaction's or an evaluation's score. It is itself
    summed into windows, so it is kept as DECIMAL(9, 6): the one division of a
    few exact sums, rounded once, the same on every build. -#}
{% macro weighted_mean(value, weight) -%}
    ({{ mean_from_sums(
        'sum((' ~ value ~ ') * (' ~ weight ~ '))',
        'sum(case when (' ~ value ~ ') is not null then ' ~ weight ~ ' end)'
    ) }})::decimal(9, 6)
{%- endmacro %}

{#- An interaction shorter than min_handle_time_s is left out of every score;
    one whose handle time is unknown is kept. -#}
{% macro is_scored_interaction(handle_time_s) -%}
    coalesce(({{ handle_time_s }}) >= {{ var('min_handle_time_s') | float }}, true)
{%- endmacro %}
