"""The supervisor report of the whole center or of one team: the Coaching
Monitor rows its filters keep, the agents' progress by attribute, the
spike/dip summary, the meeting notes on each assignment and the daily score
around each coached attribute.

A section is a query here (a :class:`Table` in the report) and a block of
``templates/supervisor.html.j2``; the CSV file and the XLSX sheet follow from
the table."""

from typing import Any, Literal

import polars as pl

from assets.reports.errors import ReportError
from assets.reports.filters import (
    ReportFilters,
    assignment_conditions,
    filters_record,
    report_folder,
)
from assets.reports.report import Report, Table, charts, coached, daily_table
from assets.reports.snapshot import Snapshot

TRENDS: tuple[str, ...] = ("spike", "dip", "flat", "insufficient_data")
MONITOR_COLUMNS = (
    "assignment_id",
    "name",
    "coaching_type",
    "agent_id",
    "agent_name",
    "team",
    "experience_level",
    "assigned_date",
    "follow_up_date",
    "attribute_ids",
    "scorecard_score_at_assigned",
    "scorecard_score_current",
    "scorecard_trend",
    "evaluation_score_at_assigned",
    "evaluation_score_current",
    "evaluation_trend",
    "status",
    "plan_status",
)
PROGRESS_COLUMNS = (
    "score_at_assigned",
    "n_at_assigned",
    "current_score",
    "n_current",
    "delta",
    "trend",
    "p_value",
)


def progress_sql(snapshot: Snapshot, selected: str, where: str) -> str:
    """``coaching_progress`` rows with the attribute's name and target, as
    ``p`` with the names as ``names``; ``selected`` comes first."""
    columns = snapshot.present("marts.coaching_progress", PROGRESS_COLUMNS)
    return f"""with names as ({snapshot.attributes_sql()})
        select {selected} p.assignment_id, p.attribute_id,
               coalesce(names.attribute_name, p.attribute_id) as attribute_name,
               names.target_score,
               {", ".join(f"p.{c}" for c in columns)}
        from marts.coaching_progress as p left join names using (attribute_id)
        where {where}"""


def attribute_condition(filters: ReportFilters, column: str) -> tuple[str, list[Any]]:
    """Rows of the filtered attributes only (all when there is no filter)."""
    if not filters.attribute_ids:
        return "true", []
    return f"list_contains(?::varchar[], {column})", [list(filters.attribute_ids)]


def load_supervisor_report(
    snapshot: Snapshot, filters: ReportFilters, kind: Literal["center", "team"]
) -> Report:
    """The center's report, or one team's (``filters.team``)."""
    for table in ("marts.coaching_monitor", "marts.coaching_progress"):
        if not snapshot.has(table):
            raise ReportError(f"the serving snapshot has no {table}")
    where, params = assignment_conditions(filters, "m")
    columns = snapshot.present("marts.coaching_monitor", MONITOR_COLUMNS)
    monitor = snapshot.frame(
        f"""select {", ".join(f"m.{c}" for c in columns)} from marts.coaching_monitor as m
            where {where} order by m.assigned_date, m.agent_id, m.assignment_id""",
        params,
    )
    attribute_clause, attribute_params = attribute_condition(filters, "p.attribute_id")
    progress = snapshot.frame(
        f"""with kept as (
                select assignment_id, agent_name, team from marts.coaching_monitor
                where list_contains(?::varchar[], assignment_id)
            ),
            progress as ({progress_sql(snapshot, "p.agent_id,", attribute_clause)})
            select progress.agent_id, kept.agent_name, kept.team, progress.* exclude (agent_id)
            from progress join kept using (assignment_id)
            order by progress.agent_id, progress.assignment_id, progress.attribute_id""",
        [monitor["assignment_id"].to_list(), *attribute_params],
    )
    notes = (
        (Table("notes", "Notes", assignment_notes(snapshot, monitor)),)
        if snapshot.has("marts.assignment_notes")
        else ()
    )
    attributes = snapshot.attributes()
    items = charts(
        snapshot, attributes, coached(monitor.to_dicts(), filters), progress, filters.as_of
    )
    title = (
        "Coaching report: the whole center"
        if kind == "center"
        else f"Coaching report: team {filters.team}"
    )
    return Report(
        kind=kind,
        directory=report_folder(kind, filters),
        title=title,
        filters=filters,
        record=filters_record(kind, filters),
        data_as_of=snapshot.data_as_of(),
        attributes=attributes,
        tables=(
            trend_summary(progress, monitor),
            Table("monitor", "Coaching Monitor", monitor),
            Table("progress", "Progress by attribute", progress),
            *notes,
            daily_table(items, with_agent=True),
        ),
        charts=items,
    )


def assignment_notes(snapshot: Snapshot, monitor: pl.DataFrame) -> pl.DataFrame:
    """The meeting notes on the monitor's rows, in the monitor's order, each
    note by date; ``assignment_notes`` keys them by the agent-facing id."""
    return snapshot.frame(
        """select m.assignment_id, m.name, m.agent_id, m.agent_name,
                  n.occurred_date, n.actor_id as written_by, n.note
           from marts.assignment_notes as n
           join marts.coaching_assignments as c on c.agent_assignment_id = n.assignment_id
           join marts.coaching_monitor as m on m.assignment_id = c.assignment_id
           where list_contains(?::varchar[], m.assignment_id)
           order by m.assigned_date, m.agent_id, m.assignment_id, n.occurred_at, n.note_id""",
        [monitor["assignment_id"].to_list()],
    )


def trend_summary(progress: pl.DataFrame, monitor: pl.DataFrame) -> Table:
    """Counts of each trend: the coached attributes, and the monitor's two scores."""
    measures = [
        ("Coached attributes", progress["trend"]),
        ("Agent Scorecard score", monitor["scorecard_trend"]),
        ("Kore Evaluation Score", monitor["evaluation_trend"]),
    ]
    rows = [
        {
            "measure": measure,
            **{trend: int((values == trend).sum()) for trend in TRENDS},
            "total": len(values),
        }
        for measure, values in measures
    ]
    schema = {"measure": pl.String, **dict.fromkeys(TRENDS, pl.Int64), "total": pl.Int64}
    return Table("trend_summary", "Trend summary", pl.DataFrame(rows, schema=schema, orient="row"))
