"""Supervisor reports and agents' own coaching logs, read from the serving
snapshot and written as HTML, XLSX and CSV (DESIGN.md sections 1 and 8).

Plain Python, no Dagster: the ``reports`` assets and ``coachwh export`` call
:func:`export_reports` (or :func:`write_reports` with the settings).

- A **supervisor report** (the whole center, or one team) is the Coaching
  Monitor with its filters (assigned-date range, default the 7 days D-6 .. D
  of as_of D, or a follow-up date, never both; attributes; team; agents), the
  agents' progress by attribute, a spike/dip summary, and for each coached
  attribute of each assignment a chart of the agent's daily score from 14 days
  before the assigned date to as_of.
- An **agent export** holds that agent's rows only, in agent words, and no
  group context: every table is an explicit column list, assignments made for
  a group are renamed after their attributes, and the files written are
  checked for any other agent's id and any group id or name before they are
  kept.

HTML is one self-contained file: inline CSS and SVG charts drawn here, no
script, and a Content-Security-Policy that forbids every fetch. Output is
reproducible: rows are sorted on keys, CSV is byte-identical for the same
snapshot and as_of, HTML differs only in its "Generated at" line, and XLSX
takes its created date from as_of.
"""

import html
import math
import os
import re
import uuid
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Literal

import duckdb
import polars as pl
import xlsxwriter

from models.settings import Settings

SNAPSHOT_FILE = "warehouse.duckdb"  # in the serving directory (DESIGN.md section 8)
FORMATS: tuple[str, ...] = ("html", "xlsx", "csv")
TRENDS: tuple[str, ...] = ("spike", "dip", "flat", "insufficient_data")
DEFAULT_RANGE_DAYS = 7  # the Coaching Monitor's default assigned-date range: D-6 .. D
CHART_DAYS_BEFORE = 14  # charts start this many days before the assigned date
DAILY_SCORES = "reporting.agent_attribute_daily_scores"


class ReportError(ValueError):
    """A report that cannot be made as asked (bad filters, unknown team or agent,
    no snapshot)."""


class FilterError(ReportError):
    """Filters that contradict each other."""


class ExportLeakError(ReportError):
    """An agent export would carry another agent's id or group context."""


# ----------------------------------------------------------------------------
# Filters


@dataclass(frozen=True)
class ReportFilters:
    """The Coaching Monitor's filters. At most one date filter is set: an
    assigned-date range (both ends inclusive) or a follow-up date."""

    as_of: date
    assigned_from: date | None = None
    assigned_to: date | None = None
    follow_up_date: date | None = None
    attribute_ids: tuple[str, ...] = ()
    agent_ids: tuple[str, ...] = ()
    team: str | None = None

    def describe(self) -> list[tuple[str, str]]:
        if self.follow_up_date is not None:
            dates = ("Follow-up date", self.follow_up_date.isoformat())
        elif self.assigned_from is not None or self.assigned_to is not None:
            ends = [d.isoformat() if d else "..." for d in (self.assigned_from, self.assigned_to)]
            dates = ("Assigned", f"{ends[0]} to {ends[1]}")
        else:
            dates = ("Assigned", "any date")
        return [
            ("As of", self.as_of.isoformat()),
            dates,
            ("Team", self.team or "all"),
            ("Attributes", ", ".join(self.attribute_ids) or "all"),
            ("Agents", ", ".join(self.agent_ids) or "all"),
        ]


def _check_one_date_filter(
    assigned_from: date | None, assigned_to: date | None, follow_up_date: date | None
) -> None:
    if follow_up_date is not None and (assigned_from is not None or assigned_to is not None):
        raise FilterError(
            "give either an assigned-date range (--assigned-from/--assigned-to) or a "
            "follow-up date (--follow-up-date), not both"
        )
    if assigned_from and assigned_to and assigned_from > assigned_to:
        raise FilterError(f"--assigned-from {assigned_from} is after --assigned-to {assigned_to}")


def monitor_filters(
    as_of: date,
    *,
    assigned_from: date | None = None,
    assigned_to: date | None = None,
    follow_up_date: date | None = None,
    attribute_ids: Iterable[str] = (),
    agent_ids: Iterable[str] = (),
    team: str | None = None,
) -> ReportFilters:
    """The supervisor report's filters, with the monitor's defaults: with no
    date filter, assignments made in the last 7 days (D-6 .. D); with one end
    of the range, the other is D (for the start) or the 7 days up to it."""
    _check_one_date_filter(assigned_from, assigned_to, follow_up_date)
    if follow_up_date is None:
        if assigned_from is None and assigned_to is None:
            assigned_to = as_of
        if assigned_from is None:
            assert assigned_to is not None
            assigned_from = assigned_to - timedelta(days=DEFAULT_RANGE_DAYS - 1)
        if assigned_to is None:
            assigned_to = max(as_of, assigned_from)
    return ReportFilters(
        as_of=as_of,
        assigned_from=assigned_from,
        assigned_to=assigned_to,
        follow_up_date=follow_up_date,
        attribute_ids=_distinct(attribute_ids),
        agent_ids=_distinct(agent_ids),
        team=team,
    )


def agent_filters(
    as_of: date,
    *,
    assigned_from: date | None = None,
    assigned_to: date | None = None,
    follow_up_date: date | None = None,
    attribute_ids: Iterable[str] = (),
) -> ReportFilters:
    """An agent export's filters: the whole log unless a date filter is given."""
    _check_one_date_filter(assigned_from, assigned_to, follow_up_date)
    return ReportFilters(
        as_of=as_of,
        assigned_from=assigned_from,
        assigned_to=assigned_to,
        follow_up_date=follow_up_date,
        attribute_ids=_distinct(attribute_ids),
    )


def _distinct(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted({v.strip() for v in values if v and v.strip()}))


def _where(filters: ReportFilters, alias: str) -> tuple[str, list[Any]]:
    """SQL conditions on an assignment relation (``assigned_date``,
    ``follow_up_date``, ``attribute_ids``, ``agent_id``, ``team``)."""
    clauses, params = ["true"], []
    if filters.assigned_from is not None:
        clauses.append(f"{alias}.assigned_date >= ?::date")
        params.append(filters.assigned_from)
    if filters.assigned_to is not None:
        clauses.append(f"{alias}.assigned_date <= ?::date")
        params.append(filters.assigned_to)
    if filters.follow_up_date is not None:
        clauses.append(f"{alias}.follow_up_date = ?::date")
        params.append(filters.follow_up_date)
    if filters.attribute_ids:
        clauses.append(f"list_has_any({alias}.attribute_ids, ?::varchar[])")
        params.append(list(filters.attribute_ids))
    if filters.agent_ids:
        clauses.append(f"list_contains(?::varchar[], {alias}.agent_id)")
        params.append(list(filters.agent_ids))
    if filters.team is not None:
        clauses.append(f"{alias}.team = ?")
        params.append(filters.team)
    return " and ".join(clauses), params


# ----------------------------------------------------------------------------
# What a report holds


@dataclass(frozen=True)
class Table:
    """One table of a report: a CSV file, an XLSX sheet, an HTML table."""

    name: str  # CSV file stem
    title: str  # sheet name and section title (at most 31 characters)
    frame: pl.DataFrame


@dataclass(frozen=True)
class DailyScore:
    day: date
    avg_score: float
    scores_n: int


@dataclass(frozen=True)
class ChartItem:
    """One coached attribute of one assignment: the agent's daily score from
    14 days before the assigned date to as_of."""

    assignment_id: str
    assignment_name: str
    agent_id: str
    agent_label: str
    attribute_id: str
    attribute_name: str
    assigned_date: date
    start: date
    end: date
    target_score: float | None
    progress: dict[str, Any]  # the coaching_progress row, if any
    points: tuple[DailyScore, ...] = ()


@dataclass(frozen=True)
class AssignmentCard:
    """An agent's assignment as the agent reads it."""

    fields: dict[str, Any]


@dataclass(frozen=True)
class Report:
    kind: Literal["center", "team", "agent"]
    directory: str  # under exports/<as_of>/
    title: str
    filters: ReportFilters
    data_as_of: date | None
    tables: tuple[Table, ...]
    charts: tuple[ChartItem, ...]
    cards: tuple[AssignmentCard, ...] = ()
    notes: tuple[str, ...] = ()
    forbidden: dict[str, frozenset[str]] = field(default_factory=dict)

    def table(self, name: str) -> Table:
        return next(t for t in self.tables if t.name == name)

    def filter_lines(self) -> list[tuple[str, str]]:
        """The filters as (label, value), for the report's header."""
        lines = self.filters.describe()
        if self.kind == "agent":  # one agent, no team: say nothing of others
            lines = [(k, v) for k, v in lines if k not in ("Team", "Agents")]
        return lines


# ----------------------------------------------------------------------------
# Reading the snapshot


def _relations(conn: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """``schema.table`` -> its columns, for every table of the snapshot."""
    rows = conn.execute(
        "select schema_name || '.' || table_name, list(column_name order by column_index) "
        "from duckdb_columns() where database_name = current_database() group by all"
    ).fetchall()
    return {name: columns for name, columns in rows}


def _frame(conn: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] = ()) -> pl.DataFrame:
    frame = conn.sql(sql, params=list(params)).pl()
    # A decimal is a score like any other in a report.
    return frame.with_columns(pl.col(pl.Decimal).cast(pl.Float64))


class Snapshot:
    """A read-only connection on the serving snapshot and what it holds."""

    def __init__(self, conn: duckdb.DuckDBPyConnection) -> None:
        self.conn = conn
        self.relations = _relations(conn)

    def has(self, table: str) -> bool:
        return table in self.relations

    def columns(self, table: str) -> list[str]:
        return self.relations.get(table, [])

    def present(self, table: str, wanted: Sequence[str]) -> list[str]:
        have = set(self.columns(table))
        return [c for c in wanted if c in have]

    def data_as_of(self) -> date | None:
        for table in ("marts.coaching_monitor", "marts.agent_attribute_scores"):
            if "as_of_date" in self.columns(table):
                (value,) = self.conn.execute(f"select max(as_of_date) from {table}").fetchall()[0]
                if value is not None:
                    return value
        return None

    def attribute_names_sql(self) -> str:
        """A relation (attribute_id, attribute_name, target_score)."""
        table = "marts.agent_attribute_scores"
        if not self.has(table):
            return (
                "select null::varchar as attribute_id, null::varchar as attribute_name, "
                "null::double as target_score where false"
            )
        name = "max(attribute_name)" if "attribute_name" in self.columns(table) else "attribute_id"
        target = "max(target_score)" if "target_score" in self.columns(table) else "null::double"
        return (
            f"select attribute_id, {name} as attribute_name, {target} as target_score "
            f"from {table} group by attribute_id"
        )

    def attribute_names(self) -> dict[str, tuple[str, float | None]]:
        rows = self.conn.execute(self.attribute_names_sql()).fetchall()
        return {a: (n or a, t) for a, n, t in rows}

    def teams(self, agent_ids: Sequence[str] = ()) -> list[str]:
        sources = []
        for table in (
            "marts.coaching_monitor",
            "marts.agent_attribute_scores",
            "marts.team_performance",
        ):
            if "team" in self.columns(table):
                agent_clause = ""
                if agent_ids and "agent_id" in self.columns(table):
                    agent_clause = " and list_contains(?::varchar[], agent_id)"
                elif agent_ids:
                    continue
                sources.append(f"select team from {table} where team is not null{agent_clause}")
        if not sources:
            return []
        params = [list(agent_ids)] * len(sources) if agent_ids else []
        rows = self.conn.execute(" union ".join(sources) + " order by team", params).fetchall()
        return [team for (team,) in rows]

    def daily_scores(
        self, agent_ids: Sequence[str], start: date, end: date
    ) -> dict[tuple[str, str], list[DailyScore]]:
        if not self.has(DAILY_SCORES) or not agent_ids:
            return {}
        rows = self.conn.execute(
            f"""select agent_id, attribute_id, day, avg_score, scores_n from {DAILY_SCORES}
                where list_contains(?::varchar[], agent_id) and day between ?::date and ?::date
                order by agent_id, attribute_id, day""",
            [sorted(set(agent_ids)), start, end],
        ).fetchall()
        series: dict[tuple[str, str], list[DailyScore]] = {}
        for agent_id, attribute_id, day, avg_score, scores_n in rows:
            series.setdefault((agent_id, attribute_id), []).append(
                DailyScore(day, avg_score, scores_n)
            )
        return series


def _charts(
    snapshot: Snapshot,
    coached: Sequence[dict[str, Any]],
    progress: pl.DataFrame,
    as_of: date,
) -> tuple[ChartItem, ...]:
    """Chart items for ``coached`` (dicts with assignment_id, assignment_name,
    agent_id, agent_label, assigned_date, attribute_ids), in that order."""
    names = snapshot.attribute_names()
    by_key = {(r["assignment_id"], r["attribute_id"]): r for r in progress.to_dicts()}
    if not coached:
        return ()
    first = min(c["assigned_date"] for c in coached) - timedelta(days=CHART_DAYS_BEFORE)
    last = max(as_of, *(c["assigned_date"] for c in coached))
    series = snapshot.daily_scores([c["agent_id"] for c in coached], first, last)
    items = []
    for c in coached:
        start = c["assigned_date"] - timedelta(days=CHART_DAYS_BEFORE)
        end = max(as_of, c["assigned_date"])
        for attribute_id in c["attribute_ids"]:
            name, target = names.get(attribute_id, (attribute_id, None))
            points = tuple(
                p for p in series.get((c["agent_id"], attribute_id), []) if start <= p.day <= end
            )
            items.append(
                ChartItem(
                    assignment_id=c["assignment_id"],
                    assignment_name=c["assignment_name"],
                    agent_id=c["agent_id"],
                    agent_label=c["agent_label"],
                    attribute_id=attribute_id,
                    attribute_name=name,
                    assigned_date=c["assigned_date"],
                    start=start,
                    end=end,
                    target_score=target,
                    progress=by_key.get((c["assignment_id"], attribute_id), {}),
                    points=points,
                )
            )
    return tuple(items)


def _daily_table(charts: Sequence[ChartItem], with_agent: bool) -> Table:
    rows = [
        {
            "assignment_id": c.assignment_id,
            **({"agent_id": c.agent_id} if with_agent else {}),
            "attribute_id": c.attribute_id,
            "day": p.day,
            "avg_score": p.avg_score,
            "scores_n": p.scores_n,
            "window": _window_of(p.day, c.assigned_date, c.end),
        }
        for c in charts
        for p in c.points
    ]
    schema = {
        "assignment_id": pl.String,
        **({"agent_id": pl.String} if with_agent else {}),
        "attribute_id": pl.String,
        "day": pl.Date,
        "avg_score": pl.Float64,
        "scores_n": pl.Int64,
        "window": pl.String,
    }
    return Table("daily_scores", "Daily scores", pl.DataFrame(rows, schema=schema, orient="row"))


def _window_of(day: date, assigned: date, as_of: date) -> str | None:
    """Which window of the trend a day counts in, if any."""
    if as_of - timedelta(days=6) <= day <= as_of:
        return "current"
    if assigned - timedelta(days=7) <= day < assigned:
        return "at_assigned"
    return None


def _trend_summary(progress: pl.DataFrame, monitor: pl.DataFrame | None) -> Table:
    measures: list[tuple[str, pl.Series]] = [("Coached attributes", progress["trend"])]
    if monitor is not None:
        measures += [
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


def _list_as_text(frame: pl.DataFrame) -> pl.DataFrame:
    """List columns joined with ", " (CSV and spreadsheet cells hold text)."""
    lists = [name for name, dtype in frame.schema.items() if isinstance(dtype, pl.List)]
    return frame.with_columns(pl.col(name).list.join(", ") for name in lists)


MONITOR_COLUMNS = (
    "assignment_id",
    "name",
    "coaching_type",
    "agent_id",
    "agent_name",
    "team",
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


def load_supervisor_report(
    snapshot: Snapshot, filters: ReportFilters, kind: Literal["center", "team"]
) -> Report:
    """The center's report, or one team's (``filters.team``)."""
    for table in ("marts.coaching_monitor", "marts.coaching_progress"):
        if not snapshot.has(table):
            raise ReportError(f"the serving snapshot has no {table}")
    where, params = _where(filters, "m")
    columns = snapshot.present("marts.coaching_monitor", MONITOR_COLUMNS)
    monitor = _frame(
        snapshot.conn,
        f"""select {", ".join(f"m.{c}" for c in columns)} from marts.coaching_monitor as m
            where {where} order by m.assigned_date, m.agent_id, m.assignment_id""",
        params,
    )
    attribute_clause = ""
    progress_params: list[Any] = [monitor["assignment_id"].to_list()]
    if filters.attribute_ids:
        attribute_clause = "and list_contains(?::varchar[], p.attribute_id)"
        progress_params.append(list(filters.attribute_ids))
    progress_columns = snapshot.present("marts.coaching_progress", PROGRESS_COLUMNS)
    progress = _frame(
        snapshot.conn,
        f"""with names as ({snapshot.attribute_names_sql()}),
            kept as (
                select assignment_id, agent_name, team from marts.coaching_monitor
                where list_contains(?::varchar[], assignment_id)
            )
            select p.agent_id, kept.agent_name, kept.team, p.assignment_id, p.attribute_id,
                   coalesce(names.attribute_name, p.attribute_id) as attribute_name,
                   {", ".join(f"p.{c}" for c in progress_columns)}
            from marts.coaching_progress as p
            join kept using (assignment_id)
            left join names using (attribute_id)
            where true {attribute_clause}
            order by p.agent_id, p.assignment_id, p.attribute_id""",
        progress_params,
    )
    coached = _coached(monitor.to_dicts(), filters)
    charts = _charts(snapshot, coached, progress, filters.as_of)
    title = (
        "Coaching report: the whole center"
        if kind == "center"
        else f"Coaching report: team {filters.team}"
    )
    return Report(
        kind=kind,
        directory="center" if kind == "center" else f"team-{_slug(filters.team or '')}",
        title=title,
        filters=filters,
        data_as_of=snapshot.data_as_of(),
        tables=(
            _trend_summary(progress, monitor),
            Table("monitor", "Coaching Monitor", _list_as_text(monitor)),
            Table("progress", "Progress by attribute", progress),
            _daily_table(charts, with_agent=True),
        ),
        charts=charts,
    )


def _coached(rows: list[dict[str, Any]], filters: ReportFilters) -> list[dict[str, Any]]:
    """The assignments to chart: each with its coached attributes that pass
    the attribute filter."""
    return [
        {
            "assignment_id": row["assignment_id"],
            "assignment_name": row["name"] or row["assignment_id"],
            "agent_id": row["agent_id"],
            "agent_label": _agent_label(row["agent_name"], row["agent_id"]),
            "assigned_date": row["assigned_date"],
            "attribute_ids": [
                a
                for a in (row["attribute_ids"] or [])
                if not filters.attribute_ids or a in filters.attribute_ids
            ],
        }
        for row in rows
        if row["assigned_date"] is not None
    ]


def _agent_label(name: str | None, agent_id: str) -> str:
    return f"{name} ({agent_id})" if name else agent_id


AGENT_ASSIGNMENT_COLUMNS = (
    "assignment_id",
    "name",
    "attribute_ids",
    "assigned_date",
    "follow_up_date",
    "target_score",
    "target_date",
    "agent_status",
    "plan_status",
    "interactions_n",
    "interactions_reviewed_n",
    "best_responses_n",
    "best_responses_reviewed_n",
    "feedback",
    "action_plan",
)
AGENT_INTERACTION_COLUMNS = (
    "assignment_id",
    "interaction_id",
    "interaction_date",
    "queue",
    "channel",
    "attribute_ids",
    "kore_evaluation_score",
    "audit_score",
    "sentiment_score",
    "reviewed",
)
COACHING_LOG_COLUMNS = (
    "cycle_start",
    "cycle_end",
    "attribute_id",
    "is_focus",
    "current_score",
    "target_score",
    "gap",
    "below_target_n",
    "compliance_flags_n",
    "baseline_score",
    "delta",
    "evidence",
)


def load_agent_report(snapshot: Snapshot, agent_id: str, filters: ReportFilters) -> Report:
    """One agent's own coaching log: only rows of ``agent_id``, no group context."""
    if not snapshot.has("marts.agent_assignments"):
        raise ReportError("the serving snapshot has no marts.agent_assignments")
    known = [
        t
        for t in ("marts.agent_assignments", "marts.agent_attribute_scores", "marts.coaching_log")
        if snapshot.has(t)
    ]
    (hits,) = snapshot.conn.execute(
        "select count(*) from ("
        + " union all ".join(f"select agent_id from {t} where agent_id = ?" for t in known)
        + ")",
        [agent_id] * len(known),
    ).fetchall()[0]
    if not hits:
        raise ReportError(f"unknown agent {agent_id!r}: no assignment or score in the snapshot")

    names = snapshot.attribute_names()
    where, params = _where(filters, "a")
    columns = snapshot.present("marts.agent_assignments", AGENT_ASSIGNMENT_COLUMNS)
    group_made = "false"
    if snapshot.has("marts.coaching_assignments"):
        have = snapshot.columns("marts.coaching_assignments")
        signs = [
            s
            for c, s in (
                ("coaching_type", "s.coaching_type = 'Group'"),
                ("group_id", "s.group_id is not null"),
                ("parent_assignment_id", "s.parent_assignment_id is not null"),
            )
            if c in have
        ]
        if signs:
            group_made = (
                "coalesce((select bool_or(" + " or ".join(signs) + ") "
                "from marts.coaching_assignments as s "
                "where s.assignment_id = a.assignment_id), false)"
            )
    assignments = _frame(
        snapshot.conn,
        f"""select {", ".join(f"a.{c}" for c in columns)}, {group_made} as _for_group
            from marts.agent_assignments as a
            where a.agent_id = ? and {where}
            order by a.assigned_date, a.assignment_id""",
        [agent_id, *params],
    )
    # A group's assignment is named for the group: the agent reads it named
    # after what it coaches instead.
    renamed = [
        " & ".join(names.get(a, (a, None))[0] for a in (ids or [])) + " coaching"
        if for_group
        else name
        for name, ids, for_group in assignments.select(
            "name", "attribute_ids", "_for_group"
        ).iter_rows()
    ]
    assignments = assignments.with_columns(pl.Series("name", renamed, dtype=pl.String)).drop(
        "_for_group"
    )
    kept = assignments["assignment_id"].to_list()

    attribute_clause, attribute_params = "", []
    if filters.attribute_ids:
        attribute_clause = "and list_contains(?::varchar[], p.attribute_id)"
        attribute_params = [list(filters.attribute_ids)]
    progress = pl.DataFrame()
    if snapshot.has("marts.coaching_progress"):
        progress_columns = snapshot.present("marts.coaching_progress", PROGRESS_COLUMNS)
        progress = _frame(
            snapshot.conn,
            f"""with names as ({snapshot.attribute_names_sql()})
                select p.assignment_id, p.attribute_id,
                       coalesce(names.attribute_name, p.attribute_id) as attribute_name,
                       {", ".join(f"p.{c}" for c in progress_columns)}
                from marts.coaching_progress as p left join names using (attribute_id)
                where p.agent_id = ? and list_contains(?::varchar[], p.assignment_id)
                {attribute_clause}
                order by p.assignment_id, p.attribute_id""",
            [agent_id, kept, *attribute_params],
        )

    interactions: dict[str, pl.DataFrame] = {}
    if snapshot.has("marts.assignment_interactions"):
        interaction_columns = snapshot.present(
            "marts.assignment_interactions", AGENT_INTERACTION_COLUMNS
        )
        for kind in ("marked", "best_response"):
            interactions[kind] = _frame(
                snapshot.conn,
                f"""select {", ".join(f"i.{c}" for c in interaction_columns)}
                    from marts.assignment_interactions as i
                    where i.agent_id = ? and i.kind = ?
                      and list_contains(?::varchar[], i.assignment_id)
                    order by i.assignment_id, i.interaction_date, i.interaction_id""",
                [agent_id, kind, kept],
            )

    notes = []
    tables = [Table("assignments", "Assignments", _list_as_text(assignments))]
    if "marked" in interactions:
        tables.append(
            Table(
                "marked_interactions", "Marked interactions", _list_as_text(interactions["marked"])
            )
        )
        tables.append(
            Table("best_responses", "Best responses", _list_as_text(interactions["best_response"]))
        )
    if snapshot.has("marts.coaching_progress"):
        tables.append(Table("progress", "Progress by attribute", progress))
    if snapshot.has("marts.coaching_log"):
        log_columns = snapshot.present("marts.coaching_log", COACHING_LOG_COLUMNS)
        selected = [
            f"l.{c}" if c != "evidence" else "to_json(l.evidence)::varchar as evidence"
            for c in log_columns
        ]
        log_clause = attribute_clause.replace("p.attribute_id", "l.attribute_id")
        sort = [c for c in ("cycle_start", "attribute_id") if c in log_columns]
        log = _frame(
            snapshot.conn,
            f"""select {", ".join(selected)} from marts.coaching_log as l
                where l.agent_id = ? {log_clause}
                order by {", ".join(f"l.{c}" for c in sort) or "1"}""",
            [agent_id, *attribute_params],
        )
        tables.append(Table("coaching_log", "Coaching log", _list_as_text(log)))
    else:
        notes.append("The coaching log by cycle is not in the warehouse yet.")

    agent_name = None
    if "agent_name" in snapshot.columns("marts.coaching_monitor"):
        rows = snapshot.conn.execute(
            "select max(agent_name) from marts.coaching_monitor where agent_id = ?", [agent_id]
        ).fetchall()
        agent_name = rows[0][0]
    coached = _coached(
        [{**row, "agent_id": agent_id, "agent_name": agent_name} for row in assignments.to_dicts()],
        filters,
    )
    charts = _charts(snapshot, coached, progress, filters.as_of)
    tables.append(_daily_table(charts, with_agent=False))
    return Report(
        kind="agent",
        directory=f"agent-{_slug(agent_id)}",
        title=f"Coaching log: {_agent_label(agent_name, agent_id)}",
        filters=filters,
        data_as_of=snapshot.data_as_of(),
        tables=tuple(tables),
        charts=charts,
        cards=tuple(AssignmentCard(row) for row in assignments.to_dicts()),
        notes=tuple(notes),
        forbidden=_forbidden_for(snapshot, agent_id, names),
    )


def _forbidden_for(
    snapshot: Snapshot, agent_id: str, names: dict[str, tuple[str, float | None]]
) -> dict[str, frozenset[str]]:
    """What an agent's export may never contain: other agents' ids, group ids
    and group names (a group named like an attribute is left out: it cannot be
    told apart from the attribute)."""
    conn = snapshot.conn
    agents: set[str] = set()
    for table, columns in snapshot.relations.items():
        if not table.startswith("marts."):
            continue
        if "agent_id" in columns:
            agents |= {
                a for (a,) in conn.execute(f"select distinct agent_id from {table}").fetchall()
            }
        for list_column in ("agent_ids", "outlier_agent_ids"):
            if list_column in columns:
                agents |= {
                    a
                    for (a,) in conn.execute(
                        f"select distinct unnest({list_column}) from {table}"
                    ).fetchall()
                }
    groups: set[str] = set()
    group_names: set[str] = set()
    for table in ("marts.coaching_assignments", "marts.coaching_groups"):
        if "group_id" in snapshot.columns(table):
            groups |= {
                g for (g,) in conn.execute(f"select distinct group_id from {table}").fetchall()
            }
    if "name" in snapshot.columns("marts.coaching_groups"):
        group_names = {
            n for (n,) in conn.execute("select distinct name from marts.coaching_groups").fetchall()
        }
    attribute_words = {a.casefold() for a in names} | {n.casefold() for n, _ in names.values()}
    return {
        "agent id": frozenset(a for a in agents if a and a != agent_id),
        "group id": frozenset(g for g in groups if g),
        "group name": frozenset(
            n for n in group_names if n and n.strip().casefold() not in attribute_words
        ),
    }


def _slug(value: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", value).strip("._") or "_"


# ----------------------------------------------------------------------------
# Columns: labels and formats


LABELS = {
    "assignment_id": "Assignment ID",
    "name": "Assignment",
    "coaching_type": "Coaching type",
    "agent_id": "Agent ID",
    "agent_name": "Agent",
    "team": "Team",
    "assigned_date": "Assigned",
    "follow_up_date": "Follow-up",
    "attribute_ids": "Attributes",
    "attribute_id": "Attribute ID",
    "attribute_name": "Attribute",
    "scorecard_score_at_assigned": "Scorecard at assigned",
    "scorecard_score_current": "Scorecard current",
    "scorecard_trend": "Scorecard trend",
    "evaluation_score_at_assigned": "Evaluation at assigned",
    "evaluation_score_current": "Evaluation current",
    "evaluation_trend": "Evaluation trend",
    "status": "Status",
    "agent_status": "Status",
    "plan_status": "Plan status",
    "score_at_assigned": "Score at assigned",
    "n_at_assigned": "n at assigned",
    "current_score": "Current score",
    "n_current": "n current",
    "delta": "Delta",
    "trend": "Trend",
    "p_value": "p-value",
    "measure": "Measure",
    "spike": "Spike",
    "dip": "Dip",
    "flat": "Flat",
    "insufficient_data": "Insufficient data",
    "total": "Total",
    "day": "Day",
    "avg_score": "Average score",
    "scores_n": "Scores",
    "window": "Window",
    "target_score": "Target score",
    "target_date": "Target date",
    "interactions_n": "Interactions",
    "interactions_reviewed_n": "Interactions reviewed",
    "best_responses_n": "Best responses",
    "best_responses_reviewed_n": "Best responses reviewed",
    "feedback": "Feedback",
    "action_plan": "Action plan",
    "interaction_id": "Interaction ID",
    "interaction_date": "Date",
    "queue": "Queue",
    "channel": "Channel",
    "kore_evaluation_score": "Kore Evaluation Score",
    "audit_score": "Audit score",
    "sentiment_score": "Sentiment",
    "reviewed": "Reviewed",
    "cycle_start": "Cycle start",
    "cycle_end": "Cycle end",
    "is_focus": "Focus",
    "gap": "Gap",
    "below_target_n": "Below target",
    "compliance_flags_n": "Compliance flags",
    "baseline_score": "Baseline score",
    "evidence": "Evidence",
}

ColumnKind = Literal["score", "pvalue", "int", "date", "bool", "text"]


def label(column: str) -> str:
    return LABELS.get(column, column.replace("_", " ").capitalize())


def column_kind(column: str, dtype: pl.DataType) -> ColumnKind:
    if column == "p_value":
        return "pvalue"
    if dtype.is_float():
        return "score"
    if dtype.is_integer():
        return "int"
    if dtype == pl.Date or isinstance(dtype, pl.Datetime):
        return "date"
    if dtype == pl.Boolean:
        return "bool"
    return "text"


def _cell_text(value: Any, kind: ColumnKind) -> str:
    if value is None:
        return ""
    if kind == "pvalue":
        return "< 0.0001" if value < 0.0001 else f"{value:.4f}"
    if kind == "score":
        return f"{value:.2f}" if math.isfinite(value) else ""
    if kind == "bool":
        return "yes" if value else "no"
    if kind == "date":
        return value.isoformat()
    return str(value)


# ----------------------------------------------------------------------------
# SVG charts


def _fmt(value: float) -> str:
    return f"{value:.1f}"


def render_chart_svg(item: ChartItem) -> str:
    """The agent's daily score of one coached attribute, from 14 days before
    the assigned date to as_of: the before window (A-7 .. A-1) and the current
    window (D-6 .. D) shaded, the assigned date marked, the target dashed."""
    width, height = 680, 230
    left, right, top, bottom = 44, 90, 14, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    slots = (item.end - item.start).days + 1

    def x_at(day: date) -> float:
        return left + ((day - item.start).days + 0.5) * plot_w / slots

    def band(first: date, last: date, css: str) -> str:
        first, last = max(first, item.start), min(last, item.end)
        if first > last:
            return ""
        x0 = left + (first - item.start).days * plot_w / slots
        x1 = left + ((last - item.start).days + 1) * plot_w / slots
        return (
            f'<rect class="{css}" x="{_fmt(x0)}" y="{top}" width="{_fmt(x1 - x0)}" '
            f'height="{plot_h}"/>'
        )

    values = [p.avg_score for p in item.points]
    if item.target_score is not None:
        values.append(item.target_score)
    low, high = (min(values), max(values)) if values else (0.0, 100.0)
    low = max(0.0, math.floor((low - 2) / 5) * 5)
    high = min(100.0, math.ceil((high + 2) / 5) * 5)
    if high - low < 10:
        high = min(100.0, low + 10)
        low = max(0.0, high - 10)
    step = 5 if high - low <= 30 else 10 if high - low <= 60 else 20

    def y_at(value: float) -> float:
        return top + (high - value) * plot_h / (high - low)

    title = f"{item.attribute_name}: {item.agent_label}, daily score"
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" data-assignment-id="{_attr(item.assignment_id)}" '
        f'data-attribute-id="{_attr(item.attribute_id)}" data-points="{len(item.points)}">',
        f"<title>{_text(title)}</title>",
        band(
            item.assigned_date - timedelta(days=7),
            item.assigned_date - timedelta(days=1),
            "win-before",
        ),
        band(item.end - timedelta(days=6), item.end, "win-current"),
    ]
    tick = low
    while tick <= high + 1e-9:
        y = _fmt(y_at(tick))
        parts.append(f'<line class="grid" x1="{left}" x2="{left + plot_w}" y1="{y}" y2="{y}"/>')
        parts.append(
            f'<text class="axis" x="{left - 6}" y="{y}" dy="3.5" text-anchor="end">{tick:g}</text>'
        )
        tick += step
    x_ticks = [item.assigned_date + timedelta(days=k) for k in range(-CHART_DAYS_BEFORE, slots, 7)]
    x_ticks = [d for d in x_ticks if item.start <= d <= item.end]
    if (item.end - x_ticks[-1]).days >= 3:
        x_ticks.append(item.end)
    for day in x_ticks:
        parts.append(
            f'<text class="axis" x="{_fmt(x_at(day))}" y="{top + plot_h + 16}" '
            f'text-anchor="middle">{day:%m-%d}</text>'
        )
    parts.append(
        f'<line class="frame" x1="{left}" x2="{left + plot_w}" y1="{top + plot_h}" '
        f'y2="{top + plot_h}"/>'
    )
    if item.target_score is not None and low <= item.target_score <= high:
        y = _fmt(y_at(item.target_score))
        parts.append(f'<line class="target" x1="{left}" x2="{left + plot_w}" y1="{y}" y2="{y}"/>')
        parts.append(
            f'<text class="target-label" x="{left + plot_w + 4}" y="{y}" dy="3.5">'
            f"target {item.target_score:g}</text>"
        )
    x = _fmt(x_at(item.assigned_date))
    parts.append(f'<line class="assigned" x1="{x}" x2="{x}" y1="{top}" y2="{top + plot_h}"/>')
    parts.append(
        f'<text class="assigned-label" x="{x}" y="{top + plot_h + 28}" text-anchor="middle">'
        f"assigned {item.assigned_date:%m-%d}</text>"
    )
    run: list[DailyScore] = []
    runs: list[list[DailyScore]] = []
    for point in item.points:
        if run and (point.day - run[-1].day).days > 1:
            runs.append(run)
            run = []
        run.append(point)
    if run:
        runs.append(run)
    for points in runs:
        if len(points) > 1:
            coords = " ".join(f"{_fmt(x_at(p.day))},{_fmt(y_at(p.avg_score))}" for p in points)
            parts.append(f'<polyline class="series" points="{coords}"/>')
    for p in item.points:
        parts.append(
            f'<circle class="point" cx="{_fmt(x_at(p.day))}" cy="{_fmt(y_at(p.avg_score))}" r="3">'
            f"<title>{p.day.isoformat()}: {p.avg_score:.1f} (n={p.scores_n})</title></circle>"
        )
    if not item.points:
        parts.append(
            f'<text class="empty" x="{left + plot_w / 2}" y="{top + plot_h / 2}" '
            'text-anchor="middle">no daily scores in the snapshot</text>'
        )
    legend_x = left + plot_w + 8
    parts.append(
        f'<rect class="win-before" x="{legend_x}" y="{top + 4}" width="10" height="10"/>'
        f'<text class="axis" x="{legend_x + 14}" y="{top + 13}">before</text>'
        f'<rect class="win-current" x="{legend_x}" y="{top + 20}" width="10" height="10"/>'
        f'<text class="axis" x="{legend_x + 14}" y="{top + 29}">current</text>'
    )
    parts.append("</svg>")
    return "".join(p for p in parts if p)


# ----------------------------------------------------------------------------
# HTML


def _text(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=False)


def _attr(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


STYLE = """
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d2733;
       margin: 0 auto; max-width: 1200px; padding: 24px; }
h1 { font-size: 22px; margin: 0 0 6px; }
h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 2px solid #1f3a5f; padding-bottom: 4px; }
h3 { font-size: 15px; margin: 18px 0 6px; }
dl.filters { display: flex; flex-wrap: wrap; gap: 4px 18px; margin: 8px 0; color: #44515f; }
dl.filters div { display: flex; gap: 6px; }
dl.filters dt { font-weight: 600; } dl.filters dd { margin: 0; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; margin: 6px 0 12px; font-size: 13px; }
th, td { border: 1px solid #d5dbe2; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #1f3a5f; color: #fff; font-weight: 600; position: sticky; top: 0; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr:nth-child(even) td { background: #f5f7fa; }
.trend { display: inline-block; padding: 0 6px; border-radius: 8px; font-size: 12px; }
.trend-spike { background: #d8f0dc; color: #14532d; }
.trend-dip { background: #fadcdc; color: #7f1d1d; }
.trend-flat { background: #e7eaee; color: #374151; }
.trend-insufficient_data { background: #fff3cd; color: #6b4e00; }
figure { margin: 12px 0 20px; } figcaption { font-size: 13px; margin-bottom: 4px; }
svg.chart { max-width: 100%; height: auto; background: #fff; }
svg .grid { stroke: #e3e7ec; } svg .frame { stroke: #9aa5b1; }
svg .axis { font-size: 11px; fill: #5b6673; }
svg .win-before { fill: #c7d5f3; fill-opacity: 0.5; }
svg .win-current { fill: #bfe3c8; fill-opacity: 0.5; }
svg .series { fill: none; stroke: #1f5fbf; stroke-width: 2; }
svg .point { fill: #1f5fbf; }
svg .target { stroke: #c0392b; stroke-dasharray: 5 4; }
svg .target-label { font-size: 11px; fill: #c0392b; }
svg .assigned { stroke: #6b21a8; stroke-width: 1.5; }
svg .assigned-label { font-size: 11px; fill: #6b21a8; }
svg .empty { font-size: 13px; fill: #8a94a0; }
.card { border: 1px solid #d5dbe2; border-radius: 6px; padding: 10px 14px; margin: 10px 0; }
.card p { margin: 4px 0; } .note { color: #6b4e00; }
footer { margin-top: 32px; color: #6b7683; font-size: 12px; }
@media print { th { position: static; } .scroll { overflow: visible; } }
"""

# Nothing may be fetched: not a script, not a font, not an image.
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def _html_table(table: Table, *, drop: Sequence[str] = ()) -> str:
    frame = table.frame.drop([c for c in drop if c in table.frame.columns])
    if frame.is_empty():
        return '<p class="empty">No rows.</p>'
    kinds = [column_kind(c, frame.schema[c]) for c in frame.columns]
    head = "".join(f"<th>{_text(label(c))}</th>" for c in frame.columns)
    body = []
    for row in frame.iter_rows():
        cells = []
        for value, kind, column in zip(row, kinds, frame.columns, strict=True):
            text = _cell_text(value, kind)
            if column.endswith("trend") and value:
                cells.append(
                    f'<td><span class="trend trend-{_attr(value)}">{_text(text)}</span></td>'
                )
            elif kind in ("score", "pvalue", "int"):
                cells.append(f'<td class="num">{_text(text)}</td>')
            else:
                cells.append(f"<td>{_text(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (
        f'<div class="scroll"><table data-table="{_attr(table.name)}">'
        f"<thead><tr>{head}</tr></thead><tbody>\n" + "\n".join(body) + "\n</tbody></table></div>"
    )


def _chart_figure(item: ChartItem, with_agent: bool) -> str:
    p = item.progress
    trend = p.get("trend")
    summary = []
    if p.get("score_at_assigned") is not None or p.get("current_score") is not None:
        summary.append(
            f"{_cell_text(p.get('score_at_assigned'), 'score') or 'n/a'} → "
            f"{_cell_text(p.get('current_score'), 'score') or 'n/a'}"
        )
    if p.get("p_value") is not None:
        p_text = _cell_text(p["p_value"], "pvalue")
        summary.append(f"p {p_text}" if p_text.startswith("<") else f"p = {p_text}")
    badge = f' <span class="trend trend-{_attr(trend)}">{_text(trend)}</span>' if trend else ""
    who = f"{_text(item.agent_label)}, " if with_agent else ""
    return (
        f"<figure><figcaption><strong>{_text(item.attribute_name)}</strong>: {who}"
        f"{_text(item.assignment_name)} (assigned {item.assigned_date.isoformat()})"
        f"{'; ' + _text('; '.join(summary)) if summary else ''}{badge}</figcaption>"
        f"{render_chart_svg(item)}</figure>"
    )


def render_html(report: Report, generated_at: datetime) -> str:
    filters = "".join(
        f"<div><dt>{_text(k)}</dt><dd>{_text(v)}</dd></div>" for k, v in report.filter_lines()
    )
    if report.data_as_of and report.data_as_of != report.filters.as_of:
        filters += (
            f"<div><dt>Warehouse data as of</dt><dd>{report.data_as_of.isoformat()}</dd></div>"
        )
    parts = [
        "<!doctype html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_text(report.title)} ({report.filters.as_of.isoformat()})</title>",
        f"<style>{STYLE}</style>",
        "</head>",
        "<body>",
        f'<header><h1>{_text(report.title)}</h1><dl class="filters">{filters}</dl></header>',
    ]
    parts += [f'<p class="note">{_text(n)}</p>' for n in report.notes]
    if report.kind == "agent":
        parts += _agent_sections(report)
    else:
        parts += _supervisor_sections(report)
    parts += [
        "<footer>",
        "<p>coaching-warehouse. Scores: 7-day windows; at assigned = days A-7 .. A-1 of the "
        "assigned date A, current = days D-6 .. D of as_of D; trend: spike or dip when the "
        "change reaches the threshold, insufficient data below the minimum of scores.</p>",
        f'<p class="generated">Generated at {generated_at.astimezone(UTC):%Y-%m-%d %H:%M:%S}'
        " UTC</p>",
        "</footer>",
        "</body>",
        "</html>",
    ]
    return "\n".join(parts) + "\n"


def _supervisor_sections(report: Report) -> list[str]:
    monitor = report.table("monitor")
    parts = [
        '<section id="summary"><h2>Spike / dip summary</h2>',
        f"<p>{len(monitor.frame)} assignments; {len(report.charts)} coached attributes.</p>",
        _html_table(report.table("trend_summary")),
        "</section>",
        '<section id="monitor"><h2>Coaching Monitor</h2>',
        _html_table(monitor),
        "</section>",
        '<section id="progress"><h2>Progress by agent and attribute</h2>',
    ]
    progress = report.table("progress").frame
    if progress.is_empty():
        parts.append('<p class="empty">No rows.</p>')
    for (agent_id,), rows in progress.group_by("agent_id", maintain_order=True):
        first = rows.row(0, named=True)
        parts.append(
            f"<h3>{_text(_agent_label(first['agent_name'], str(agent_id)))}"
            f"{' · ' + _text(first['team']) if first['team'] else ''}</h3>"
        )
        parts.append(
            _html_table(
                Table("progress", "Progress", rows), drop=("agent_id", "agent_name", "team")
            )
        )
    parts.append("</section>")
    parts.append('<section id="charts"><h2>Daily score around each assignment</h2>')
    if not report.charts:
        parts.append('<p class="empty">No assignment matches the filters.</p>')
    parts += [_chart_figure(item, with_agent=True) for item in report.charts]
    parts.append("</section>")
    return parts


def _agent_sections(report: Report) -> list[str]:
    parts = ['<section id="assignments"><h2>My coaching assignments</h2>']
    if not report.cards:
        parts.append('<p class="empty">No assignment matches the filters.</p>')
    for card in report.cards:
        f = card.fields
        facts = [
            ("Assigned", f.get("assigned_date")),
            ("Follow-up", f.get("follow_up_date")),
            ("Status", f.get("agent_status")),
            ("Plan", f.get("plan_status")),
            ("Target", f.get("target_score")),
            ("Target date", f.get("target_date")),
            ("Attributes", ", ".join(f.get("attribute_ids") or [])),
        ]
        facts_html = " · ".join(
            f"<strong>{_text(k)}</strong> "
            f"{_text(_cell_text(v, 'date') if isinstance(v, date) else v)}"
            for k, v in facts
            if v not in (None, "")
        )
        parts.append(
            f'<div class="card" data-assignment-id="{_attr(f["assignment_id"])}">'
            f"<h3>{_text(f.get('name') or f['assignment_id'])}</h3><p>{facts_html}</p>"
            f"<p><strong>Feedback</strong>: {_text(f.get('feedback') or '')}</p>"
            f"<p><strong>Action plan</strong>: {_text(f.get('action_plan') or '')}</p></div>"
        )
    parts.append("</section>")
    sections = [
        ("marked_interactions", "Interactions marked for coaching"),
        ("best_responses", "Best responses to learn from"),
        ("progress", "My progress by attribute"),
        ("coaching_log", "Coaching log by cycle"),
    ]
    names = {t.name for t in report.tables}
    for name, heading in sections:
        if name in names:
            parts += [
                f'<section id="{name}"><h2>{_text(heading)}</h2>',
                _html_table(report.table(name)),
                "</section>",
            ]
    parts.append('<section id="charts"><h2>My daily score around each assignment</h2>')
    parts += [_chart_figure(item, with_agent=False) for item in report.charts]
    parts.append("</section>")
    return parts


# ----------------------------------------------------------------------------
# XLSX and CSV

XLSX_FORMATS: dict[ColumnKind, dict[str, Any]] = {
    "score": {"num_format": "0.00"},
    "pvalue": {"num_format": "0.0000"},
    "int": {"num_format": "0"},
    "date": {"num_format": "yyyy-mm-dd"},
    "bool": {},
    "text": {},
}


def write_xlsx(report: Report, path: Path) -> None:
    """A formatted sheet per table: bold frozen header row, number formats,
    autofilter; an "About" sheet with the filters."""
    workbook = xlsxwriter.Workbook(
        str(path),
        {
            "strings_to_formulas": False,  # feedback text starting with "=" stays text
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "nan_inf_to_errors": True,
        },
    )
    workbook.set_properties(
        {
            "title": report.title,
            "author": "coaching-warehouse",
            "created": datetime.combine(report.filters.as_of, time()),
        }
    )
    header = workbook.add_format(
        {"bold": True, "font_color": "#FFFFFF", "bg_color": "#1F3A5F", "border": 1, "valign": "top"}
    )
    formats = {kind: workbook.add_format(spec) for kind, spec in XLSX_FORMATS.items()}
    about = workbook.add_worksheet("About")
    about.write_string(0, 0, report.title, workbook.add_format({"bold": True, "font_size": 14}))
    for row, (key, value) in enumerate(report.filter_lines(), start=2):
        about.write_string(row, 0, key, header)
        about.write_string(row, 1, value)
    for row, note in enumerate(report.notes, start=len(report.filter_lines()) + 3):
        about.write_string(row, 0, note)
    about.set_column(0, 0, 22)
    about.set_column(1, 1, 40)
    for table in report.tables:
        sheet = workbook.add_worksheet(table.title[:31])
        frame = table.frame
        for col, column in enumerate(frame.columns):
            kind = column_kind(column, frame.schema[column])
            sheet.write_string(0, col, label(column), header)
            values = frame[column].to_list()
            if kind == "date":
                values = [v if v is None else datetime.combine(v, time()) for v in values]
            if kind == "score" or kind == "pvalue":
                values = [v if v is None or math.isfinite(v) else None for v in values]
            sheet.write_column(1, col, values, formats[kind])
            width = max([len(label(column))] + [len(_cell_text(v, kind)) for v in frame[column]])
            sheet.set_column(col, col, min(max(width, 8) + 2, 60))
        sheet.freeze_panes(1, 0)
        if frame.columns:
            sheet.autofilter(0, 0, max(len(frame), 1), len(frame.columns) - 1)
    workbook.close()


def _write_atomic(path: Path, write: Any) -> Path:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def write_report(
    report: Report,
    out_dir: Path,
    formats: Sequence[str] = FORMATS,
    generated_at: datetime | None = None,
) -> list[Path]:
    """Write ``report`` under ``out_dir``; each file is written to a temporary
    name and renamed. An agent export is checked before it is kept."""
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown:
        raise ReportError(f"unknown format {', '.join(unknown)}: choose from {', '.join(FORMATS)}")
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = "coaching-log" if report.kind == "agent" else "coaching-report"
    generated_at = generated_at or datetime.now(UTC)
    staged: list[tuple[Path, Any]] = []
    if "html" in formats:
        page = render_html(report, generated_at)
        staged.append((out_dir / f"{stem}.html", lambda p: p.write_text(page, encoding="utf-8")))
    if "xlsx" in formats:
        staged.append((out_dir / f"{stem}.xlsx", lambda p: write_xlsx(report, p)))
    if "csv" in formats:
        for table in report.tables:
            frame = table.frame
            staged.append(
                (out_dir / f"{table.name}.csv", lambda p, frame=frame: frame.write_csv(p))
            )
    if report.forbidden:
        return _write_checked(report, staged)
    return [_write_atomic(path, write) for path, write in staged]


def _write_checked(report: Report, staged: Sequence[tuple[Path, Any]]) -> list[Path]:
    """Write to temporary names, search every file for what the agent may not
    see, and only then rename into place."""
    tmps = []
    try:
        for path, write in staged:
            tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
            tmps.append((tmp, path))
            write(tmp)
        for tmp, path in tmps:
            found = find_forbidden(_file_text(tmp), report.forbidden)
            if found:
                what, value = found[0]
                raise ExportLeakError(
                    f"{path.name} would contain the {what} {value!r}: "
                    "the agent export is not written"
                )
        for tmp, path in tmps:
            os.replace(tmp, path)
    finally:
        for tmp, _ in tmps:
            tmp.unlink(missing_ok=True)
    return [path for _, path in tmps]


def _file_text(path: Path) -> str:
    if zipfile.is_zipfile(path):  # XLSX: search every part of the archive
        with zipfile.ZipFile(path) as archive:
            return html.unescape(
                "\n".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist())
            )
    return html.unescape(path.read_text(encoding="utf-8"))


def find_forbidden(text: str, forbidden: dict[str, frozenset[str]]) -> list[tuple[str, str]]:
    """Every forbidden value found in ``text`` as a whole token. Values that
    cannot be told apart from ordinary text (purely numeric, or shorter than
    3 characters) are not searched."""
    found = []
    for what, values in forbidden.items():
        for value in sorted(values):
            if len(value) < 3 or value.replace(".", "").isdigit():
                continue
            pattern = r"(?<![A-Za-z0-9_])" + re.escape(value) + r"(?![A-Za-z0-9_])"
            if re.search(pattern, text):
                found.append((what, value))
    return found


# ----------------------------------------------------------------------------
# Entry points


def open_snapshot(serving_file: Path) -> duckdb.DuckDBPyConnection:
    if not serving_file.exists():
        raise ReportError(
            f"no serving snapshot at {serving_file}: run `coachwh run` to build and publish one"
        )
    return duckdb.connect(str(serving_file), read_only=True)


def export_reports(
    serving_file: Path,
    exports_dir: Path,
    *,
    team: str | None = None,
    agent: str | None = None,
    formats: Sequence[str] = FORMATS,
    as_of: date | None = None,
    assigned_from: date | None = None,
    assigned_to: date | None = None,
    follow_up_date: date | None = None,
    attribute_ids: Iterable[str] = (),
    agent_ids: Iterable[str] = (),
    generated_at: datetime | None = None,
) -> list[Path]:
    """Write reports from the serving snapshot under ``exports/<as_of>/``:
    one agent's export (``agent``), one team's report (``team``), or the
    center's report and one per team. ``as_of`` defaults to the date the
    snapshot describes. Returns the paths written."""
    if team is not None and agent is not None:
        raise FilterError("give either a team or an agent, not both")
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown:
        raise ReportError(f"unknown format {', '.join(unknown)}: choose from {', '.join(FORMATS)}")
    attribute_ids, agent_ids = _distinct(attribute_ids), _distinct(agent_ids)
    with open_snapshot(serving_file) as conn:
        snapshot = Snapshot(conn)
        as_of = as_of or snapshot.data_as_of() or date.today()
        out = exports_dir / as_of.isoformat()
        if agent is not None:
            filters = agent_filters(
                as_of,
                assigned_from=assigned_from,
                assigned_to=assigned_to,
                follow_up_date=follow_up_date,
                attribute_ids=attribute_ids,
            )
            report = load_agent_report(snapshot, agent, filters)
            return write_report(report, out / report.directory, formats, generated_at)
        filters = monitor_filters(
            as_of,
            assigned_from=assigned_from,
            assigned_to=assigned_to,
            follow_up_date=follow_up_date,
            attribute_ids=attribute_ids,
            agent_ids=agent_ids,
        )
        teams = snapshot.teams()
        if team is not None and team not in teams:
            raise ReportError(f"unknown team {team!r}; teams: {', '.join(teams) or 'none'}")
        reports = []
        if team is None:
            reports.append(load_supervisor_report(snapshot, filters, "center"))
            teams = snapshot.teams(agent_ids)
        else:
            teams = [team]
        reports += [
            load_supervisor_report(snapshot, replace(filters, team=t), "team") for t in teams
        ]
    paths: list[Path] = []
    for report in reports:
        paths += write_report(report, out / report.directory, formats, generated_at)
    return paths


def write_reports(settings: Settings, **options: Any) -> list[Path]:
    """:func:`export_reports` with the paths of ``settings``; ``as_of``
    defaults to the settings' as_of, else the snapshot's date."""
    options.setdefault("as_of", settings.as_of)
    return export_reports(settings.serving_dir / SNAPSHOT_FILE, settings.exports_dir, **options)
