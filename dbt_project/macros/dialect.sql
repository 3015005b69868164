{#- The SQL that DuckDB and Spark write differently, one macro each, with a
    `duckdb__` and a `spark__` implementation (adapter.dispatch). Models and
    the other macros speak through these, so one project builds on both. -#}

{#- The materialization of a model that DuckDB keeps incremental. Spark here
    has plain parquet tables (no Delta, no MERGE or DELETE), so it rebuilds
    the whole table each run. -#}
{% macro incremental_materialization() -%}
    {{- return(adapter.dispatch('incremental_materialization')()) -}}
{%- endmacro %}

{% macro duckdb__incremental_materialization() -%}
    {{- return('incremental') -}}
{%- endmacro %}

{% macro spark__incremental_materialization() -%}
    {{- return('table') -}}
{%- endmacro %}

{#- A post-hook that deletes the rows matching `condition` from an
    incremental model after each run; nothing where the model is a table
    (its query leaves those rows out itself). -#}
{% macro delete_from_incremental(condition) -%}
    {%- if config.get('materialized') == 'incremental' -%}
        delete from {{ this }} where {{ condition }}
    {%- endif -%}
{%- endmacro %}

{#- A CTE the planner should inline at each use (DuckDB: `not materialized`,
    so each use keeps its own filter). Spark inlines CTEs by default. -#}
{% macro not_materialized() -%}
    {{- adapter.dispatch('not_materialized')() -}}
{%- endmacro %}

{% macro duckdb__not_materialized() -%} not materialized {%- endmacro %}

{% macro spark__not_materialized() -%} {%- endmacro %}

{#- A SQL type named the DuckDB way (varchar, timestamptz, varchar[],
    struct(name type, ...)[]), in the adapter's words. -#}
{% macro sql_type(duckdb_type) -%}
    {{- adapter.dispatch('sql_type')(duckdb_type) -}}
{%- endmacro %}

{% macro duckdb__sql_type(duckdb_type) -%} {{ duckdb_type }} {%- endmacro %}

{% macro spark__sql_type(duckdb_type) -%}
    {%- set data_type = duckdb_type | lower | replace('timestamp with time zone', 'timestamp')
        | replace('timestamptz', 'timestamp')
        | replace('varchar', 'string') | replace('hugeint', 'decimal(38, 0)') -%}
    {%- if data_type.startswith('struct(') -%}
        {%- set data_type = 'struct<' ~ data_type[7:] | replace(')[]', '>[]') -%}
        {%- if data_type.endswith(')') -%}{%- set data_type = data_type[:-1] ~ '>' -%}{%- endif -%}
    {%- endif -%}
    {%- if data_type.endswith('[]') -%}
        array<{{ data_type[:-2] }}>
    {%- else -%}
        {{ data_type }}
    {%- endif -%}
{%- endmacro %}

{#- The model contracts declare DuckDB types: on Spark, dbt checks a model
    against their Spark equivalents (dbt's empty-schema query of a contract,
    each column cast to sql_type of its declared type). -#}
{% macro spark__get_empty_schema_sql(columns) -%}
    {%- set translated = {} -%}
    {%- for name, column in columns.items() -%}
        {%- set column = column.copy() -%}
        {%- if column.get('data_type') -%}
            {%- do column.update({'data_type': sql_type(column['data_type'])}) -%}
        {%- endif -%}
        {%- do translated.update({name: column}) -%}
    {%- endfor -%}
    {{ return(dbt.default__get_empty_schema_sql(translated)) }}
{%- endmacro %}

{#- Unit-test fixtures give a list the DuckDB way, as the string '[a, b]':
    on Spark that becomes array('a', 'b'). Other values are cast as dbt-spark
    casts them. -#}
{% macro spark__safe_cast(field, type) -%}
    {%- set is_complex = type.lower().startswith(('struct', 'array', 'map')) -%}
    {%- if is_complex and field is string and field.startswith("'[") and field.endswith("]'") -%}
        {%- set items = field[2:-2].split(',') | map('trim') | reject('equalto', '') | list -%}
        cast(array({%- for item in items %}'{{ item }}'{{ ', ' if not loop.last }}{% endfor -%}) as {{ type }})
    {%- elif is_complex and field is string -%}
        cast({{ field.strip('"').strip("'") }} as {{ type }})
    {%- else -%}
        cast({{ field }} as {{ type }})
    {%- endif -%}
{%- endmacro %}

{#- The number of elements of a list; null for a null list. -#}
{% macro list_length(list_expression) -%}
    {{- adapter.dispatch('list_length')(list_expression) -}}
{%- endmacro %}

{% macro duckdb__list_length(list_expression) -%} len({{ list_expression }}) {%- endmacro %}

{#- dbt-spark turns ANSI mode off, where size(null) is -1. -#}
{% macro spark__list_length(list_expression) -%}
    (case when ({{ list_expression }}) is not null then size({{ list_expression }}) end)
{%- endmacro %}

{#- An empty list of strings. -#}
{% macro empty_string_list() -%}
    {{- adapter.dispatch('empty_string_list')() -}}
{%- endmacro %}

{% macro duckdb__empty_string_list() -%} []::varchar[] {%- endmacro %}

{% macro spark__empty_string_list() -%} cast(array() as array<string>) {%- endmacro %}

{#- A list of the given expressions. -#}
{% macro list_of(items) -%}
    {{- adapter.dispatch('list_of')(items) -}}
{%- endmacro %}

{% macro duckdb__list_of(items) -%} [{{ items | join(', ') }}] {%- endmacro %}

{% macro spark__list_of(items) -%} array({{ items | join(', ') }}) {%- endmacro %}

{#- A struct of the given fields (a mapping of name to expression, in order). -#}
{% macro struct_of(fields) -%}
    {{- adapter.dispatch('struct_of')(fields) -}}
{%- endmacro %}

{% macro duckdb__struct_of(fields) -%}
    { {%- for name, value in fields.items() %}'{{ name }}': {{ value }}{{ ', ' if not loop.last }}{% endfor -%} }
{%- endmacro %}

{% macro spark__struct_of(fields) -%}
    named_struct({%- for name, value in fields.items() %}'{{ name }}', {{ value }}{{ ', ' if not loop.last }}{% endfor -%})
{%- endmacro %}

{#- `body` with `name` bound to the value of `value` (a `let`): the value is
    computed once per row however often the body names it. -#}
{% macro bind(value, name, body) -%}
    {{- adapter.dispatch('bind')(value, name, body) -}}
{%- endmacro %}

{% macro duckdb__bind(value, name, body) -%}
    list_transform([{{ value }}], lambda {{ name }}: {{ body }})[1]
{%- endmacro %}

{% macro spark__bind(value, name, body) -%}
    element_at(transform(array({{ value }}), {{ name }} -> {{ body }}), 1)
{%- endmacro %}

{#- Fold over k = start, start - 1, .. 1: accumulator <- body(accumulator, k),
    from `initial`. -#}
{% macro fold_down(start, initial, accumulator, k, body) -%}
    {{- adapter.dispatch('fold_down')(start, initial, accumulator, k, body) -}}
{%- endmacro %}

{% macro duckdb__fold_down(start, initial, accumulator, k, body) -%}
    list_reduce(range({{ start }}, 0, -1), lambda {{ accumulator }}, {{ k }}: {{ body }}, {{ initial }})
{%- endmacro %}

{% macro spark__fold_down(start, initial, accumulator, k, body) -%}
    aggregate(sequence({{ start }}, 1, -1), {{ initial }}, ({{ accumulator }}, {{ k }}) -> {{ body }})
{%- endmacro %}

{#- The elements of a list for which `body` (of `name`) holds, in order. -#}
{% macro list_where(list_expression, name, body) -%}
    {{- adapter.dispatch('list_where')(list_expression, name, body) -}}
{%- endmacro %}

{% macro duckdb__list_where(list_expression, name, body) -%}
    list_filter({{ list_expression }}, lambda {{ name }}: {{ body }})
{%- endmacro %}

{% macro spark__list_where(list_expression, name, body) -%}
    filter({{ list_expression }}, {{ name }} -> {{ body }})
{%- endmacro %}

{#- The distinct elements of a list, in their first-listed order. -#}
{% macro list_unique(list_expression) -%}
    {{- adapter.dispatch('list_unique')(list_expression) -}}
{%- endmacro %}

{% macro duckdb__list_unique(list_expression) -%}
    list_filter({{ list_expression }}, lambda item, position: list_position({{ list_expression }}, item) = position)
{%- endmacro %}

{#- Spark's array_distinct keeps the first occurrence of each element, in order. -#}
{% macro spark__list_unique(list_expression) -%}
    array_distinct({{ list_expression }})
{%- endmacro %}

{#- The first n elements of a list. -#}
{% macro list_head(list_expression, n) -%}
    {{- adapter.dispatch('list_head')(list_expression, n) -}}
{%- endmacro %}

{% macro duckdb__list_head(list_expression, n) -%} ({{ list_expression }})[1:{{ n }}] {%- endmacro %}

{% macro spark__list_head(list_expression, n) -%} slice({{ list_expression }}, 1, {{ n }}) {%- endmacro %}

{#- Aggregate: the values (nulls kept) of the rows where `where` holds, in
    the order of `order_by` (a list of expressions, ascending); null when no
    row is left. -#}
{% macro ordered_list(value, order_by, where=none) -%}
    {{- adapter.dispatch('ordered_list')(value, order_by, where) -}}
{%- endmacro %}

{#- A list ordered by its own values is sorted after the aggregate: DuckDB
    buffers and sorts every group's rows for an ordered aggregate, which over
    the 400M scores of a year costs more than the rest of the query. -#}
{% macro duckdb__ordered_list(value, order_by, where) -%}
    {%- set filtered -%}{%- if where is not none %} filter (where {{ where }}){% endif -%}{%- endset -%}
    {%- if order_by == [value] -%}
    list_sort(list({{ value }}){{ filtered }}, 'ASC', 'NULLS LAST')
    {%- else -%}
    list({{ value }} order by {{ order_by | join(', ') }}){{ filtered }}
    {%- endif -%}
{%- endmacro %}

{#- collect_list of (keys..., value) structs, sorted on the keys, then the
    values; an empty result is null, as DuckDB's list() gives. -#}
{% macro spark__ordered_list(value, order_by, where) -%}
    {%- set filtered -%}{%- if where is not none %} filter (where {{ where }}){% endif -%}{%- endset -%}
    (case when count(*){{ filtered }} > 0 then transform(
        array_sort(collect_list(named_struct(
            {%- for key in order_by %}'k{{ loop.index }}', {{ key }}, {% endfor -%}
            'v', {{ value }}
        )){{ filtered }}),
        entry -> entry.v
    ) end)
{%- endmacro %}

{#- Aggregate: every value, in no particular order. -#}
{% macro unordered_list(value) -%}
    {{- adapter.dispatch('unordered_list')(value) -}}
{%- endmacro %}

{% macro duckdb__unordered_list(value) -%} list({{ value }}) {%- endmacro %}

{% macro spark__unordered_list(value) -%} collect_list({{ value }}) {%- endmacro %}

{#- Aggregate: the strings joined by `separator` in the order of `order_by`
    (nulls skipped); null when no row is left. -#}
{% macro ordered_string_agg(value, separator, order_by, where=none) -%}
    {{- adapter.dispatch('ordered_string_agg')(value, separator, order_by, where) -}}
{%- endmacro %}

{% macro duckdb__ordered_string_agg(value, separator, order_by, where) -%}
    string_agg({{ value }}, {{ separator }} order by {{ order_by | join(', ') }})
    {%- if where is not none %} filter (where {{ where }}){% endif %}
{%- endmacro %}

{% macro spark__ordered_string_agg(value, separator, order_by, where) -%}
    listagg({{ value }}, {{ separator }}) within group (order by {{ order_by | join(', ') }})
    {%- if where is not none %} filter (where {{ where }}){% endif %}
{%- endmacro %}

{#- Aggregate: the largest of the n smallest values (the n-th smallest, or
    the largest where there are fewer). -#}
{% macro nth_smallest_or_largest(value, n) -%}
    {{- adapter.dispatch('nth_smallest_or_largest')(value, n) -}}
{%- endmacro %}

{% macro duckdb__nth_smallest_or_largest(value, n) -%} list_max(min({{ value }}, {{ n }})) {%- endmacro %}

{% macro spark__nth_smallest_or_largest(value, n) -%}
    array_max(slice(array_sort(collect_list({{ value }})), 1, {{ n }}))
{%- endmacro %}

{#- Aggregate: `value` of the row with the least (or greatest) tuple `keys`. -#}
{% macro value_at_min(value, keys) -%}
    {{- adapter.dispatch('value_at_min')(value, keys) -}}
{%- endmacro %}

{% macro duckdb__value_at_min(value, keys) -%} arg_min({{ value }}, ({{ keys | join(', ') }})) {%- endmacro %}

{% macro spark__value_at_min(value, keys) -%} min_by({{ value }}, struct({{ keys | join(', ') }})) {%- endmacro %}

{% macro value_at_max(value, keys) -%}
    {{- adapter.dispatch('value_at_max')(value, keys) -}}
{%- endmacro %}

{% macro duckdb__value_at_max(value, keys) -%} arg_max({{ value }}, ({{ keys | join(', ') }})) {%- endmacro %}

{% macro spark__value_at_max(value, keys) -%} max_by({{ value }}, struct({{ keys | join(', ') }})) {%- endmacro %}

{#- Select items: one row per element of a list (none for an empty or null
    list), the element as `name`. -#}
{% macro unnest_list(list_expression, name) -%}
    {{- adapter.dispatch('unnest_list')(list_expression, name) -}}
{%- endmacro %}

{% macro duckdb__unnest_list(list_expression, name) -%}
    unnest({{ list_expression }}) as {{ name }}
{%- endmacro %}

{% macro spark__unnest_list(list_expression, name) -%}
    explode({{ list_expression }}) as {{ name }}
{%- endmacro %}

{#- Select items: as unnest_list, with the element's 1-based position as
    `position_name` (a bigint). -#}
{% macro unnest_list_with_position(list_expression, name, position_name) -%}
    {{- adapter.dispatch('unnest_list_with_position')(list_expression, name, position_name) -}}
{%- endmacro %}

{% macro duckdb__unnest_list_with_position(list_expression, name, position_name) -%}
    unnest({{ list_expression }}) as {{ name }},
    generate_subscripts({{ list_expression }}, 1) as {{ position_name }}
{%- endmacro %}

{% macro spark__unnest_list_with_position(list_expression, name, position_name) -%}
    inline(transform(
        {{ list_expression }},
        (item, index) -> named_struct('{{ name }}', item, '{{ position_name }}', cast(index + 1 as bigint))
    ))
{%- endmacro %}

{#- A join clause: one row per element of `list_expression` (a column of the
    relations before it), as `alias.name`. -#}
{% macro join_unnested(list_expression, alias, name) -%}
    {{- adapter.dispatch('join_unnested')(list_expression, alias, name) -}}
{%- endmacro %}

{% macro duckdb__join_unnested(list_expression, alias, name) -%}
    cross join unnest({{ list_expression }}) as {{ alias }}({{ name }})
{%- endmacro %}

{% macro spark__join_unnested(list_expression, alias, name) -%}
    lateral view explode({{ list_expression }}) {{ alias }} as {{ name }}
{%- endmacro %}

{#- After `relation.*`: every column but these. -#}
{% macro star_except(columns) -%}
    {{- adapter.dispatch('star_except')(columns) -}}
{%- endmacro %}

{% macro duckdb__star_except(columns) -%} exclude ({{ columns | join(', ') }}) {%- endmacro %}

{% macro spark__star_except(columns) -%} except ({{ columns | join(', ') }}) {%- endmacro %}

{#- Whole days from one date to another (end - start). -#}
{% macro days_between(start_date, end_date) -%}
    {{- adapter.dispatch('days_between')(start_date, end_date) -}}
{%- endmacro %}

{% macro duckdb__days_between(start_date, end_date) -%} ({{ end_date }} - {{ start_date }}) {%- endmacro %}

{% macro spark__days_between(start_date, end_date) -%} datediff({{ end_date }}, {{ start_date }}) {%- endmacro %}

{#- Integer division, rounding toward minus infinity for the non-negative
    operands it is used on. -#}
{% macro integer_divide(dividend, divisor) -%}
    {{- adapter.dispatch('integer_divide')(dividend, divisor) -}}
{%- endmacro %}

{% macro duckdb__integer_divide(dividend, divisor) -%} (({{ dividend }}) // {{ divisor }}) {%- endmacro %}

{% macro spark__integer_divide(dividend, divisor) -%} (({{ dividend }}) div {{ divisor }}) {%- endmacro %}

{#- Microseconds since the epoch of a timestamp. -#}
{% macro epoch_microseconds(ts) -%}
    {{- adapter.dispatch('epoch_microseconds')(ts) -}}
{%- endmacro %}

{% macro duckdb__epoch_microseconds(ts) -%} epoch_us({{ ts }}) {%- endmacro %}

{% macro spark__epoch_microseconds(ts) -%} unix_micros({{ ts }}) {%- endmacro %}

{#- ln(Gamma(x)). -#}
{% macro log_gamma(x) -%}
    {{- adapter.dispatch('log_gamma')(x) -}}
{%- endmacro %}

{% macro duckdb__log_gamma(x) -%} lgamma({{ x }}) {%- endmacro %}

{#- Spark has no lgamma: the Lanczos approximation (g = 7, 9 terms), about
    15 significant digits, for x >= 0.5 (every argument the statistics give
    it: half a Welch df of at least 1, and 1/2). -#}
{% macro spark__log_gamma(x) -%}
    {%- set coefficients = [
        676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
        12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7
    ] -%}
    (0.91893853320467274178D + (({{ x }}) - 0.5) * ln(({{ x }}) + 6.5) - (({{ x }}) + 6.5)
        + ln(0.99999999999980993D
            {%- for coefficient in coefficients %} + ({{ coefficient }}D) / (({{ x }}) + {{ loop.index - 1 }}){% endfor -%}
        ))
{%- endmacro %}

{#- The slice, of `n`, that a row falls in by a hash of `expression`: the
    same value always falls in the same slice. -#}
{% macro hash_slice(expression, n) -%}
    {{- adapter.dispatch('hash_slice')(expression, n) -}}
{%- endmacro %}

{% macro duckdb__hash_slice(expression, n) -%} (hash({{ expression }}) % {{ n }}) {%- endmacro %}

{% macro spark__hash_slice(expression, n) -%} pmod(hash({{ expression }}), {{ n }}) {%- endmacro %}

{#- A first build in slices, one statement each: how many slices. On DuckDB,
    enough that a slice of a year (400M scores: their join with the audits,
    their groups by interaction or by agent) fits in the memory budget;
    Spark shuffles on its own. -#}
{% macro first_build_slices() -%}
    {{- return(adapter.dispatch('first_build_slices')()) -}}
{%- endmacro %}

{% macro duckdb__first_build_slices() -%} {{- return(8) -}} {%- endmacro %}

{% macro spark__first_build_slices() -%} {{- return(1) -}} {%- endmacro %}

{#- Whether this query is a first build in slices: not incremental, on an
    adapter that slices, and of the model itself (a unit test runs the
    query alone, without the post-hook, so it takes every slice at once). -#}
{% macro first_build_in_slices() -%}
    {{- return(
        not is_incremental()
        and first_build_slices() > 1
        and model.resource_type == 'model'
    ) -}}
{%- endmacro %}

{#- The condition of slice 0. The model's query keeps the rows whose
    `expression` falls in slice 0 (`where first_build_slice(...)`); its
    post-hook `insert_first_build_slices()` then inserts slices 1 to n-1, each
    the same compiled query with the slice number changed. Slice by the key
    the query joins or groups on, so that each slice holds whole keys.
    DuckDB frees a statement's hash tables only when the statement ends: a
    year's resolved join in one statement, 8 slices under `union all`, kept
    every finished slice's and ran out of memory at about the fourth. -#}
{% macro first_build_slice(expression) -%}
    {{ hash_slice(expression, first_build_slices()) }}{{ first_build_slice_marker(0) }}
{%- endmacro %}

{% macro first_build_slice_marker(slice) -%} = {{ slice }} /* first build slice */ {%- endmacro %}

{#- The post-hook of a model built with `first_build_slice`: where the query
    it ran is a first build's (it holds the slice-0 marker, so an
    incremental run's query never does), insert the other slices. -#}
{% macro insert_first_build_slices() -%}
    {%- set marker = first_build_slice_marker(0) -%}
    {%- if execute and marker in model.compiled_code -%}
        {%- set slices = first_build_slices() -%}
        {%- for slice in range(1, slices) -%}
            {{ log(this ~ ': first build, slice ' ~ (slice + 1) ~ ' of ' ~ slices, info=true) }}
            {%- do run_query(
                'insert into ' ~ this ~ '\n'
                ~ model.compiled_code.replace(marker, first_build_slice_marker(slice))
            ) -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}

{#- A 128-bit hash of a string. -#}
{% macro hash_128(value) -%}
    {{- adapter.dispatch('hash_128')(value) -}}
{%- endmacro %}

{% macro duckdb__hash_128(value) -%} md5_number({{ value }}) {%- endmacro %}

{#- Spark has no 128-bit integer: the md5 as 32 hex digits. -#}
{% macro spark__hash_128(value) -%} md5({{ value }}) {%- endmacro %}

{#- A time zone's local date and time of an instant, and back. -#}
{% macro local_timestamp(ts, timezone) -%}
    {{- adapter.dispatch('local_timestamp')(ts, timezone) -}}
{%- endmacro %}

{% macro duckdb__local_timestamp(ts, timezone) -%} timezone('{{ timezone }}', {{ ts }}) {%- endmacro %}

{#- Spark's timestamps are instants shown in the session zone: the profile
    sets it to UTC, so from_utc_timestamp gives the wall time in the zone. -#}
{% macro spark__local_timestamp(ts, timezone) -%} from_utc_timestamp({{ ts }}, '{{ timezone }}') {%- endmacro %}

{% macro instant_of_local(local_ts, timezone) -%}
    {{- adapter.dispatch('instant_of_local')(local_ts, timezone) -}}
{%- endmacro %}

{% macro duckdb__instant_of_local(local_ts, timezone) -%} timezone('{{ timezone }}', {{ local_ts }}) {%- endmacro %}

{% macro spark__instant_of_local(local_ts, timezone) -%} to_utc_timestamp({{ local_ts }}, '{{ timezone }}') {%- endmacro %}
