{#- None of `columns` is null: one test per model instead of one per column,
    so a frequent build pays one query, and one check, per model. A failing
    row names itself whole. -#}
{% test not_null_columns(model, columns) %}

select *
from {{ model }}
where {% for column in columns %}{{ column }} is null{% if not loop.last %} or {% endif %}{% endfor %}

{% endtest %}
