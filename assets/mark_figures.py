"""The figures a coaching mark carries, in DuckDB SQL: for each agent and
attribute, the window of days D-6 .. D of a date D (DESIGN.md section 3), the
reason it calls for an automatic mark (section 6), its priority, and its
evidence. Plain DuckDB, no Dagster; :mod:`assets.coaching_marks` calls it.

The windows are sums of ``intermediate.int_agent_attribute_days_aggregated``,
the per-day sums that ``marts.agent_attribute_scores`` sums for the current
date, so a mark's figures for D are that mart's figures for D. Each day row
joins the at most 7 window dates it falls in: the cost grows with the days of
scores times the run dates within a week of them, not with the raw scores.
"""

from datetime import date

import duckdb
import pyarrow as pa

# Per run date (relation `window_dates`: as_of_date) every agent and
# attribute with a score in the window, and per other date of a manual mark
# (relation `window_areas`: as_of_date, agent_id, attribute_id) that mark's
# own area: the figures, and the reason for an automatic mark, if any.
# priority = share of the window's scores below target x the attribute's
# share of the active attributes' weight x max(gap, 0).
_WINDOWS_SQL = """
create or replace temp table mark_windows as
with span as (
    select min(as_of_date) - 6 as first_day, max(as_of_date) as last_day from (
        select as_of_date from window_dates
        union all
        select as_of_date from window_areas
    )
),
days as (
    select agent_id, attribute_id, interaction_date, scores_n, score_sum, below_target_n
    from intermediate.int_agent_attribute_days_aggregated
    where interaction_date between (select first_day from span) and (select last_day from span)
),
window_days as (
    select window_dates.as_of_date, days.*
    from window_dates
    join days on days.interaction_date between window_dates.as_of_date - 6
                                           and window_dates.as_of_date
    union all
    select window_areas.as_of_date, days.*
    from window_areas
    join days on days.agent_id = window_areas.agent_id
        and days.attribute_id = window_areas.attribute_id
        and days.interaction_date between window_areas.as_of_date - 6
                                      and window_areas.as_of_date
    where window_areas.as_of_date not in (select as_of_date from window_dates)
),
windows as (
    select as_of_date, agent_id, attribute_id,
           sum(scores_n)::bigint as n, sum(score_sum) as score_sum,
           sum(below_target_n)::bigint as below_target_n
    from window_days
    group by all
),
total_weight as (
    select sum(weight) as active_weight from staging.stg_attributes where is_active
),
figures as (
    -- exact sums; only the final divisions are doubles (DESIGN.md section 3),
    -- so a mean equal to its target has gap 0 and is not below it
    select windows.as_of_date, windows.agent_id, windows.attribute_id,
           windows.score_sum::double / windows.n as current_score,
           attributes.target_score::double as target_score,
           (attributes.target_score * windows.n - windows.score_sum)::double / windows.n as gap,
           windows.n, windows.below_target_n, attributes.weight,
           attributes.is_compliance, attributes.is_active
    from windows
    join staging.stg_attributes as attributes using (attribute_id)
    where windows.n > 0
)
select
    as_of_date, agent_id, attribute_id,
    case
        when not is_active then null
        when is_compliance and below_target_n > 0 then 'compliance_breach'
        when n >= $min_samples and gap > 0 then 'below_target'
    end as reason,
    current_score, target_score, gap, n, below_target_n,
    (below_target_n / n) * (weight / active_weight) * greatest(gap, 0) as priority,
    is_compliance
from figures
cross join total_weight
"""

# The marks (relation `replayed`) with the figures and evidence of their
# window (as_of_date): evidence = the window's 3 lowest-scoring interactions.
# The score rows are read within the marks' span of days, and the evidence
# quotes only for those 3 interactions a mark, within their span of time: a
# year holds 400M of each.
_MARKS_SQL = """
with wanted as (
    select distinct agent_id, attribute_id, as_of_date from replayed
),
window_scores as (
    select
        wanted.agent_id, wanted.attribute_id, wanted.as_of_date,
        resolved.interaction_id, resolved.interaction_at, resolved.auto_qa_score::double as score,
        resolved.auto_qa_event_id
    from wanted
    join intermediate.int_interaction_scores_resolved as resolved
        on resolved.agent_id = wanted.agent_id
        and resolved.attribute_id = wanted.attribute_id
        and resolved.interaction_date between wanted.as_of_date - 6 and wanted.as_of_date
    where resolved.is_scored and resolved.auto_qa_score is not null
        and resolved.interaction_date between (select min(as_of_date) - 6 from wanted)
                                          and (select max(as_of_date) from wanted)
),
lowest as (
    select * from window_scores
    qualify row_number() over (
        partition by agent_id, attribute_id, as_of_date
        order by score, interaction_at, interaction_id
    ) <= 3
),
quotes as (
    select event_id, evidence_quote as quote, evidence_offset_s as offset_s
    from staging.stg_auto_qa_scores
    where interaction_at between (select min(interaction_at) from lowest)
                             and (select max(interaction_at) from lowest)
        and event_id in (select auto_qa_event_id from lowest)
),
evidence as (
    select lowest.agent_id, lowest.attribute_id, lowest.as_of_date,
           list({'interaction_id': lowest.interaction_id, 'interaction_at': lowest.interaction_at,
                 'score': lowest.score, 'quote': quotes.quote, 'offset_s': quotes.offset_s}
                order by lowest.score, lowest.interaction_at, lowest.interaction_id) as evidence
    from lowest
    left join quotes on quotes.event_id = lowest.auto_qa_event_id
    group by all
)
select
    marks.mark_id, marks.agent_id, marks.attribute_id, marks.source, marks.reason,
    marks.raised_at, marks.as_of_date,
    figures.current_score, figures.target_score, figures.gap, figures.n,
    figures.below_target_n, figures.priority, figures.is_compliance,
    case
        when marks.source = 'manual' then marks.interaction_ids
        else list_transform(evidence.evidence, lambda e: e.interaction_id)
    end as interaction_ids,
    evidence.evidence, marks.state, marks.cleared_as_of
from replayed as marks
left join mark_windows as figures using (agent_id, attribute_id, as_of_date)
left join evidence using (agent_id, attribute_id, as_of_date)
order by marks.agent_id, marks.attribute_id, marks.raised_at, marks.mark_id
"""


def compute_windows(
    conn: duckdb.DuckDBPyConnection,
    dates: set[date],
    areas: set[tuple[date, str, str]],
    min_samples: int,
) -> None:
    """Fill the temp table ``mark_windows`` with the figures of every agent
    and attribute for each of ``dates`` (the run dates), and of each
    (date, agent, attribute) of ``areas`` (the manual marks'). A year of
    manual marks falls on most days: every area of each of those days would
    be millions of windows, and their reasons unused."""
    conn.register("window_dates", pa.table({"as_of_date": pa.array(sorted(dates), pa.date32())}))
    day, agent, attribute = zip(*sorted(areas), strict=True) if areas else ((), (), ())
    conn.register(
        "window_areas",
        pa.table(
            {
                "as_of_date": pa.array(day, pa.date32()),
                "agent_id": pa.array(agent, pa.string()),
                "attribute_id": pa.array(attribute, pa.string()),
            }
        ),
    )
    try:
        conn.execute(_WINDOWS_SQL, {"min_samples": min_samples})
    finally:
        conn.unregister("window_dates")
        conn.unregister("window_areas")


def raise_reasons(conn: duckdb.DuckDBPyConnection) -> list[tuple]:
    """(as_of_date, agent_id, attribute_id, reason) of every window of
    ``mark_windows`` that calls for an automatic mark, in a fixed order."""
    return conn.execute(
        "select as_of_date, agent_id, attribute_id, reason from mark_windows "
        "where reason is not null order by as_of_date, agent_id, attribute_id"
    ).fetchall()


def write_marks(conn: duckdb.DuckDBPyConnection) -> None:
    """``coaching.marks``: the replayed marks (relation ``replayed``) with the
    figures and evidence of their window."""
    conn.execute(f"create or replace table coaching.marks as {_MARKS_SQL}")
