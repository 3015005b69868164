"""The HTML page of a report, from the Jinja2 templates in ``templates/``
(autoescaped): ``supervisor.html.j2`` and ``agent.html.j2`` extend
``base.html.j2``, one block per section; ``chart.svg.j2`` draws a chart.

This module turns a report into what the templates print (cells as text, the
monitor's rows, evidence as quotes); the templates hold all markup. One
self-contained file: inline CSS and SVG, no script, and a
Content-Security-Policy that forbids every fetch."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

import polars as pl
from jinja2 import Environment, PackageLoader, StrictUndefined

from assets.reports.agent import REVIEW_TABS
from assets.reports.charts import chart_layout
from assets.reports.columns import (
    TREND_COLUMNS,
    ColumnKind,
    cell_text,
    column_kind,
    label,
    offset_text,
)
from assets.reports.report import ChartItem, Report, agent_label


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("assets.reports", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["score"] = lambda v: cell_text(v, "score")
    env.filters["pvalue"] = lambda v: cell_text(v, "pvalue")
    env.filters["day"] = lambda v: cell_text(v, "date")
    return env


@dataclass(frozen=True)
class Evidence:
    """An evidence item as the reader sees it: a quote and where it is from."""

    quote: str | None
    interaction_id: str
    score: str
    offset: str | None
    day: str | None


@dataclass(frozen=True)
class Cell:
    text: str
    css: str = ""  # "num" right-aligned, "day" never wrapped
    trend: str | None = None
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True)
class TableView:
    name: str
    headers: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]


def evidence_items(items: Sequence[dict[str, Any]] | None) -> tuple[Evidence, ...]:
    return tuple(
        Evidence(
            quote=item.get("quote") or None,
            interaction_id=str(item.get("interaction_id") or ""),
            score=cell_text(item.get("score"), "score"),
            offset=offset_text(item.get("offset_s")),
            day=_day(item.get("interaction_at")),
        )
        for item in items or ()
    )


def _day(value: datetime | None) -> str | None:
    return value.date().isoformat() if isinstance(value, datetime) else None


def _cell(value: Any, kind: ColumnKind, column: str) -> Cell:
    if kind == "evidence":
        return Cell("", evidence=evidence_items(value))
    return Cell(
        cell_text(value, kind),
        css="num" if kind in ("score", "pvalue", "int") else "day" if kind == "date" else "",
        trend=value if column in TREND_COLUMNS and value else None,
    )


def table_view(frame: pl.DataFrame, name: str, drop: Sequence[str] = ()) -> TableView:
    frame = frame.drop([c for c in drop if c in frame.columns])
    kinds = [column_kind(c, frame.schema[c]) for c in frame.columns]
    return TableView(
        name=name,
        headers=tuple(label(c) for c in frame.columns),
        rows=tuple(
            tuple(_cell(v, k, c) for v, k, c in zip(row, kinds, frame.columns, strict=True))
            for row in frame.iter_rows()
        ),
    )


def monitor_rows(report: Report) -> list[dict[str, Any]]:
    """The Coaching Monitor's rows, with their attributes by name."""
    return [
        {**row, "attributes": report.attribute_names(row.get("attribute_ids"))}
        for row in report.table("monitor").frame.to_dicts()
    ]


def grouped(
    frame: pl.DataFrame,
    name: str,
    by: str,
    heading: Callable[[dict[str, Any]], str],
    drop: Sequence[str],
) -> list[tuple[str, TableView]]:
    """``frame`` as one table per value of ``by``, in the frame's order,
    headed by ``heading`` of the group's first row."""
    return [
        (heading(rows.row(0, named=True)), table_view(rows, name, drop=(by, *drop)))
        for _, rows in frame.group_by(by, maintain_order=True)
    ]


def _agent_heading(row: dict[str, Any]) -> str:
    heading = agent_label(row["agent_name"], str(row["agent_id"]))
    return heading + (f" · {row['team']}" if row.get("team") else "")


def progress_groups(report: Report) -> list[tuple[str, TableView]]:
    """The progress table, one heading per agent."""
    return grouped(
        report.table("progress").frame,
        "progress",
        "agent_id",
        _agent_heading,
        ("agent_name", "team", "attribute_id"),
    )


def note_groups(report: Report) -> list[tuple[str, TableView]]:
    """The notes, one heading per assignment: its name and its agent."""
    return grouped(
        report.table("notes").frame,
        "notes",
        "assignment_id",
        lambda row: f"{row['name'] or row['assignment_id']} · {_agent_heading(row)}",
        ("name", "agent_id", "agent_name"),
    )


def review_tabs(report: Report) -> list[tuple[str, TableView]]:
    """The agent's review table, one heading per tab of the review screen,
    every tab shown even when empty."""
    frame = report.table("review").frame
    return [
        (heading, table_view(frame.filter(pl.col("tab") == tab), "review", drop=("tab",)))
        for tab, heading in REVIEW_TABS
    ]


def signed(value: float | None) -> str:
    """A change with its sign: +2.00, -1.45."""
    text = cell_text(value, "score")
    return f"+{text}" if text and not text.startswith("-") else text


def render_chart_svg(item: ChartItem) -> str:
    """One chart alone, as the page includes it."""
    return environment().get_template("chart.svg.j2").render(chart=chart_layout(item))


def render_html(report: Report, generated_at: datetime) -> str:
    template = "agent.html.j2" if report.kind == "agent" else "supervisor.html.j2"

    def table(name: str, drop: Sequence[str] = ()) -> TableView | None:
        """A table of the report by name, or None when the report has none."""
        if not report.has_table(name):
            return None
        return table_view(report.table(name).frame, name, drop)

    return (
        environment()
        .get_template(template)
        .render(
            report=report,
            generated_at=generated_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"),
            table=table,
            rows=lambda name: report.table(name).frame.to_dicts(),
            signed=signed,
            chart_layout=chart_layout,
            monitor_rows=monitor_rows,
            progress_groups=progress_groups,
            note_groups=note_groups,
            review_tabs=review_tabs,
            evidence_items=evidence_items,
        )
    )
