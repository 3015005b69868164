"""The SVG chart of one coached attribute of one assignment: the agent's daily
score from 14 days before the assigned date to as_of, the trend's two windows
shaded (A-7 .. A-1 before the assigned date, D-6 .. D up to as_of), each
window's mean drawn as a line over its span, the assigned date marked, the
target dashed, and both axes titled.

:func:`chart_layout` places everything in a fixed coordinate system; the
template ``chart.svg.j2`` draws it. The SVG has a viewBox and width 100%, so
it takes the page's width and keeps its proportions."""

import math
from dataclasses import dataclass
from datetime import date, timedelta

from assets.reports.report import CHART_DAYS_BEFORE, ChartItem

WIDTH, HEIGHT = 960, 280  # the viewBox; the page scales it to its width
LEFT, RIGHT, TOP, BOTTOM = 64, 92, 34, 60
PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM


def _fmt(value: float) -> str:
    return f"{value:.1f}"


@dataclass(frozen=True)
class Band:
    css: str
    x: str
    width: str


@dataclass(frozen=True)
class Mean:
    """A window's mean score, drawn over the window's days."""

    css: str
    name: str  # as the reader knows the window: "at assigned", "current"
    value: float
    x1: str
    x2: str
    y: str
    label_x: str
    label_y: str


@dataclass(frozen=True)
class Tick:
    position: str  # x for a day, y for a score
    text: str


@dataclass(frozen=True)
class Point:
    cx: str
    cy: str
    title: str


@dataclass(frozen=True)
class ChartLayout:
    item: ChartItem
    title: str
    bands: tuple[Band, ...]
    y_ticks: tuple[Tick, ...]
    x_ticks: tuple[Tick, ...]
    target_y: str | None
    means: tuple[Mean, ...]
    assigned_x: str
    runs: tuple[str, ...]  # polyline points of consecutive days
    points: tuple[Point, ...]

    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    top: int = TOP
    plot_right: int = LEFT + PLOT_W
    plot_bottom: int = TOP + PLOT_H
    plot_middle_x: str = _fmt(LEFT + PLOT_W / 2)
    plot_middle_y: str = _fmt(TOP + PLOT_H / 2)


def _score_axis(values: list[float]) -> tuple[float, float, int]:
    """The score axis (low, high, step): the values with a margin, on steps of
    5, 10 points at least, within 0-100."""
    low, high = (min(values), max(values)) if values else (0.0, 100.0)
    low = max(0.0, math.floor((low - 2) / 5) * 5)
    high = min(100.0, math.ceil((high + 2) / 5) * 5)
    if high - low < 10:
        high = min(100.0, low + 10)
        low = max(0.0, high - 10)
    step = 5 if high - low <= 30 else 10 if high - low <= 60 else 20
    return low, high, step


def chart_layout(item: ChartItem) -> ChartLayout:
    slots = (item.end - item.start).days + 1

    def x_at(day: date) -> float:
        return LEFT + ((day - item.start).days + 0.5) * PLOT_W / slots

    def span(first: date, last: date) -> tuple[float, float] | None:
        """The x extent of whole days first .. last, within the chart."""
        first, last = max(first, item.start), min(last, item.end)
        if first > last:
            return None
        return (
            LEFT + (first - item.start).days * PLOT_W / slots,
            LEFT + ((last - item.start).days + 1) * PLOT_W / slots,
        )

    window_means = [
        ("before", "at assigned", item.before_window, item.progress.get("score_at_assigned")),
        ("current", "current", item.current_window, item.progress.get("current_score")),
    ]
    values = [p.avg_score for p in item.points]
    values += [v for *_, v in window_means if v is not None]
    if item.target_score is not None:
        values.append(item.target_score)
    low, high, step = _score_axis(values)

    def y_at(value: float) -> float:
        return TOP + (high - value) * PLOT_H / (high - low)

    bands, means = [], []
    for css, name, (first, last), mean in window_means:
        extent = span(first, last)
        if extent is None:
            continue
        x0, x1 = extent
        bands.append(Band(f"win-{css}", _fmt(x0), _fmt(x1 - x0)))
        if mean is not None and math.isfinite(mean):
            y = y_at(mean)
            # The label sits above its line, or below it at the top of the plot.
            label_y = y - 5 if y - 5 >= TOP + 10 else y + 13
            means.append(
                Mean(
                    f"mean-{css}",
                    name,
                    mean,
                    _fmt(x0),
                    _fmt(x1),
                    _fmt(y),
                    _fmt((x0 + x1) / 2),
                    _fmt(label_y),
                )
            )

    y_ticks = []
    tick = low
    while tick <= high + 1e-9:
        y_ticks.append(Tick(_fmt(y_at(tick)), f"{tick:g}"))
        tick += step
    days = [item.assigned_date + timedelta(days=k) for k in range(-CHART_DAYS_BEFORE, slots, 7)]
    days = [d for d in days if item.start <= d <= item.end]
    if (item.end - days[-1]).days >= 3:
        days.append(item.end)
    x_ticks = tuple(Tick(_fmt(x_at(d)), f"{d:%m-%d}") for d in days)

    runs: list[list] = []
    for point in item.points:
        if runs and (point.day - runs[-1][-1].day).days == 1:
            runs[-1].append(point)
        else:
            runs.append([point])
    target = item.target_score
    return ChartLayout(
        item=item,
        title=f"{item.attribute_name}: {item.agent_label}, daily score",
        bands=tuple(bands),
        y_ticks=tuple(y_ticks),
        x_ticks=x_ticks,
        target_y=_fmt(y_at(target)) if target is not None and low <= target <= high else None,
        means=tuple(means),
        assigned_x=_fmt(x_at(item.assigned_date)),
        runs=tuple(
            " ".join(f"{_fmt(x_at(p.day))},{_fmt(y_at(p.avg_score))}" for p in run)
            for run in runs
            if len(run) > 1
        ),
        points=tuple(
            Point(
                _fmt(x_at(p.day)),
                _fmt(y_at(p.avg_score)),
                f"{p.day.isoformat()}: {p.avg_score:.1f} (n={p.scores_n})",
            )
            for p in item.points
        ),
    )
