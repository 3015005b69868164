"""Coaching-required marks and the coaching workflow's refusals: the rules of
DESIGN.md section 6 as plain Python and DuckDB SQL (no Dagster), so they are
tested on their own.

A mark is raised for one agent and one area (attribute): automatically from a
window's scores, or by hand from a ``mark_created`` event. At no moment are
two marks live (``open`` or ``grouped``) for one agent and area: no new mark
while one is live, nor while an unfinished assignment covers the area; a
manual duplicate is refused with its reason. A group name is unique among
pending groups, and a group whose members' marks hold no conversation cannot
be assigned.

**Replayed, so order does not matter.** Nothing of a previous run's marks is
kept but its date: ``coaching.mark_runs`` holds every ``as_of`` the marks have
been run for. Each run rebuilds every mark from scratch by replaying, in time
order, the coaching events up to the end of its ``as_of`` and one *auto raise*
per run date up to ``as_of``. The raise for date R happens at the last
microsecond of R in the center's zone (``MarkRules.raise_moment``); an event
at that very instant comes before it. So the marks depend only on the set of
files landed and the set of run dates, never on which run saw which file
first. A raise for R reads R's window as the scores are now, so a mark raised
on partial data is raised again, or not, as the full data says.

At a raise for R, in this order:

1. every ``open`` mark takes R's figures and evidence (a repeat refreshes
   it); an auto mark whose area no longer calls for a mark on R becomes
   ``cleared`` (``cleared_as_of`` R). Manual marks never clear by themselves;
   ``grouped`` marks keep the figures they had when grouped;
2. each area whose window calls for a mark (``below_target`` or
   ``compliance_breach``) gets a new auto mark unless a mark is live there or
   an unfinished assignment covers it.

A manual mark never refreshed carries the window of the day it was made.
``assigned``, ``dismissed`` and ``cleared`` are for good; a deleted
assignment is as if never made (its group still counts as dispatched).

Cost: the figures of every window are one DuckDB query (see
:mod:`assets.mark_figures`); the replay is a Python loop over the coaching
events (thousands, not millions) and, per run date, over the areas that call
for a mark and the live marks: O(events + run dates x marked areas).
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import pyarrow as pa

from assets.mark_figures import compute_windows, raise_reasons, write_marks

OPEN, GROUPED, ASSIGNED, DISMISSED, CLEARED = "open", "grouped", "assigned", "dismissed", "cleared"
LIVE_STATES = (OPEN, GROUPED)

# (agent_id, attribute_id)
Area = tuple[str, str]

_SCHEMA = """
create schema if not exists coaching;
create table if not exists coaching.mark_runs (
    as_of date primary key,
    first_run_at timestamptz not null
);
"""

_EVENTS_SQL = """
select event_id, event_type, occurred_at, agent_id, group_id, assignment_id, name,
       attribute_id, attribute_ids, interaction_id, interaction_ids,
       best_response_interaction_ids
from staging.stg_coaching_events
where occurred_at <= $until
order by occurred_at, event_id
"""
_EVENT_COLUMNS = (
    "event_id", "event_type", "occurred_at", "agent_id", "group_id", "assignment_id",
    "name", "attribute_id", "attribute_ids", "interaction_id", "interaction_ids",
    "best_response_interaction_ids",
)  # fmt: skip

_OWNERS_SQL = """
select interaction_id, agent_id from staging.stg_interactions
where interaction_id in (
    select unnest(interaction_ids) from staging.stg_coaching_events
    where event_type = 'assignment_created'
)
"""


@dataclass(frozen=True)
class MarkRules:
    """The parameters of a marks run."""

    as_of: date
    timezone: str = "UTC"
    min_samples: int = 3

    def raise_moment(self, day: date) -> datetime:
        """The auto raise for a date happens at the end of that local day, so
        the day's events come before it and the next morning's after."""
        end = datetime.combine(day + timedelta(days=1), time(), ZoneInfo(self.timezone))
        return end - timedelta(microseconds=1)

    def local_date(self, moment: datetime) -> date:
        return moment.astimezone(ZoneInfo(self.timezone)).date()


@dataclass
class Mark:
    mark_id: str
    agent_id: str
    attribute_id: str
    source: str
    reason: str
    raised_at: datetime
    as_of_date: date  # the date of the window whose figures it carries
    interaction_ids: list[str] = field(default_factory=list)
    ended: str | None = None  # assigned, dismissed or cleared: for good
    cleared_as_of: date | None = None

    @property
    def area(self) -> Area:
        return (self.agent_id, self.attribute_id)

    @property
    def holds_conversations(self) -> bool:
        # A live auto mark holds its window's evidence, never empty: it was
        # raised or refreshed from a window with a score.
        return self.source == "auto" or bool(self.interaction_ids)


@dataclass(frozen=True)
class Refusal:
    event_id: str
    event_type: str
    occurred_at: datetime
    agent_id: str | None
    attribute_id: str | None
    reason: str


@dataclass
class _Task:
    """One agent's part of an assignment: its items and their reviews."""

    items: set[str]
    areas: list[str]
    reviewed: set[str] = field(default_factory=set)
    finished: bool = False


@dataclass
class _Group:
    name: str
    areas: list[str]
    members: set[str] = field(default_factory=set)
    dispatched: bool = False


@dataclass
class Workflow:
    """The coaching workflow at one moment of the replay, moved forward by
    events and raises in time order."""

    rules: MarkRules
    owners: dict[str, str]  # interaction_id -> agent_id
    deleted: set[str]  # assignment ids with an assignment_deleted event
    marks: list[Mark] = field(default_factory=list)
    live: dict[Area, Mark] = field(default_factory=dict)  # at most one per area
    covering: defaultdict[Area, set[tuple[str, str]]] = field(
        default_factory=lambda: defaultdict(set)
    )  # the unfinished (assignment_id, agent_id) tasks that cover each area
    grouped: Counter[Area] = field(default_factory=Counter)  # pending groups per area
    groups: dict[str, _Group] = field(default_factory=dict)
    tasks: dict[tuple[str, str], _Task] = field(default_factory=dict)
    refusals: list[Refusal] = field(default_factory=list)

    def state_of(self, mark: Mark) -> str:
        if mark.ended:
            return mark.ended
        return GROUPED if self.grouped[mark.area] else OPEN

    def blocker(self, area: Area) -> str | None:
        """Why no new mark may be raised in this area now, or None."""
        if area in self.live:
            mark = self.live[area]
            return f"mark {mark.mark_id} of this area is still {self.state_of(mark)}"
        if self.covering[area]:
            return "an unfinished assignment already covers this area"
        return None

    def _add(self, mark: Mark) -> None:
        self.marks.append(mark)
        self.live[mark.area] = mark

    def _end(self, area: Area, state: str) -> None:
        mark = self.live.pop(area, None)
        if mark is not None:
            mark.ended = state

    def _refuse(self, event: dict[str, Any], reason: str, attribute: str | None = None) -> None:
        self.refusals.append(
            Refusal(
                event["event_id"], event["event_type"], event["occurred_at"],
                event["agent_id"], attribute, reason,
            )
        )  # fmt: skip

    def _join(self, group: _Group, agent: str, delta: int) -> None:
        for attribute in group.areas:
            self.grouped[(agent, attribute)] += delta

    def raise_auto(self, day: date, reasons: dict[Area, str]) -> tuple[int, int, int]:
        """The auto raise for ``day``: refresh or clear the open marks, then
        raise the areas that call for a mark. Returns (raised, refreshed,
        cleared)."""
        refreshed = cleared = 0
        for area, mark in list(self.live.items()):
            if self.state_of(mark) != OPEN:
                continue
            mark.as_of_date = day
            if mark.source == "auto" and area not in reasons:
                self._end(area, CLEARED)
                mark.cleared_as_of = day
                cleared += 1
            else:
                refreshed += 1
        raised = 0
        at = self.rules.raise_moment(day)
        for (agent, attribute), reason in reasons.items():
            if self.blocker((agent, attribute)) is None:
                mark_id = f"auto:{agent}:{attribute}:{day.isoformat()}"
                self._add(Mark(mark_id, agent, attribute, "auto", reason, at, day))
                raised += 1
        return raised, refreshed, cleared

    def apply(self, event: dict[str, Any]) -> None:
        """One coaching event."""
        kind, at = event["event_type"], event["occurred_at"]
        agent = event["agent_id"]
        if kind == "mark_created":
            for attribute in event["attribute_ids"] or []:
                reason = self.blocker((agent, attribute))
                if reason:
                    self._refuse(event, f"duplicate mark: {reason}", attribute)
                    continue
                self._add(
                    Mark(
                        f"{event['event_id']}:{attribute}", agent, attribute, "manual",
                        "manual", at, self.rules.local_date(at),
                        list(event["interaction_ids"] or []),
                    )
                )  # fmt: skip
        elif kind == "mark_dismissed":
            self._end((agent, event["attribute_id"]), DISMISSED)
        elif kind == "group_created":
            if any(g.name == event["name"] and not g.dispatched for g in self.groups.values()):
                self._refuse(event, f"duplicate group name: a pending group is already named "
                                    f"{event['name']!r}")  # fmt: skip
                return
            self.groups[event["group_id"]] = _Group(
                event["name"], list(event["attribute_ids"] or [])
            )
        elif kind in ("group_member_added", "group_member_removed"):
            group = self.groups.get(event["group_id"])
            if group is None or group.dispatched:
                self._refuse(event, "no pending group with this id")
            elif kind == "group_member_added" and agent not in group.members:
                group.members.add(agent)
                self._join(group, agent, +1)
            elif kind == "group_member_removed" and agent in group.members:
                group.members.remove(agent)
                self._join(group, agent, -1)
        elif kind == "assignment_created":
            self._assign(event)
        elif kind in ("interaction_reviewed", "best_response_reviewed"):
            key = (event["assignment_id"], agent)
            task = self.tasks.get(key)
            if task is None or event["interaction_id"] not in task.items:
                return
            task.reviewed.add(event["interaction_id"])
            if not task.finished and task.reviewed == task.items:
                task.finished = True  # every item reviewed
                for attribute in task.areas:
                    self.covering[(agent, attribute)].discard(key)

    def _assign(self, event: dict[str, Any]) -> None:
        if event["group_id"]:
            group = self.groups.get(event["group_id"])
            if group is None or group.dispatched:
                self._refuse(event, "no pending group with this id")
                return
            if not any(
                mark.holds_conversations
                for member in group.members
                for attribute in group.areas
                if (mark := self.live.get((member, attribute)))
            ):
                self._refuse(event, "the group has no conversations: it cannot be assigned")
                return
            group.dispatched = True
            for member in group.members:
                self._join(group, member, -1)
            members = sorted(group.members)
        else:
            members = [event["agent_id"]]
        if event["assignment_id"] in self.deleted:
            return
        attributes = list(event["attribute_ids"] or [])
        listed = event["interaction_ids"] or []
        best = set(event["best_response_interaction_ids"] or [])
        for member in members:
            key = (event["assignment_id"], member)
            own = {i for i in listed if self.owners.get(i) == member}
            self.tasks[key] = _Task(own | best, attributes)
            for attribute in attributes:
                self._end((member, attribute), ASSIGNED)
                self.covering[(member, attribute)].add(key)


@dataclass(frozen=True)
class MarksResult:
    """What the raise for ``as_of`` did, and the marks in all."""

    raised: int
    refreshed: int
    cleared: int
    refused: int
    marks: int


def ensure_marks_tables(conn: duckdb.DuckDBPyConnection, timezone: str) -> None:
    """The marks' state: the run dates. A warehouse from before the replay
    kept its marks in ``coaching.raised_marks``: their raise and refresh
    dates become run dates, and that table goes."""
    conn.execute(_SCHEMA)
    legacy = conn.execute(
        "select count(*) from duckdb_tables() "
        "where schema_name = 'coaching' and table_name = 'raised_marks'"
    ).fetchone()
    if legacy and legacy[0]:
        conn.execute(
            """
            insert or ignore into coaching.mark_runs
            select distinct day, now() from (
                select as_of_date as day from coaching.raised_marks
                union
                select timezone($tz, raised_at)::date from coaching.raised_marks
                where source = 'auto'
            )
            """,
            {"tz": timezone},
        )
        conn.execute("drop table coaching.raised_marks")


def replay(
    conn: duckdb.DuckDBPyConnection, rules: MarkRules
) -> tuple[Workflow, tuple[int, int, int]]:
    """Replay the coaching events and the auto raises of every run date up to
    the end of ``as_of``, in time order. Leaves the windows of every date a
    mark may carry in the temp table ``mark_windows``; returns the workflow
    and (raised, refreshed, cleared) of the raise for ``as_of``."""
    until = rules.raise_moment(rules.as_of)
    run_dates = [
        day
        for (day,) in conn.execute(
            "select as_of from coaching.mark_runs where as_of <= $as_of order by as_of",
            {"as_of": rules.as_of},
        ).fetchall()
    ]
    events = [
        dict(zip(_EVENT_COLUMNS, row, strict=True))
        for row in conn.execute(_EVENTS_SQL, {"until": until}).fetchall()
    ]
    manual_areas = {
        (rules.local_date(e["occurred_at"]), e["agent_id"], attribute)
        for e in events
        if e["event_type"] == "mark_created"
        for attribute in e["attribute_ids"] or []
    }
    compute_windows(conn, set(run_dates), manual_areas, rules.min_samples)
    reasons: dict[date, dict[Area, str]] = defaultdict(dict)
    for day, agent, attribute, reason in raise_reasons(conn):
        reasons[day][(agent, attribute)] = reason

    flow = Workflow(
        rules,
        owners=dict(conn.execute(_OWNERS_SQL).fetchall()),
        deleted={e["assignment_id"] for e in events if e["event_type"] == "assignment_deleted"},
    )
    outcome = (0, 0, 0)
    pending = iter(events)
    event = next(pending, None)
    for day in run_dates:
        moment = rules.raise_moment(day)
        while event is not None and event["occurred_at"] <= moment:
            flow.apply(event)
            event = next(pending, None)
        # as_of is the last run date: the last raise is this run's own
        outcome = flow.raise_auto(day, reasons[day])
    return flow, outcome


def raise_marks(conn: duckdb.DuckDBPyConnection, rules: MarkRules) -> MarksResult:
    """Record ``as_of`` as a run date, replay the marks, and write
    ``coaching.marks`` and ``coaching.refused_events`` whole."""
    conn.execute("begin transaction")
    try:
        ensure_marks_tables(conn, rules.timezone)
        conn.execute(
            "insert or ignore into coaching.mark_runs values ($as_of, now())",
            {"as_of": rules.as_of},
        )
        flow, (raised, refreshed, cleared) = replay(conn, rules)
        _publish(conn, flow)
        conn.execute("commit")
    except BaseException:
        conn.execute("rollback")
        raise
    return MarksResult(raised, refreshed, cleared, len(flow.refusals), len(flow.marks))


def _publish(conn: duckdb.DuckDBPyConnection, flow: Workflow) -> None:
    """``coaching.marks`` (every mark with its state now) and
    ``coaching.refused_events``."""
    replayed = pa.Table.from_pylist(
        [
            {"mark_id": m.mark_id, "agent_id": m.agent_id, "attribute_id": m.attribute_id,
             "source": m.source, "reason": m.reason, "raised_at": m.raised_at,
             "as_of_date": m.as_of_date, "interaction_ids": m.interaction_ids,
             "state": flow.state_of(m), "cleared_as_of": m.cleared_as_of}
            for m in flow.marks
        ],
        schema=pa.schema(
            [("mark_id", pa.string()), ("agent_id", pa.string()), ("attribute_id", pa.string()),
             ("source", pa.string()), ("reason", pa.string()),
             ("raised_at", pa.timestamp("us", tz="UTC")), ("as_of_date", pa.date32()),
             ("interaction_ids", pa.list_(pa.string())), ("state", pa.string()),
             ("cleared_as_of", pa.date32())]
        ),
    )  # fmt: skip
    refusals = pa.Table.from_pylist(
        [r.__dict__ for r in flow.refusals],
        schema=pa.schema(
            [("event_id", pa.string()), ("event_type", pa.string()),
             ("occurred_at", pa.timestamp("us", tz="UTC")), ("agent_id", pa.string()),
             ("attribute_id", pa.string()), ("reason", pa.string())]
        ),
    )  # fmt: skip
    conn.register("replayed", replayed)
    conn.register("refusals", refusals)
    try:
        write_marks(conn)
        conn.execute(
            "create or replace table coaching.refused_events as "
            "select * from refusals order by occurred_at, event_id, attribute_id"
        )
    finally:
        conn.unregister("replayed")
        conn.unregister("refusals")
