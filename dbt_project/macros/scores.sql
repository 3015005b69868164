{#- Score rules of DESIGN.md section 3. -#}

{#- Weighted mean of `value` by `weight` over the rows where value is present
    (an aggregate). -#}
{% macro weighted_mean(value, weight) -%}
    (sum(({{ value }}) * ({{ weight }})) / sum(case when ({{ value }}) is not null then {{ weight }} end))
{%- endmacro %}

{#- An interaction shorter than min_handle_time_s is left out of every score;
    one whose handle time is unknown is kept. -#}
{% macro is_scored_interaction(handle_time_s) -%}
    coalesce(({{ handle_time_s }}) >= {{ var('min_handle_time_s') | float }}, true)
{%- endmacro %}

{#- The distinct elements of a list, in their first-listed order. -#}
{% macro list_unique(list_expression) -%}
    list_filter({{ list_expression }}, lambda item, position: list_position({{ list_expression }}, item) = position)
{%- endmacro %}
