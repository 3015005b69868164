"""The Coaching Monitor's filters: their defaults, the SQL that applies them,
and the report folder named after them.

A report's folder says what it holds: ``center``, ``team-<team>`` or
``agent-<agent>``, then one ``--<filter>-<values>`` part per filter that is
not the default (``center--attribute-empathy--agents-agt-0001``). So a
filtered export never overwrites an unfiltered one, and two exports with the
same filters write the same folder. A value that is not plain (letters,
digits, ``.``, ``_`` and single ``-`` inside) or a name past
:data:`MAX_FOLDER_NAME` characters gives a short hash of the filters instead;
every folder holds ``filters.json`` either way.
"""

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

from assets.reports.errors import FilterError

DEFAULT_RANGE_DAYS = 7  # the Coaching Monitor's default assigned-date range: D-6 .. D
MAX_FOLDER_NAME = 120  # well below any file system's limit, and still readable
PLAIN_VALUE = re.compile(r"[A-Za-z0-9._]+(?:-[A-Za-z0-9._]+)*")

ReportKind = Literal["center", "team", "agent"]


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
    experience_levels: tuple[str, ...] = ()

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
            ("Experience levels", ", ".join(self.experience_levels) or "all"),
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


def default_range(as_of: date) -> tuple[date, date]:
    """The supervisor report's assigned-date range when none is given: D-6 .. D."""
    return as_of - timedelta(days=DEFAULT_RANGE_DAYS - 1), as_of


def monitor_filters(
    as_of: date,
    *,
    assigned_from: date | None = None,
    assigned_to: date | None = None,
    follow_up_date: date | None = None,
    attribute_ids: Iterable[str] = (),
    agent_ids: Iterable[str] = (),
    team: str | None = None,
    experience_levels: Iterable[str] = (),
) -> ReportFilters:
    """The supervisor report's filters, with the monitor's defaults: with no
    date filter, assignments made in the last 7 days (D-6 .. D); with one end
    of the range, the other is D (for the start) or the 7 days up to it."""
    _check_one_date_filter(assigned_from, assigned_to, follow_up_date)
    if follow_up_date is None:
        if assigned_from is None and assigned_to is None:
            assigned_from, assigned_to = default_range(as_of)
        elif assigned_from is None:
            assert assigned_to is not None
            assigned_from = default_range(assigned_to)[0]
        elif assigned_to is None:
            assigned_to = max(as_of, assigned_from)
    return ReportFilters(
        as_of=as_of,
        assigned_from=assigned_from,
        assigned_to=assigned_to,
        follow_up_date=follow_up_date,
        attribute_ids=distinct(attribute_ids),
        agent_ids=distinct(agent_ids),
        team=team,
        experience_levels=distinct(experience_levels),
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
        attribute_ids=distinct(attribute_ids),
    )


def distinct(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted({v.strip() for v in values if v and v.strip()}))


def assignment_conditions(filters: ReportFilters, alias: str) -> tuple[str, list[Any]]:
    """SQL conditions on an assignment relation (``assigned_date``,
    ``follow_up_date``, ``attribute_ids``, ``agent_id``, ``team``,
    ``experience_level``)."""
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
    if filters.experience_levels:
        clauses.append(f"list_contains(?::varchar[], {alias}.experience_level)")
        params.append(list(filters.experience_levels))
    return " and ".join(clauses), params


# ----------------------------------------------------------------------------
# The folder a report is written to


def filters_record(kind: ReportKind, filters: ReportFilters, agent: str | None = None) -> dict:
    """What ``filters.json`` holds: the report and every filter, defaults included."""
    record: dict[str, Any] = {"report": kind}
    if kind == "team":
        record["team"] = filters.team
    if kind == "agent":
        record["agent"] = agent
    record |= {
        "as_of": filters.as_of.isoformat(),
        "assigned_from": _iso(filters.assigned_from),
        "assigned_to": _iso(filters.assigned_to),
        "follow_up_date": _iso(filters.follow_up_date),
        "attribute_ids": list(filters.attribute_ids),
    }
    if kind != "agent":  # an agent export names no other agent
        record["agent_ids"] = list(filters.agent_ids)
        record["experience_levels"] = list(filters.experience_levels)
    return record


def report_folder(kind: ReportKind, filters: ReportFilters, agent: str | None = None) -> str:
    """The folder under ``exports/<as_of>/``: the report, then every filter
    that is not the default (module docstring)."""
    subject = {"center": [], "team": [filters.team or ""], "agent": [agent or ""]}[kind]
    parts = [(kind, subject)] + _filter_parts(kind, filters)
    name = "--".join(
        "-".join([label, "+".join(values)] if values else [label]) for label, values in parts
    )
    plain = all(PLAIN_VALUE.fullmatch(v) for _, values in parts for v in values)
    if plain and len(name) <= MAX_FOLDER_NAME:
        return name
    canonical = json.dumps(filters_record(kind, filters, agent), sort_keys=True)
    digest = hashlib.sha256(canonical.encode()).hexdigest()[:12]
    head = re.sub(r"[^A-Za-z0-9._-]+", "_", "-".join([kind, *subject]))[:40].strip("._-")
    return f"{head or kind}--filters-{digest}"


def _filter_parts(kind: ReportKind, filters: ReportFilters) -> list[tuple[str, list[str]]]:
    parts: list[tuple[str, list[str]]] = []
    dates = (filters.assigned_from, filters.assigned_to)
    unset = (None, None) if kind == "agent" else default_range(filters.as_of)
    if filters.follow_up_date is not None:
        parts.append(("follow-up", [filters.follow_up_date.isoformat()]))
    elif dates != unset:
        first, last = (d.isoformat() if d else None for d in dates)
        if first and last:
            parts.append(("assigned", [f"{first}-to-{last}"]))
        else:
            parts.append(("assigned-from" if first else "assigned-to", [first or last or ""]))
    if filters.attribute_ids:
        parts.append(("attribute", list(filters.attribute_ids)))
    if filters.agent_ids and kind != "agent":
        parts.append(("agents", list(filters.agent_ids)))
    if filters.experience_levels and kind != "agent":
        parts.append(("experience", list(filters.experience_levels)))
    return parts


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None
