{#- Window statistics from the daily aggregates' n, sum and sum of squares,
    so a window of any length costs one pass over its days. The sums are exact
    (DECIMAL and integers, macros/scores.sql); each statistic does its exact
    arithmetic first and one final division as a DOUBLE, so a build gives the
    same bits whatever the order DuckDB summed in. -#}

{#- The final division: the one place an exact sum becomes a DOUBLE. -#}
{% macro mean_from_sums(total, n) -%}
    (({{ total }})::double / nullif({{ n }}, 0)::double)
{%- endmacro %}

{#- target - mean, with the exact numerator target * n - total: zero when the
    mean equals the target, positive exactly when it is below. -#}
{% macro gap_from_sums(target, total, n) -%}
    {{ mean_from_sums('(' ~ target ~ ') * (' ~ n ~ ') - (' ~ total ~ ')', n) }}
{%- endmacro %}

{#- Whether a window's mean is at or above a target, compared exactly: a mean
    equal to its target is at target. Null for an empty window. -#}
{% macro mean_at_or_above(total, n, target) -%}
    (case when ({{ n }}) > 0 then ({{ total }}) >= ({{ target }}) * ({{ n }}) end)
{%- endmacro %}

{#- Sample variance (n - 1), as (n * sum_sq - sum^2) / (n (n - 1)): the
    numerator is exact, so never below zero. -#}
{% macro variance_from_sums(n, total, total_sq) -%}
    (case
        when {{ n }} > 1
            then {{ mean_from_sums(
                '(' ~ n ~ ') * (' ~ total_sq ~ ') - (' ~ total ~ ') * (' ~ total ~ ')',
                '(' ~ n ~ ') * ((' ~ n ~ ') - 1)'
            ) }}
    end)
{%- endmacro %}

{#- Pearson's correlation of two samples from their exact sums; null where
    either sample has no spread. -#}
{% macro correlation_from_sums(n, sum_a, sum_b, sum_ab, sum_sq_a, sum_sq_b) -%}
    (case
        when ({{ n }}) * ({{ sum_sq_a }}) - ({{ sum_a }}) * ({{ sum_a }}) > 0
            and ({{ n }}) * ({{ sum_sq_b }}) - ({{ sum_b }}) * ({{ sum_b }}) > 0
            then (({{ n }}) * ({{ sum_ab }}) - ({{ sum_a }}) * ({{ sum_b }}))::double
                / sqrt(
                    (({{ n }}) * ({{ sum_sq_a }}) - ({{ sum_a }}) * ({{ sum_a }}))::double
                    * (({{ n }}) * ({{ sum_sq_b }}) - ({{ sum_b }}) * ({{ sum_b }}))::double
                )
    end)
{%- endmacro %}

{#- Trend of a change (DESIGN.md section 3). The delta is rounded before the
    comparison so that a difference of means that is 2 on paper (e.g.
    72.3 - 70.3) is not called flat for a floating-point hair. -#}
{% macro trend(delta, n_at_assigned, n_current) -%}
    (case
        when coalesce({{ n_at_assigned }}, 0) < {{ var('min_samples') | int }}
            or coalesce({{ n_current }}, 0) < {{ var('min_samples') | int }}
            then 'insufficient_data'
        when round({{ delta }}, 9) >= {{ var('trend_threshold') | float }} then 'spike'
        when round({{ delta }}, 9) <= -{{ var('trend_threshold') | float }} then 'dip'
        else 'flat'
    end)
{%- endmacro %}

{#- Regularized incomplete beta function I_x(a, b), by its continued fraction
    (Numerical Recipes 6.4) evaluated backwards over a fixed number of terms,
    which needs no loop: a fold over k = terms .. 1 of f <- 1 + d_k / f. The
    fraction converges fast for x < (a + 1) / (a + b + 2); beyond that the
    symmetry I_x(a, b) = 1 - I_(1-x)(b, a) is used. The arguments are bound
    once (macro `bind`), so each argument expression is evaluated once per
    row. -#}
{% macro regularized_incomplete_beta(x, a, b, terms=200) -%}
    {%- set arguments -%}
            case
                when ({{ x }}) < (({{ a }}) + 1) / (({{ a }}) + ({{ b }}) + 2)
                    then {{ struct_of({'x': '(' ~ x ~ ')::double', 'a': '(' ~ a ~ ')::double', 'b': '(' ~ b ~ ')::double', 'flip': 'false'}) }}
                else {{ struct_of({'x': '1 - (' ~ x ~ ')::double', 'a': '(' ~ b ~ ')::double', 'b': '(' ~ a ~ ')::double', 'flip': 'true'}) }}
            end
    {%- endset -%}
    {%- set continued_fraction -%}
        {{ fold_down(terms, '1.0::double', 'fraction', 'k', '1 + (
                        case
                            when k % 2 = 1 then
                                -(beta.a + ' ~ integer_divide('k', 2) ~ ') * (beta.a + beta.b + ' ~ integer_divide('k', 2) ~ ') * beta.x
                                / ((beta.a + 2 * ' ~ integer_divide('k', 2) ~ ') * (beta.a + 2 * ' ~ integer_divide('k', 2) ~ ' + 1))
                            else
                                ' ~ integer_divide('k', 2) ~ ' * (beta.b - ' ~ integer_divide('k', 2) ~ ') * beta.x
                                / ((beta.a + 2 * ' ~ integer_divide('k', 2) ~ ' - 1) * (beta.a + 2 * ' ~ integer_divide('k', 2) ~ '))
                        end
                    ) / fraction') }}
    {%- endset -%}
    {%- set body -%}
        case
            when beta.x is null or beta.a is null or beta.b is null then null
            when beta.x <= 0 then (case when beta.flip then 1.0 else 0.0 end)
            else (
                case when beta.flip then -1.0 else 1.0 end
                * exp(
                    beta.a * ln(beta.x) + beta.b * ln(1 - beta.x)
                    + {{ log_gamma('beta.a + beta.b') }} - {{ log_gamma('beta.a') }} - {{ log_gamma('beta.b') }}
                ) / beta.a
                / {{ continued_fraction }}
                + case when beta.flip then 1.0 else 0.0 end
            )
        end
    {%- endset -%}
    {{ bind(arguments, 'beta', body) }}
{%- endmacro %}

{#- Two-sided p-value of Student's t with df degrees of freedom (df may be
    fractional): P(|T| >= |t|) = I_x(df / 2, 1 / 2) with x = df / (df + t^2). -#}
{% macro student_t_two_sided_p(t, df) -%}
    {%- set body -%}
        case
            when student.df > 0 then
                {{ regularized_incomplete_beta(
                    'student.df / (student.df + student.t * student.t)',
                    'student.df / 2',
                    '0.5'
                ) }}
        end
    {%- endset -%}
    {{ bind(struct_of({'t': '(' ~ t ~ ')::double', 'df': '(' ~ df ~ ')::double'}), 'student', body) }}
{%- endmacro %}

{#- Two-sided Welch t-test p-value of two samples given as (n, sum, sum of
    squares). Null when either side has fewer than 2 scores or both sides have
    zero variance (the test is undefined there). -#}
{% macro welch_p_value(n_a, sum_a, sum_sq_a, n_b, sum_b, sum_sq_b) -%}
    {%- set body -%}
        case
            when welch.se2_a + welch.se2_b > 0 then
                {{ student_t_two_sided_p(
                    'welch.diff / sqrt(welch.se2_a + welch.se2_b)',
                    '(welch.se2_a + welch.se2_b) * (welch.se2_a + welch.se2_b)
                        / (welch.se2_a * welch.se2_a / (welch.n_a - 1)
                           + welch.se2_b * welch.se2_b / (welch.n_b - 1))'
                ) }}
        end
    {%- endset -%}
    {{ bind(struct_of({
        'se2_a': variance_from_sums(n_a, sum_a, sum_sq_a) ~ ' / (' ~ n_a ~ ')',
        'se2_b': variance_from_sums(n_b, sum_b, sum_sq_b) ~ ' / (' ~ n_b ~ ')',
        'n_a': '(' ~ n_a ~ ')::double',
        'n_b': '(' ~ n_b ~ ')::double',
        'diff': mean_from_sums(sum_a, n_a) ~ ' - ' ~ mean_from_sums(sum_b, n_b)
    }), 'welch', body) }}
{%- endmacro %}

{#- Cohen's kappa of two raters' pass/fail verdicts on n items, from counts:
    agreed (both pass or both fail) and each rater's passes. With
    p_o = agreed / n and p_e = (a/n)(b/n) + (1 - a/n)(1 - b/n), kappa =
    (p_o - p_e) / (1 - p_e) = (n agreed - E) / (n^2 - E) where
    E = a b + (n - a)(n - b), in exact integer arithmetic. Null when p_e = 1
    (both raters gave one and the same verdict to every item) or n = 0. -#}
{% macro cohens_kappa(n, agreed, passed_a, passed_b) -%}
    {%- set wide = sql_type('hugeint') -%}
    {{ bind(struct_of({
        'n': '(' ~ n ~ ')::' ~ wide,
        'agreed': '(' ~ agreed ~ ')::' ~ wide,
        'expected': '(' ~ passed_a ~ ')::' ~ wide ~ ' * (' ~ passed_b ~ ')
                + ((' ~ n ~ ') - (' ~ passed_a ~ '))::' ~ wide ~ ' * ((' ~ n ~ ') - (' ~ passed_b ~ '))'
    }), 'kappa', '(kappa.n * kappa.agreed - kappa.expected)::double
            / nullif(kappa.n * kappa.n - kappa.expected, 0)::double') }}
{%- endmacro %}
