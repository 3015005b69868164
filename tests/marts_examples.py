"""A small working warehouse made by hand: the marts with their contract
columns (DESIGN.md section 5), one intermediate table of daily score sums,
and raw/ingest tables that must never reach the serving snapshot.

As of D = 2024-03-20. The assignments, and which filters keep them:

| assignment    | agent  | team  | attributes            | assigned | follow-up |
|---------------|--------|-------|-----------------------|----------|-----------|
| asg-1         | agt-01 | north | empathy               | 03-15    | 03-20     |
| asg-2         | agt-02 | north | greeting, compliance  | 03-10    | 03-20     |
| asg-3:agt-03  | agt-03 | south | compliance (group)    | 03-18    | 03-25     |
| asg-3:agt-04  | agt-04 | south | compliance (group)    | 03-18    | 03-25     |
| asg-4         | agt-01 | north | greeting              | 03-14    | 03-22     |
| asg-5         | agt-03 | south | empathy               | 03-13    | 03-20     |

The default range D-6 .. D is 03-14 .. 03-20: asg-1, asg-3:*, asg-4 (03-14
is its first day; asg-5, on 03-13, is one day out). Follow-up 03-20: asg-1,
asg-2, asg-5. The group grp-7 "Compliance crew" holds agt-03 and agt-04.
Experience levels: agt-01 and agt-03 junior, agt-02 senior, agt-04 none.

Notes (NOTES, by supervisor sup-9 unless said): asg-1 03-16; the group's
asg-3 03-18, on both members' rows; agt-04's own on its share 03-19; agt-03's
own on asg-5 03-14. Review (REVIEWS): agt-01 ev-1 pending; agt-03 ev-4
pending, ev-2 disputed (compliance), ev-3 resolved in 20.5 h; agt-04 ev-5
disputed.
"""

import hashlib
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

AS_OF = date(2024, 3, 20)
D = AS_OF
GROUP_ID = "grp-7"
GROUP_NAME = "Compliance crew"
AGENTS = {
    "agt-01": ("Ann Lee", "north"),
    "agt-02": ("Bob Ray", "north"),
    "agt-03": ("Cy Diaz", "south"),
    "agt-04": ("Dee Fox", "south"),
}
# The roster's experience level (optional there: agt-04 has none).
EXPERIENCE = {"agt-01": "junior", "agt-02": "senior", "agt-03": "junior", "agt-04": None}
SUPERVISOR = "sup-9"
ATTRIBUTES = {
    "empathy": ("Empathy", 80.0),
    "compliance": ("Compliance", 90.0),
    "greeting": ("Greeting", 85.0),
}
TYPES = {
    "s": pl.String,
    "f": pl.Float64,
    "l": pl.List(pl.String),
    "i": pl.Int64,
    "b": pl.Boolean,
    "d": pl.Date,
    "t": pl.Datetime("us", "UTC"),
}


def _columns(spec: str) -> dict[str, pl.DataType]:
    """``"agent_id:s day:d"`` -> a polars schema."""
    return {name: TYPES[kind] for name, kind in (item.split(":") for item in spec.split())}


# (assignment_id, parent, name, type, group_id, agent_id, attributes, assigned, follow-up)
ASSIGNMENTS = [
    (
        "asg-1",
        None,
        "Empathy - Ann Lee",
        "Individual",
        None,
        "agt-01",
        ["empathy"],
        date(2024, 3, 15),
        date(2024, 3, 20),
    ),
    (
        "asg-2",
        None,
        "Greeting & Compliance - Bob Ray",
        "Individual",
        None,
        "agt-02",
        ["greeting", "compliance"],
        date(2024, 3, 10),
        date(2024, 3, 20),
    ),
    (
        "asg-3:agt-03",
        "asg-3",
        f"{GROUP_NAME}: coaching",
        "Group",
        GROUP_ID,
        "agt-03",
        ["compliance"],
        date(2024, 3, 18),
        date(2024, 3, 25),
    ),
    (
        "asg-3:agt-04",
        "asg-3",
        f"{GROUP_NAME}: coaching",
        "Group",
        GROUP_ID,
        "agt-04",
        ["compliance"],
        date(2024, 3, 18),
        date(2024, 3, 25),
    ),
    (
        "asg-4",
        None,
        "Greeting - Ann Lee",
        "Individual",
        None,
        "agt-01",
        ["greeting"],
        date(2024, 3, 14),
        date(2024, 3, 22),
    ),
    (
        "asg-5",
        None,
        "Empathy - Cy Diaz",
        "Individual",
        None,
        "agt-03",
        ["empathy"],
        date(2024, 3, 13),
        date(2024, 3, 20),
    ),
]

# (assignment_id, attribute_id, at_assigned, current, trend, p_value)
PROGRESS = [
    ("asg-1", "empathy", 72.0, 79.5, "spike", 0.004),
    ("asg-2", "greeting", 80.0, 81.0, "flat", 0.41),
    ("asg-2", "compliance", 88.0, 84.0, "dip", 0.03),
    ("asg-3:agt-03", "compliance", 82.0, 86.0, "spike", 0.02),
    ("asg-3:agt-04", "compliance", 83.0, 99.0, "insufficient_data", None),
    ("asg-4", "greeting", 82.0, 83.0, "flat", 0.6),
    ("asg-5", "empathy", 78.0, 70.0, "dip", 0.00001),
]

MONITOR_TRENDS = {  # assignment -> (scorecard_trend, evaluation_trend)
    "asg-1": ("spike", "spike"),
    "asg-2": ("flat", "dip"),
    "asg-3:agt-03": ("spike", "flat"),
    "asg-3:agt-04": ("insufficient_data", "insufficient_data"),
    "asg-4": ("flat", "flat"),
    "asg-5": ("dip", "dip"),
}

# (assignment_id, agent_id, interaction_id, kind, date)
INTERACTIONS = [
    ("asg-1", "agt-01", "int-101", "marked", date(2024, 3, 12)),
    ("asg-1", "agt-01", "int-102", "marked", date(2024, 3, 13)),
    ("asg-1", "agt-01", "int-301", "best_response", date(2024, 3, 11)),
    ("asg-4", "agt-01", "int-103", "marked", date(2024, 3, 12)),
    ("asg-3:agt-03", "agt-03", "int-201", "marked", date(2024, 3, 16)),
    ("asg-3:agt-03", "agt-03", "int-302", "best_response", date(2024, 3, 15)),
    ("asg-3:agt-04", "agt-04", "int-401", "marked", date(2024, 3, 16)),
]


def _at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


# Evaluations in review: (evaluation, interaction, agent, day, queue, audit
# score, disputed attributes, last event, hours to resolve, status, rounds, tab).
REVIEWS = [
    (
        "ev-1",
        "int-101",
        "agt-01",
        date(2024, 3, 12),
        "billing",
        70.0,
        [],
        _at(date(2024, 3, 12), 12),
        None,
        "Pending Agent Review",
        0,
        "Pending Review",
    ),
    (
        "ev-2",
        "int-201",
        "agt-03",
        date(2024, 3, 15),
        "billing",
        66.5,
        ["compliance"],
        _at(date(2024, 3, 17), 12),
        None,
        "Pending Supervisor Review",
        1,
        "Disputes",
    ),
    (
        "ev-3",
        "int-202",
        "agt-03",
        date(2024, 3, 11),
        "sales",
        88.0,
        [],
        datetime(2024, 3, 12, 9, 30, tzinfo=UTC),
        20.5,
        "Resolved",
        0,
        "Resolved",
    ),
    (
        "ev-4",
        "int-203",
        "agt-03",
        date(2024, 3, 16),
        "billing",
        72.0,
        [],
        _at(date(2024, 3, 16), 18),
        None,
        "Pending Agent Review",
        0,
        "Pending Review",
    ),
    (
        "ev-5",
        "int-401",
        "agt-04",
        date(2024, 3, 16),
        "billing",
        60.0,
        ["greeting", "compliance"],
        _at(date(2024, 3, 18), 8),
        None,
        "Pending Supervisor Review",
        1,
        "Disputes",
    ),
]
# Meeting notes as assignment_notes has them, one row per agent assignment a
# note reaches: (note, supervisor's assignment id, agent, when, writer, text).
# n-1 on the group reaches both members; n-2, by agt-04, only agt-04.
NOTES = [
    (
        "n-1",
        "asg-3:agt-03",
        "agt-03",
        _at(date(2024, 3, 18), 15),
        SUPERVISOR,
        "Walked through the disclosure script",
    ),
    (
        "n-1",
        "asg-3:agt-04",
        "agt-04",
        _at(date(2024, 3, 18), 15),
        SUPERVISOR,
        "Walked through the disclosure script",
    ),
    (
        "n-2",
        "asg-3:agt-04",
        "agt-04",
        _at(date(2024, 3, 19), 9),
        "agt-04",
        "I read the script aloud before each call",
    ),
    (
        "n-3",
        "asg-5",
        "agt-03",
        _at(date(2024, 3, 14), 10),
        "agt-03",
        "Asked for two calls to listen to",
    ),
    ("n-4", "asg-1", "agt-01", _at(date(2024, 3, 16), 11), SUPERVISOR, "Good progress on empathy"),
]


def agent_facing_id(assignment_id: str) -> str:
    """The id an agent sees for an agent assignment (agent_assignments'
    rule): `ca-` and the first 16 hex digits of the md5 of its id."""
    return "ca-" + hashlib.md5(assignment_id.encode()).hexdigest()[:16]


def agent_facing_name(name: str, kind: str, attribute_ids: list[str]) -> str:
    """The name an agent sees: a group's assignment named after its areas."""
    if kind != "Group":
        return name
    return " & ".join(ATTRIBUTES[a][0] for a in attribute_ids) + " coaching"


def _table(conn: duckdb.DuckDBPyConnection, name: str, rows: list[Any], schema: dict) -> None:
    frame = pl.DataFrame(rows, schema=schema, orient="row")
    conn.register("_rows", frame)
    conn.execute(f"create or replace table {name} as select * from _rows")
    conn.unregister("_rows")


def daily_score(agent: str, attribute: str, day: date) -> tuple[int, float] | None:
    """The (scores_n, avg_score) of a day, or None: every 9th day has no score."""
    k = (day - date(2024, 1, 1)).days + int(agent[-1]) + len(attribute)
    if k % 9 == 4:
        return None
    return 2 + k % 3, 70.0 + (k * 7) % 25


# When the rows of the hand-made daily sums landed.
LANDED_AT = datetime(2024, 3, 20, 6, 0, tzinfo=UTC)


def build_working_warehouse(path: Path, *, with_coaching_log: bool = True) -> Path:
    """The hand-made working file at ``path``."""
    with duckdb.connect(str(path)) as conn:
        for schema in ("raw", "ingest", "staging", "intermediate", "marts"):
            conn.execute(f"create schema if not exists {schema}")
        conn.execute("create table raw.agents as select 'agt-01' as agent_id, 'Ann Lee' as name")
        conn.execute("create table ingest.file_ledger as select 'agents' as stream, 'f1' as file")
        conn.execute("create view staging.stg_agents as select * from raw.agents")

        days = [D - timedelta(days=k) for k in range(40)]
        _table(
            conn,
            "intermediate.int_agent_attribute_days_aggregated",
            [
                (a, attr, day, n, n * avg, n * avg * avg, 0, LANDED_AT)
                for a in AGENTS
                for attr in ATTRIBUTES
                for day in days
                if (score := daily_score(a, attr, day)) is not None
                for n, avg in [score]
            ],
            _columns(
                "agent_id:s attribute_id:s interaction_date:d scores_n:i "
                "score_sum:f score_sum_sq:f below_target_n:i _ingested_at:t"
            ),
        )

        _table(
            conn,
            "marts.agent_attribute_scores",
            [
                (
                    a,
                    attr,
                    D,
                    75.0,
                    12,
                    target,
                    target - 75.0,
                    4,
                    team,
                    name,
                    1.0,
                    attr == "compliance",
                    True,
                )
                for a, (_, team) in AGENTS.items()
                for attr, (name, target) in ATTRIBUTES.items()
            ],
            _columns(
                "agent_id:s attribute_id:s as_of_date:d current_score:f "
                "current_n:i target_score:f gap:f below_target_n:i team:s "
                "attribute_name:s weight:f is_compliance:b attribute_is_active:b"
            ),
        )
        _table(
            conn,
            "marts.coaching_assignments",
            [
                (
                    aid,
                    agent_facing_id(aid),
                    parent,
                    name,
                    agent_facing_name(name, kind, attrs),
                    kind,
                    gid,
                    agent,
                    attrs,
                    assigned,
                    follow,
                    2,
                    1,
                    1,
                    0,
                    "In Progress",
                    "In Progress",
                    "Working On It",
                    None,
                    None,
                    f"Feedback for {agent_facing_id(aid)}",
                    "Listen, then answer.",
                    D,
                )
                for aid, parent, name, kind, gid, agent, attrs, assigned, follow in ASSIGNMENTS
            ],
            _columns(
                "assignment_id:s agent_assignment_id:s parent_assignment_id:s name:s "
                "agent_facing_name:s coaching_type:s "
                "group_id:s agent_id:s attribute_ids:l assigned_date:d "
                "follow_up_date:d interactions_n:i interactions_reviewed_n:i "
                "best_responses_n:i best_responses_reviewed_n:i status:s "
                "agent_status:s plan_status:s target_score:f target_date:d "
                "feedback:s action_plan:s as_of_date:d"
            ),
        )
        # What the agent sees: the agent-facing id and name, no group column.
        conn.execute(
            """create table marts.agent_assignments as
               select agent_assignment_id as assignment_id, agent_facing_name as name, agent_id,
                      attribute_ids, assigned_date, follow_up_date,
                      interactions_n, interactions_reviewed_n, best_responses_n,
                      best_responses_reviewed_n, agent_status, plan_status, target_score,
                      target_date, feedback, action_plan, as_of_date
               from marts.coaching_assignments"""
        )
        conn.execute("alter table marts.coaching_assignments drop column agent_facing_name")
        _table(
            conn,
            "marts.coaching_monitor",
            [
                (
                    aid,
                    name,
                    kind,
                    agent,
                    AGENTS[agent][0],
                    AGENTS[agent][1],
                    assigned,
                    follow,
                    attrs,
                    74.0,
                    78.0,
                    MONITOR_TRENDS[aid][0],
                    75.0,
                    77.0,
                    MONITOR_TRENDS[aid][1],
                    "In Progress",
                    D,
                    parent,
                    "Working On It",
                    EXPERIENCE[agent],
                )
                for aid, parent, name, kind, _, agent, attrs, assigned, follow in ASSIGNMENTS
            ],
            _columns(
                "assignment_id:s name:s coaching_type:s agent_id:s agent_name:s "
                "team:s assigned_date:d follow_up_date:d attribute_ids:l "
                "scorecard_score_at_assigned:f scorecard_score_current:f "
                "scorecard_trend:s evaluation_score_at_assigned:f "
                "evaluation_score_current:f evaluation_trend:s status:s "
                "as_of_date:d parent_assignment_id:s plan_status:s experience_level:s"
            ),
        )
        agent_of = {a[0]: a[5] for a in ASSIGNMENTS}
        _table(
            conn,
            "marts.coaching_progress",
            [
                (aid, agent_of[aid], attr, before, 6, now, 7, now - before, trend, p, D)
                for aid, attr, before, now, trend, p in PROGRESS
            ],
            _columns(
                "assignment_id:s agent_id:s attribute_id:s score_at_assigned:f "
                "n_at_assigned:i current_score:f n_current:i delta:f trend:s "
                "p_value:f as_of_date:d"
            ),
        )
        _table(
            conn,
            "marts.assignment_interactions",
            [
                (
                    aid,
                    agent,
                    iid,
                    kind,
                    day,
                    "billing",
                    "voice",
                    ["empathy"],
                    71.5,
                    None,
                    4.0,
                    kind == "marked",
                )
                for aid, agent, iid, kind, day in INTERACTIONS
            ],
            _columns(
                "assignment_id:s agent_id:s interaction_id:s kind:s "
                "interaction_date:d queue:s channel:s attribute_ids:l "
                "kore_evaluation_score:f audit_score:f sentiment_score:f "
                "reviewed:b"
            ),
        )
        _table(
            conn,
            "marts.assignment_warnings",
            [("asg-3", None, "interaction", "int-999", "not_a_members_interaction")],
            _columns("assignment_id:s agent_id:s item_type:s item_id:s reason:s"),
        )
        _table(
            conn,
            "marts.coaching_groups",
            [
                (
                    GROUP_ID,
                    GROUP_NAME,
                    "South agents below compliance",
                    ["compliance"],
                    ["agt-03", "agt-04"],
                    2,
                    3,
                    True,
                    "dispatched",
                )
            ],
            _columns(
                "group_id:s name:s description:s attribute_ids:l agent_ids:l "
                "agents_n:i conversations_n:i assign_enabled:b state:s"
            ),
        )
        _table(
            conn,
            "marts.team_performance",
            [
                (team, attr, D, 76.0, 30, 2, ["agt-02"] if team == "north" else [])
                for team in ("north", "south")
                for attr in ATTRIBUTES
            ],
            _columns(
                "team:s attribute_id:s as_of_date:d avg_score:f n:i agents_n:i outlier_agent_ids:l"
            ),
        )
        _table(
            conn,
            "marts.review_queue",
            [
                (eid, iid, agent, day, _at(day, 9), queue, score, _at(day, 12), *rest)
                for eid, iid, agent, day, queue, score, *rest in REVIEWS
            ],
            _columns(
                "evaluation_id:s interaction_id:s agent_id:s interaction_date:d "
                "interaction_at:t queue:s audit_score:f evaluated_at:t disputed_attribute_ids:l "
                "last_event_at:t resolution_hours:f review_status:s dispute_rounds:i tab:s"
            ),
        )
        _table(
            conn,
            "marts.assignment_notes",
            [
                (nid, agent_facing_id(aid), agent, at, at.date(), actor, note, D)
                for nid, aid, agent, at, actor, note in NOTES
            ],
            _columns(
                "note_id:s assignment_id:s agent_id:s occurred_at:t occurred_date:d "
                "actor_id:s note:s as_of_date:d"
            ),
        )
        _table(
            conn,
            "marts.contact_center_metrics",
            [(D, "billing", "voice", 78.0, 320.0, 40)],
            _columns("day:d queue:s channel:s avg_qa_score:f avg_handle_time_s:f interactions_n:i"),
        )
        if with_coaching_log:
            conn.execute(
                """create table marts.coaching_log as
                   select 'agt-01' as agent_id, date '2024-03-07' as cycle_start,
                          date '2024-03-13' as cycle_end, 'empathy' as attribute_id,
                          72.0::double as current_score, 80.0::double as target_score,
                          8.0::double as gap,
                          true as is_focus, 5::bigint as below_target_n,
                          0::bigint as compliance_flags_n,
                          [{'interaction_id': 'int-101',
                            'interaction_at': timestamptz '2024-03-12 10:00:00+00',
                            'score': 61.0::double, 'quote': 'let me check that',
                            'offset_s': 42.0::double}] as evidence,
                          70.0::double as baseline_score, 2.0::double as delta
                   union all
                   select 'agt-03', date '2024-03-07', date '2024-03-13', 'compliance', 80.0, 90.0,
                          10.0, true, 3, 1, [], 85.0, -5.0"""
            )
    return path


def set_assignment_count(path: Path, n: int) -> None:
    """Rewrite coaching_assignments and coaching_monitor with ``n`` rows each:
    a refresh in which two tables change together."""
    with duckdb.connect(str(path)) as conn:
        conn.execute("begin")
        for table in ("coaching_assignments", "coaching_monitor"):
            conn.execute(
                f"create or replace table marts.{table}_next as select * from marts.{table} limit 0"
            )
            columns = [
                c
                for (c,) in conn.execute(
                    "select column_name from duckdb_columns() where schema_name = 'marts' "
                    "and table_name = ? order by column_index",
                    [table],
                ).fetchall()
            ]
            values = {
                "assignment_id": "'asg-' || i",
                "agent_id": "'agt-0' || (1 + i % 4)",
                "assigned_date": "date '2024-03-01' + (i % 20)::int",
                "attribute_ids": "['empathy']",
                "name": "'Bulk ' || i",
            }
            select = ", ".join(f"{values.get(c, 'null')} as {c}" for c in columns)
            conn.execute(f"insert into marts.{table}_next select {select} from range({n}) as r(i)")
            conn.execute(f"drop table marts.{table}")
            conn.execute(f"alter table marts.{table}_next rename to {table}")
        conn.execute("commit")
