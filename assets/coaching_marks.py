"""Coaching-required marks and the coaching workflow's refusals: the rules of
DESIGN.md section 6 as plain Python and DuckDB SQL (no Dagster), so they are
tested on their own.

A mark is raised for one agent and one area (attribute): automatically from
the current window's scores, or by hand from a ``mark_created`` event. One mark
per agent and area: no new mark while one is ``open`` or ``grouped``, nor while
an unfinished assignment covers the area; a repeat refreshes the open mark,
and a manual duplicate is refused with its reason. A group name is unique
among pending groups, and a group whose members' marks hold no conversation
cannot be assigned.

The marks are state (``coaching.raised_marks``: a raise is a fact of the run
that made it, its figures refreshed while it is open). Every mark's state, and
every acceptance or refusal of an event, is replayed each run from that table
and the coaching events in time order, so a run is repeatable and a late event
lands where it belongs. Coaching events are few (thousands, not millions): the
replay is a Python loop over them, the scores stay in SQL.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import pyarrow as pa

OPEN, GROUPED, ASSIGNED, DISMISSED = "open", "grouped", "assigned", "dismissed"
LIVE_STATES = (OPEN, GROUPED)

_EVIDENCE_TYPE = (
    "struct(interaction_id varchar, interaction_at timestamptz, score double, "
    "quote varchar, offset_s double)[]"
)
_FIGURES = """
    current_score double, target_score double, gap double, n bigint,
    below_target_n bigint, priority double, is_compliance boolean,
"""
_SCHEMA = f"""
create schema if not exists coaching;
create table if not exists coaching.raised_marks (
    mark_id varchar primary key,
    agent_id varchar not null,
    attribute_id varchar not null,
    source varchar not null,
    reason varchar not null,
    raised_at timestamptz not null,
    as_of_date date not null,
    {_FIGURES}
    interaction_ids varchar[],
    evidence {_EVIDENCE_TYPE}
);
"""

# Per agent and active attribute of the current window: the figures a mark
# carries, and the reason for an automatic mark, if any. priority = share of
# the window's interactions below target x the attribute's share of the active
# attributes' weight x max(gap, 0).
_FIGURES_SQL = """
with scores as (
    select * from marts.agent_attribute_scores
    where as_of_date = $as_of and attribute_is_active and current_n > 0
),
total_weight as (
    select sum(weight) as active_weight from staging.stg_attributes where is_active
),
window_scores as (
    select
        resolved.agent_id, resolved.attribute_id, resolved.interaction_id,
        resolved.interaction_at, resolved.auto_qa_score as score,
        auto_qa.evidence_quote as quote, auto_qa.evidence_offset_s as offset_s
    from intermediate.int_interaction_scores_resolved as resolved
    left join staging.stg_auto_qa_scores as auto_qa
        on auto_qa.event_id = resolved.auto_qa_event_id
    where resolved.is_scored
      and resolved.auto_qa_score is not null
      and resolved.interaction_date between $as_of - 6 and $as_of
),
lowest as (
    select agent_id, attribute_id,
           list({'interaction_id': interaction_id, 'interaction_at': interaction_at,
                 'score': score, 'quote': quote, 'offset_s': offset_s}
                order by score, interaction_at, interaction_id)[1:3] as evidence
    from window_scores
    group by agent_id, attribute_id
)
select
    scores.agent_id, scores.attribute_id,
    case
        when is_compliance and below_target_n > 0 then 'compliance_breach'
        -- the mart's gap is exact: a score equal to its target is not below it
        when current_n >= $min_samples and gap > 0 then 'below_target'
    end as reason,
    current_score, target_score, gap, current_n as n, below_target_n,
    (below_target_n / current_n) * (weight / active_weight) * greatest(gap, 0)
        as priority,
    is_compliance,
    list_transform(lowest.evidence, lambda e: e.interaction_id) as interaction_ids,
    lowest.evidence
from scores
cross join total_weight
left join lowest using (agent_id, attribute_id)
"""

_EVENTS_SQL = """
select event_id, event_type, occurred_at, agent_id, group_id, assignment_id, name,
       attribute_id, attribute_ids, interaction_id, interaction_ids,
       best_response_interaction_ids
from staging.stg_coaching_events
where occurred_at <= $until
order by occurred_at, event_id
"""

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

    @property
    def raised_at(self) -> datetime:
        """Marks raised for a date are raised at the end of that local day, so
        the next morning's events see them."""
        end = datetime.combine(self.as_of + timedelta(days=1), time(), ZoneInfo(self.timezone))
        return end - timedelta(microseconds=1)


@dataclass
class Mark:
    mark_id: str
    agent_id: str
    attribute_id: str
    source: str
    reason: str
    raised_at: datetime
    interaction_ids: list[str] = field(default_factory=list)


@dataclass
class Area:
    """What happened to one agent in one area (attribute), in time order."""

    marks: list[Mark] = field(default_factory=list)
    # (created, finished or None) of the assignments that cover the area
    assignments: list[tuple[datetime, datetime | None]] = field(default_factory=list)
    dismissals: list[datetime] = field(default_factory=list)
    # (from, until or None) while the agent sits in a pending group on the area
    groupings: list[tuple[datetime, datetime | None]] = field(default_factory=list)

    def state_of(self, mark: Mark, at: datetime) -> str:
        """A mark's state at a moment: assigned or dismissed for good by
        whichever came first after it was raised, else grouped while the agent
        sits in a pending group on the area, else open."""
        ends = [(t, ASSIGNED) for t, _ in self.assignments if mark.raised_at < t <= at]
        ends += [(t, DISMISSED) for t in self.dismissals if mark.raised_at < t <= at]
        if ends:
            return min(ends)[1]
        if any(start <= at and (end is None or at < end) for start, end in self.groupings):
            return GROUPED
        return OPEN

    def live_marks(self, at: datetime) -> list[Mark]:
        return [m for m in self.marks if m.raised_at <= at and self.state_of(m, at) in LIVE_STATES]

    def blocker(self, at: datetime) -> str | None:
        """Why no new mark may be raised in this area at a moment, or None."""
        for mark in self.live_marks(at):
            return f"mark {mark.mark_id} of this area is still {self.state_of(mark, at)}"
        if any(t <= at and (done is None or at < done) for t, done in self.assignments):
            return "an unfinished assignment already covers this area"
        return None


@dataclass(frozen=True)
class Refusal:
    event_id: str
    event_type: str
    occurred_at: datetime
    agent_id: str | None
    attribute_id: str | None
    reason: str


@dataclass
class Workflow:
    """The coaching events replayed: areas, refusals, groups."""

    areas: dict[tuple[str, str], Area] = field(default_factory=lambda: defaultdict(Area))
    refusals: list[Refusal] = field(default_factory=list)
    accepted_manual: list[Mark] = field(default_factory=list)


@dataclass
class _Task:
    """One agent's part of an assignment: its items and their reviews."""

    items: set[str]
    created: datetime
    areas: list[str]
    reviewed: set[str] = field(default_factory=set)
    finished: datetime | None = None


@dataclass(frozen=True)
class MarksResult:
    raised: int
    refreshed: int
    refused: int
    marks: int


def ensure_marks_tables(conn: duckdb.DuckDBPyConnection) -> None:
    conn.execute(_SCHEMA)


def _existing_marks(conn: duckdb.DuckDBPyConnection, until: datetime) -> list[Mark]:
    rows = conn.execute(
        "select mark_id, agent_id, attribute_id, source, reason, raised_at, interaction_ids "
        "from coaching.raised_marks where raised_at <= $until order by raised_at, mark_id",
        {"until": until},
    ).fetchall()
    return [Mark(*row[:6], interaction_ids=list(row[6] or [])) for row in rows]


def replay(conn: duckdb.DuckDBPyConnection, rules: MarkRules) -> Workflow:
    """Replay the coaching events up to the end of ``as_of`` against the marks
    raised so far: which events are refused, and each area's history."""
    flow = Workflow()
    for mark in _existing_marks(conn, rules.raised_at):
        if mark.source == "auto":
            flow.areas[(mark.agent_id, mark.attribute_id)].marks.append(mark)
    owners = dict(conn.execute(_OWNERS_SQL).fetchall())
    events = conn.execute(_EVENTS_SQL, {"until": rules.raised_at}).fetchall()
    columns = [
        "event_id", "event_type", "occurred_at", "agent_id", "group_id", "assignment_id",
        "name", "attribute_id", "attribute_ids", "interaction_id", "interaction_ids",
        "best_response_interaction_ids",
    ]  # fmt: skip
    groups: dict[str, dict[str, Any]] = {}  # pending and dispatched groups by id
    deleted: set[str] = set()
    work: dict[tuple[str, str], _Task] = {}

    def refuse(event: dict, reason: str, attribute_id: str | None = None) -> None:
        flow.refusals.append(
            Refusal(
                event["event_id"], event["event_type"], event["occurred_at"],
                event["agent_id"], attribute_id, reason,
            )
        )  # fmt: skip

    for values in events:
        event = dict(zip(columns, values, strict=True))
        kind, at = event["event_type"], event["occurred_at"]
        agent, group_id = event["agent_id"], event["group_id"]
        if kind == "mark_created":
            for attribute in event["attribute_ids"] or []:
                area = flow.areas[(agent, attribute)]
                reason = area.blocker(at)
                if reason:
                    refuse(event, f"duplicate mark: {reason}", attribute)
                    continue
                mark = Mark(
                    f"{event['event_id']}:{attribute}", agent, attribute, "manual", "manual", at,
                    list(event["interaction_ids"] or []),
                )  # fmt: skip
                area.marks.append(mark)
                flow.accepted_manual.append(mark)
        elif kind == "mark_dismissed":
            flow.areas[(agent, event["attribute_id"])].dismissals.append(at)
        elif kind == "group_created":
            pending = {g["name"] for g in groups.values() if g["dispatched"] is None}
            if event["name"] in pending:
                refuse(event, f"duplicate group name: a pending group is already named "
                              f"{event['name']!r}")  # fmt: skip
                continue
            groups[group_id] = {
                "name": event["name"], "areas": list(event["attribute_ids"] or []),
                "members": {}, "dispatched": None,
            }  # fmt: skip
        elif kind in ("group_member_added", "group_member_removed"):
            group = groups.get(group_id)
            if group is None or group["dispatched"] is not None:
                refuse(event, "no pending group with this id")
            elif kind == "group_member_added":
                group["members"].setdefault(agent, at)
            elif agent in group["members"]:
                start = group["members"].pop(agent)
                for attribute in group["areas"]:
                    flow.areas[(agent, attribute)].groupings.append((start, at))
        elif kind == "assignment_created":
            attributes = list(event["attribute_ids"] or [])
            best = set(event["best_response_interaction_ids"] or [])
            if group_id:
                group = groups.get(group_id)
                if group is None or group["dispatched"] is not None:
                    refuse(event, "no pending group with this id")
                    continue
                if not _group_conversations(flow, group, at):
                    refuse(event, "the group has no conversations: it cannot be assigned")
                    continue
                group["dispatched"] = at
                for member, start in group["members"].items():
                    for attribute in group["areas"]:
                        flow.areas[(member, attribute)].groupings.append((start, at))
                members = list(group["members"])
            else:
                members = [agent]
            listed = event["interaction_ids"] or []
            for member in members:
                own = {i for i in listed if owners.get(i) == member}
                work[(event["assignment_id"], member)] = _Task(own | best, at, attributes)
        elif kind == "assignment_deleted":
            deleted.add(event["assignment_id"])
        elif kind in ("interaction_reviewed", "best_response_reviewed"):
            task = work.get((event["assignment_id"], agent))
            if task is not None and event["interaction_id"] in task.items:
                task.reviewed.add(event["interaction_id"])
                if task.finished is None and task.reviewed == task.items:
                    task.finished = at  # every item reviewed

    for group in groups.values():
        if group["dispatched"] is None:
            for member, start in group["members"].items():
                for attribute in group["areas"]:
                    flow.areas[(member, attribute)].groupings.append((start, None))
    for (assignment_id, member), task in work.items():
        if assignment_id in deleted:
            continue
        for attribute in task.areas:
            flow.areas[(member, attribute)].assignments.append((task.created, task.finished))
    return flow


def _group_conversations(flow: Workflow, group: dict[str, Any], at: datetime) -> set[str]:
    """Distinct interactions of the members' live marks in the group's areas."""
    found: set[str] = set()
    for member in group["members"]:
        for attribute in group["areas"]:
            for mark in flow.areas[(member, attribute)].live_marks(at):
                found.update(mark.interaction_ids)
    return found


def raise_marks(conn: duckdb.DuckDBPyConnection, rules: MarkRules) -> MarksResult:
    """Raise the marks the current window calls for, refresh the open ones,
    replay the workflow, and write ``coaching.marks`` and
    ``coaching.refused_events``."""
    ensure_marks_tables(conn)
    flow = replay(conn, rules)
    figures = conn.sql(
        _FIGURES_SQL, params={"as_of": rules.as_of, "min_samples": rules.min_samples}
    ).to_arrow_table()
    at = rules.raised_at
    new_auto, refresh_ids = [], []
    figure_rows = figures.to_pylist()
    for row in figure_rows:
        area = flow.areas[(row["agent_id"], row["attribute_id"])]
        open_marks = [m for m in area.live_marks(at) if area.state_of(m, at) == OPEN]
        if row["reason"] is not None and open_marks:
            refresh_ids += [m.mark_id for m in open_marks]
        elif row["reason"] is not None and area.blocker(at) is None:
            mark_id = f"auto:{row['agent_id']}:{row['attribute_id']}:{rules.as_of.isoformat()}"
            new_auto.append({**row, "mark_id": mark_id})
            area.marks.append(
                Mark(mark_id, row["agent_id"], row["attribute_id"], "auto", row["reason"], at)
            )
    known = {r[0] for r in conn.execute("select mark_id from coaching.raised_marks").fetchall()}
    new_manual = [m for m in flow.accepted_manual if m.mark_id not in known]
    # A manual mark that is still open takes the current figures too.
    refresh_ids += [
        m.mark_id
        for m in flow.accepted_manual
        if flow.areas[(m.agent_id, m.attribute_id)].state_of(m, at) == OPEN
    ]
    conn.execute("begin transaction")
    try:
        _store(conn, rules, figures, new_auto, new_manual, refresh_ids)
        _publish(conn, flow, rules)
        conn.execute("commit")
    except BaseException:
        conn.execute("rollback")
        raise
    ((marks_n,),) = conn.execute("select count(*) from coaching.marks").fetchall()
    return MarksResult(len(new_auto), len(set(refresh_ids)), len(flow.refusals), marks_n)


def _store(
    conn: duckdb.DuckDBPyConnection,
    rules: MarkRules,
    figures: pa.Table,
    new_auto: list[dict],
    new_manual: list[Mark],
    refresh_ids: list[str],
) -> None:
    conn.register("mark_figures", figures)
    raised = pa.Table.from_pylist(
        [
            {"mark_id": r["mark_id"], "agent_id": r["agent_id"], "attribute_id": r["attribute_id"],
             "source": "auto", "reason": r["reason"], "raised_at": rules.raised_at}
            for r in new_auto
        ]
        + [
            {"mark_id": m.mark_id, "agent_id": m.agent_id, "attribute_id": m.attribute_id,
             "source": "manual", "reason": "manual", "raised_at": m.raised_at,
             "interaction_ids": m.interaction_ids}
            for m in new_manual
        ],
        schema=pa.schema(
            [("mark_id", pa.string()), ("agent_id", pa.string()), ("attribute_id", pa.string()),
             ("source", pa.string()), ("reason", pa.string()),
             ("raised_at", pa.timestamp("us", tz="UTC")),
             ("interaction_ids", pa.list_(pa.string()))]
        ),
    )  # fmt: skip
    conn.register("new_marks", raised)
    conn.register("refreshed", pa.table({"mark_id": pa.array(refresh_ids, pa.string())}))
    try:
        conn.execute(
            """
            insert into coaching.raised_marks
            select new_marks.mark_id, new_marks.agent_id, new_marks.attribute_id,
                   new_marks.source, new_marks.reason, new_marks.raised_at, $as_of,
                   f.current_score, f.target_score, f.gap, f.n, f.below_target_n,
                   f.priority, f.is_compliance,
                   coalesce(new_marks.interaction_ids, f.interaction_ids), f.evidence
            from new_marks
            left join mark_figures as f using (agent_id, attribute_id)
            """,
            {"as_of": rules.as_of},
        )
        conn.execute(
            """
            update coaching.raised_marks as m
            set as_of_date = $as_of, current_score = f.current_score,
                target_score = f.target_score, gap = f.gap, n = f.n,
                below_target_n = f.below_target_n, priority = f.priority,
                is_compliance = f.is_compliance, evidence = f.evidence,
                interaction_ids = case when m.source = 'auto' then f.interaction_ids
                                       else m.interaction_ids end
            from mark_figures as f
            where f.agent_id = m.agent_id and f.attribute_id = m.attribute_id
              and m.mark_id in (select mark_id from refreshed)
            """,
            {"as_of": rules.as_of},
        )
    finally:
        for name in ("mark_figures", "new_marks", "refreshed"):
            conn.unregister(name)


def _publish(conn: duckdb.DuckDBPyConnection, flow: Workflow, rules: MarkRules) -> None:
    """``coaching.marks`` (every mark with its state now) and
    ``coaching.refused_events``."""
    at = rules.raised_at
    states = [
        {"mark_id": mark.mark_id, "state": area.state_of(mark, at)}
        for area in flow.areas.values()
        for mark in area.marks
    ]
    conn.register("mark_states", pa.Table.from_pylist(
        states, schema=pa.schema([("mark_id", pa.string()), ("state", pa.string())])
    ))  # fmt: skip
    refusals = pa.Table.from_pylist(
        [r.__dict__ for r in flow.refusals],
        schema=pa.schema(
            [("event_id", pa.string()), ("event_type", pa.string()),
             ("occurred_at", pa.timestamp("us", tz="UTC")), ("agent_id", pa.string()),
             ("attribute_id", pa.string()), ("reason", pa.string())]
        ),
    )  # fmt: skip
    conn.register("refusals", refusals)
    try:
        conn.execute(
            """
            create or replace table coaching.marks as
            select m.*, s.state
            from coaching.raised_marks as m
            join mark_states as s using (mark_id)
            order by m.agent_id, m.attribute_id, m.raised_at
            """
        )
        conn.execute(
            "create or replace table coaching.refused_events as "
            "select * from refusals order by occurred_at, event_id, attribute_id"
        )
    finally:
        conn.unregister("mark_states")
        conn.unregister("refusals")
