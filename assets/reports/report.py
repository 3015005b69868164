"""What a report holds, whatever it is written as: its tables (one CSV file,
one XLSX sheet, one HTML section each), its charts, and for an agent the
assignment cards; and the pieces both kinds of report build alike (the daily
score series of each coached attribute, the list columns as text)."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import polars as pl

from assets.reports.filters import ReportFilters, ReportKind
from assets.reports.snapshot import Attribute, DailyScore, Snapshot

CHART_DAYS_BEFORE = 14  # charts start this many days before the assigned date
WINDOW_DAYS = 7  # both windows of the trend: A-7 .. A-1 and D-6 .. D


@dataclass(frozen=True)
class Table:
    """One table of a report: a CSV file, an XLSX sheet, an HTML table."""

    name: str  # CSV file stem, and the HTML section's id
    title: str  # sheet name (at most 31 characters)
    frame: pl.DataFrame


@dataclass(frozen=True)
class ChartItem:
    """One coached attribute of one assignment: the agent's daily score from
    14 days before the assigned date to as_of, with the trend's two windows."""

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

    @property
    def before_window(self) -> tuple[date, date]:
        """A-7 .. A-1: the window of the score at assigned."""
        return (
            self.assigned_date - timedelta(days=WINDOW_DAYS),
            self.assigned_date - timedelta(days=1),
        )

    @property
    def current_window(self) -> tuple[date, date]:
        """D-6 .. D: the window of the current score."""
        return self.end - timedelta(days=WINDOW_DAYS - 1), self.end


@dataclass(frozen=True)
class AssignmentCard:
    """An agent's assignment as the agent reads it."""

    fields: dict[str, Any]


@dataclass(frozen=True)
class Report:
    kind: ReportKind
    directory: str  # under exports/<as_of>/, named after the filters
    title: str
    filters: ReportFilters
    record: dict[str, Any]  # filters.json
    data_as_of: date | None
    attributes: dict[str, Attribute]
    tables: tuple[Table, ...]
    charts: tuple[ChartItem, ...]
    cards: tuple[AssignmentCard, ...] = ()
    notes: tuple[str, ...] = ()
    forbidden: dict[str, frozenset[str]] = field(default_factory=dict)

    def table(self, name: str) -> Table:
        return next(t for t in self.tables if t.name == name)

    def has_table(self, name: str) -> bool:
        return any(t.name == name for t in self.tables)

    def filter_lines(self) -> list[tuple[str, str]]:
        """The filters as (label, value), for the report's header."""
        lines = self.filters.describe()
        if self.kind == "agent":  # one agent, no team: say nothing of others
            lines = [(k, v) for k, v in lines if k not in ("Team", "Agents")]
        return lines

    def attribute_names(self, attribute_ids: Sequence[str] | None) -> str:
        """Attributes by name, for a reader ("Empathy, Closing")."""
        return ", ".join(
            self.attributes[a].name if a in self.attributes else a for a in attribute_ids or ()
        )


def agent_label(name: str | None, agent_id: str) -> str:
    return f"{name} ({agent_id})" if name else agent_id


def coached(rows: Sequence[dict[str, Any]], filters: ReportFilters) -> list[dict[str, Any]]:
    """The assignments to chart (rows with assignment_id, name, agent_id,
    agent_name, assigned_date, attribute_ids): each with its coached
    attributes that pass the attribute filter."""
    return [
        {
            "assignment_id": row["assignment_id"],
            "assignment_name": row["name"] or row["assignment_id"],
            "agent_id": row["agent_id"],
            "agent_label": agent_label(row["agent_name"], row["agent_id"]),
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


def charts(
    snapshot: Snapshot,
    attributes: dict[str, Attribute],
    assignments: Sequence[dict[str, Any]],
    progress: pl.DataFrame,
    as_of: date,
) -> tuple[ChartItem, ...]:
    """Chart items for ``assignments`` (from :func:`coached`), in that order."""
    if not assignments:
        return ()
    by_key = {(r["assignment_id"], r["attribute_id"]): r for r in progress.to_dicts()}
    first = min(c["assigned_date"] for c in assignments) - timedelta(days=CHART_DAYS_BEFORE)
    last = max(as_of, *(c["assigned_date"] for c in assignments))
    series = snapshot.daily_scores([c["agent_id"] for c in assignments], first, last)
    items = []
    for c in assignments:
        start = c["assigned_date"] - timedelta(days=CHART_DAYS_BEFORE)
        end = max(as_of, c["assigned_date"])
        for attribute_id in c["attribute_ids"]:
            attribute = attributes.get(attribute_id, Attribute(attribute_id, attribute_id, None))
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
                    attribute_name=attribute.name,
                    assigned_date=c["assigned_date"],
                    start=start,
                    end=end,
                    target_score=attribute.target_score,
                    progress=by_key.get((c["assignment_id"], attribute_id), {}),
                    points=points,
                )
            )
    return tuple(items)


def daily_table(items: Sequence[ChartItem], with_agent: bool) -> Table:
    """The charts' data: one row per chart and day."""
    rows = [
        {
            "assignment_id": c.assignment_id,
            **({"agent_id": c.agent_id} if with_agent else {}),
            "attribute_id": c.attribute_id,
            "day": p.day,
            "avg_score": p.avg_score,
            "scores_n": p.scores_n,
            "target_score": c.target_score,
            "window": window_of(p.day, c),
        }
        for c in items
        for p in c.points
    ]
    schema = {
        "assignment_id": pl.String,
        **({"agent_id": pl.String} if with_agent else {}),
        "attribute_id": pl.String,
        "day": pl.Date,
        "avg_score": pl.Float64,
        "scores_n": pl.Int64,
        "target_score": pl.Float64,
        "window": pl.String,
    }
    return Table("daily_scores", "Daily scores", pl.DataFrame(rows, schema=schema, orient="row"))


def window_of(day: date, item: ChartItem) -> str | None:
    """Which window of the trend a day counts in, if any."""
    for name, (first, last) in (
        ("current", item.current_window),
        ("at_assigned", item.before_window),
    ):
        if first <= day <= last:
            return name
    return None
