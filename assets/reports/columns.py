"""A report's columns, whatever they are written as: their labels, their
kind (score, p-value, count, date, list, evidence), how a value reads as text,
and the rounding of scores in files and on the page: 2 decimals, half-even on
the number as written (the rule of :class:`models.base.HalfEven`), so a CSV
cell and an HTML cell always agree; p-values in files keep 4 significant
digits."""

import json
import math
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any, Literal

import polars as pl

from models.base import HalfEven

SCORE_DECIMALS = 2
ROUND_SCORE = HalfEven(SCORE_DECIMALS).round
P_VALUE_DIGITS = 4  # significant digits: a p-value of 1e-7 is not 0

LABELS = {
    "assignment_id": "Assignment ID",
    "name": "Assignment",
    "coaching_type": "Coaching type",
    "agent_id": "Agent ID",
    "agent_name": "Agent",
    "team": "Team",
    "experience_level": "Experience level",
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
    "occurred_date": "Date",
    "written_by": "Written by",
    "note": "Note",
    "tab": "Tab",
    "review_status": "Review status",
    "dispute_rounds": "Dispute rounds",
    "disputed_attributes": "Disputed attributes",
    "last_event_at": "Last event",
    "resolution_hours": "Hours to resolve",
}

# Columns that hold a trend value (spike, dip, flat, insufficient_data).
TREND_COLUMNS = frozenset({"trend", "scorecard_trend", "evaluation_trend"})
# Score columns compared with the row's target_score (below target: amber).
TARGETED_SCORES = ("score_at_assigned", "current_score", "baseline_score", "avg_score")

ColumnKind = Literal["score", "pvalue", "int", "date", "bool", "list", "evidence", "text"]


def label(column: str) -> str:
    return LABELS.get(column, column.replace("_", " ").capitalize())


def column_kind(column: str, dtype: pl.DataType) -> ColumnKind:
    if column == "p_value":
        return "pvalue"
    if isinstance(dtype, pl.List):
        return "evidence" if isinstance(dtype.inner, pl.Struct) else "list"
    if dtype.is_float():
        return "score"
    if dtype.is_integer():
        return "int"
    if dtype == pl.Date or isinstance(dtype, pl.Datetime):
        return "date"
    if dtype == pl.Boolean:
        return "bool"
    return "text"


def cell_text(value: Any, kind: ColumnKind) -> str:
    """A value as a reader sees it (HTML cells, XLSX text cells, widths)."""
    if value is None:
        return ""
    if kind == "pvalue":
        return "< 0.0001" if value < 0.0001 else f"{value:.4f}"
    if kind == "score":
        return f"{ROUND_SCORE(value):.{SCORE_DECIMALS}f}" if math.isfinite(value) else ""
    if kind == "bool":
        return "yes" if value else "no"
    if kind == "date":
        return value.isoformat()
    if kind == "list":
        return ", ".join(str(v) for v in value)
    if kind == "evidence":
        return "\n".join(evidence_line(item) for item in value)
    return str(value)


def offset_text(seconds: float | None) -> str | None:
    """Seconds into an interaction as m:ss (125 -> 2:05)."""
    if seconds is None or not math.isfinite(seconds) or seconds < 0:
        return None
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}:{secs:02d}"


def evidence_line(item: Mapping[str, Any]) -> str:
    """One evidence item as one line: the quote, then the interaction, its
    score and where in it the quote is."""
    facts = [str(item.get("interaction_id") or "")]
    if item.get("score") is not None:
        facts.append(f"score {cell_text(item['score'], 'score')}")
    if (offset := offset_text(item.get("offset_s"))) is not None:
        facts.append(f"at {offset}")
    quote = item.get("quote")
    head = f"\u201c{quote}\u201d " if quote else ""
    return f"{head}({', '.join(f for f in facts if f)})"


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def evidence_json(items: Sequence[Mapping[str, Any]] | None) -> str | None:
    """Evidence as JSON text (CSV cells): one object per item, keys as in the mart."""
    if items is None:
        return None
    return json.dumps(
        [{k: _json_value(v) for k, v in item.items()} for item in items],
        ensure_ascii=False,
        separators=(",", ":"),
    )
