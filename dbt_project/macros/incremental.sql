{#- Incremental bookkeeping shared by the incremental models. -#}

{#- The newest `_ingested_at` this model has already folded in. Every row an
    incremental model writes carries the newest `_ingested_at` of the inputs it
    was computed from, so input rows newer than this are the ones a run has not
    seen yet. DuckDB turns the scalar subquery into a dynamic filter, so the
    scan of an append-only input skips the row groups that are older. -#}
{% macro incremental_watermark() -%}
    (select coalesce(max(_ingested_at), '-infinity'::timestamptz) from {{ this }})
{%- endmacro %}

{#- Latest wins: keep the first row per key in the given order. The order must
    be total (end with a unique column), so a full refresh and an incremental
    run pick the same row. -#}
{% macro latest_wins(key_columns, order_by) -%}
    qualify row_number() over (
        partition by {{ key_columns | join(', ') }}
        order by {{ order_by }}
    ) = 1
{%- endmacro %}

{#- Whether a row of `new` sorts before the row of `held` in latest_wins'
    order over `columns` (each descending, none null): the comparison for a
    key held in a table, where a window over both rows would read the table. -#}
{% macro later_than(new, held, columns) -%}
    {%- for column in columns %}
    {% if not loop.first %}or ({% for earlier in columns[:loop.index0] %}{{ new }}.{{ earlier }} = {{ held }}.{{ earlier }} and {% endfor %}{% endif -%}
    {{ new }}.{{ column }} > {{ held }}.{{ column }}{% if not loop.first %}){% endif %}
    {%- endfor %}
{%- endmacro %}

{#- The keys that occur more than once in `relation`: what
    latest_of_repeated ranks. A CTE of its own, so it is computed once. -#}
{% macro repeated_keys(relation, key_columns) -%}
    {%- set keys = key_columns | join(', ') -%}
    select {{ keys }} from {{ relation }}
    group by {{ keys }}
    having count(*) > 1
{%- endmacro %}

{#- Latest wins over a large relation: a key that occurs once wins outright,
    and only the keys in `repeated_keys` (a CTE of the macro above) are
    ranked. A window over every row would sort, or hold in memory, the whole
    relation (a year: 400M scores, 20M audits); counting keys is a narrow hash
    aggregate. `where` narrows the rows of both parts. -#}
{% macro latest_of_repeated(relation, key_columns, repeated_keys, order_by, where=none) -%}
    {%- set keys = key_columns | join(', ') -%}
    select {{ relation }}.* from {{ relation }}
    anti join {{ repeated_keys }} using ({{ keys }})
    {% if where is not none %}where {{ where }}{% endif %}
    union all
    select {{ relation }}.* from {{ relation }}
    semi join {{ repeated_keys }} using ({{ keys }})
    {% if where is not none %}where {{ where }}{% endif %}
    {{ latest_wins(key_columns, order_by) }}
{%- endmacro %}

{#- The settings a stored row was computed under: the time zone (its day) and
    min_handle_time_s (whether it is scored). Constant columns, which DuckDB
    stores in next to no space. -#}
{% macro incremental_settings_columns() -%}
    '{{ var("timezone") }}'::string as _timezone,
    {{ var('min_handle_time_s') | float }}::double as _min_handle_time_s
{%- endmacro %}

{#- An incremental run must not mix rows computed under other settings into
    the table: when the time zone or min_handle_time_s changed since the rows
    were stored, stop and ask for a full refresh. Renders nothing. -#}
{% macro guard_incremental_settings() -%}
    {#- unit tests stand a fixture in for `this`: nothing to read there -#}
    {%- if execute and is_incremental() and model.resource_type != 'unit_test' -%}
        {%- set held_columns = adapter.get_columns_in_relation(this) | map(attribute='name') | list -%}
        {%- if '_timezone' not in held_columns or '_min_handle_time_s' not in held_columns -%}
            {{ exceptions.raise_compiler_error(
                this ~ " predates the settings columns; rebuild it with --full-refresh."
            ) }}
        {%- endif -%}
        {%- set held = run_query(
            'select _timezone, _min_handle_time_s from ' ~ this ~ ' limit 1'
        ) -%}
        {%- if held.rows | length > 0 -%}
            {%- set held_timezone = held.rows[0][0] -%}
            {%- set held_min_handle_time_s = held.rows[0][1] | float -%}
            {%- if held_timezone != var('timezone')
                or held_min_handle_time_s != (var('min_handle_time_s') | float) -%}
                {{ exceptions.raise_compiler_error(
                    this ~ " holds rows computed with timezone=" ~ held_timezone
                    ~ " and min_handle_time_s=" ~ held_min_handle_time_s ~ "; this run has "
                    ~ var('timezone') ~ " and " ~ var('min_handle_time_s')
                    ~ ". Rebuild the incremental models with --full-refresh after changing either."
                ) }}
            {%- endif -%}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{#- A 128-bit surrogate of a composite business key, for the 20M-row tables:
    DuckDB probes one UHUGEINT column about 8x faster than two VARCHARs, so
    incremental lookups and replacements go through it. Each column but the
    last is length-prefixed, so distinct keys give distinct inputs; with 128
    bits a collision among 10^8 keys has a probability near 10^-23. -#}
{% macro key_hash(columns) -%}
    {%- set key -%}
        {%- for column in columns %}
        {%- if not loop.last %}length({{ column }})::string || ':' || {{ column }} || {% else %}{{ column }}{% endif %}
        {%- endfor -%}
    {%- endset -%}
    {{ hash_128(key) }}
{%- endmacro %}

{#- When an incremental run replaces a stored row whose agent or day changed,
    the (agent, day) it left, so the aggregates can recompute that group too:
    `_replaced_agent_id` and `_replaced_interaction_date`, null otherwise. -#}
{% macro replaced_keys(held, new) -%}
    {%- set moved -%}
        {{ held }}.agent_id is distinct from {{ new }}.agent_id
            or {{ held }}.interaction_date is distinct from {{ new }}.interaction_date
    {%- endset -%}
    case when {{ moved }} then {{ held }}.agent_id end as _replaced_agent_id,
    case when {{ moved }} then {{ held }}.interaction_date end as _replaced_interaction_date
{%- endmacro %}
