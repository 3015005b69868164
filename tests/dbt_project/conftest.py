"""Fixtures of the dbt project's tests: a working DuckDB file under a tmp dir
with the raw tables of ``ensure_warehouse``, hand-made raw rows, and dbt run
in-process with its own target and log paths (so tests can run in parallel);
and the hand-made scenario, whose figures test_dbt_scenario.py works out.

The scenario is loaded in two batches with a ``dbt build`` after each, once per
session, into a warehouse that several test modules read; tests that change
data work on copies (``Warehouse.copy``). The marks asset does not run in these
tests: a scenario writes ``coaching.marks`` and ``coaching.refused_events`` by
hand (``Warehouse.write_coaching``), as that asset would leave them.
"""

import json
import os
import re
import shutil
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import duckdb
import pytest
from dbt.cli.main import dbtRunner, dbtRunnerResult

from assets.warehouse_schema import ensure_warehouse
from models.streams import STREAMS

PROJECT_DIR = Path(__file__).resolve().parents[2] / "dbt_project"
MART_TABLES = (
    "agent_attribute_scores",
    "coaching_assignments",
    "agent_assignments",
    "assignment_interactions",
    "assignment_warnings",
    "coaching_monitor",
    "coaching_progress",
    "review_queue",
    "team_performance",
    "contact_center_metrics",
    "coaching_marks",
    "coaching_groups",
    "coaching_log",
    "coaching_effectiveness",
    "coaching_effectiveness_segments",
    "score_calibration",
    "auditor_disputes",
    "assignment_notes",
    "agent_directory",
)

# The tables the Python marks asset (assets/coaching_marks.py) writes and the
# dbt source `coaching` reads; dbt tests do not run that asset, so scenarios
# write them by hand in the same shape.
COACHING_TABLES_DDL = """
create schema if not exists coaching;
create or replace table coaching.marks (
    mark_id varchar, agent_id varchar, attribute_id varchar, source varchar,
    reason varchar, raised_at timestamptz, as_of_date date, current_score double,
    target_score double, gap double, n bigint, below_target_n bigint, priority double,
    is_compliance boolean, interaction_ids varchar[],
    evidence struct(interaction_id varchar, interaction_at timestamptz, score double,
                    quote varchar, offset_s double)[],
    state varchar, cleared_as_of date
);
create or replace table coaching.refused_events (
    event_id varchar, event_type varchar, occurred_at timestamptz, agent_id varchar,
    attribute_id varchar, reason varchar
);
"""
MARK_COLUMNS = (
    "mark_id", "agent_id", "attribute_id", "source", "reason", "raised_at", "as_of_date",
    "current_score", "target_score", "gap", "n", "below_target_n", "priority",
    "is_compliance", "interaction_ids", "evidence", "state", "cleared_as_of",
)  # fmt: skip
REFUSED_EVENT_COLUMNS = (
    "event_id", "event_type", "occurred_at", "agent_id", "attribute_id", "reason"
)  # fmt: skip


@contextmanager
def _environment(values: Mapping[str, str]) -> Iterator[None]:
    """Set environment variables for the duration of a dbt invocation."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@dataclass
class Warehouse:
    """A DuckDB working file and the dbt target/log dirs that build it."""

    path: Path
    work_dir: Path
    dbt_vars: dict[str, Any] = field(default_factory=dict)
    batch: int = 0

    @classmethod
    def create(cls, directory: Path, **dbt_vars: Any) -> "Warehouse":
        directory.mkdir(parents=True, exist_ok=True)
        warehouse = cls(path=directory / "warehouse.duckdb", work_dir=directory, dbt_vars=dbt_vars)
        with duckdb.connect(str(warehouse.path)) as conn:
            ensure_warehouse(conn)
        return warehouse

    def connect(self) -> duckdb.DuckDBPyConnection:
        """A connection to the file. Read-write on purpose: dbt-duckdb keeps its
        in-process database instance open after an invocation, and DuckDB only
        shares an open instance with connections of the same configuration."""
        return duckdb.connect(str(self.path))

    def copy(self, directory: Path) -> "Warehouse":
        """A copy of the file, with its own dbt target dir."""
        directory.mkdir(parents=True, exist_ok=True)
        with self.connect() as conn:
            conn.execute("checkpoint")
        shutil.copyfile(self.path, directory / "warehouse.duckdb")
        return Warehouse(
            path=directory / "warehouse.duckdb",
            work_dir=directory,
            dbt_vars=dict(self.dbt_vars),
            batch=self.batch,
        )

    def insert(self, stream: str, rows: Sequence[Mapping[str, Any]], ingested_at: datetime) -> None:
        """Append rows to ``raw.<stream>`` as one ingested batch."""
        if not rows:
            return
        self.batch += 1
        names = [column.name for column in STREAMS[stream].columns]
        unknown = {key for row in rows for key in row} - set(names)
        assert not unknown, f"{stream}: no such columns {unknown}"
        columns = [*names, "_file", "_line_no", "_ingested_at", "_run_id"]
        values = [
            [row.get(name) for name in names]
            + [f"test-batch-{self.batch}.jsonl", line_no, ingested_at, f"run-{self.batch}"]
            for line_no, row in enumerate(rows, start=1)
        ]
        placeholders = ", ".join("?" for _ in columns)
        with self.connect() as conn:
            conn.executemany(
                f"insert into raw.{stream} ({', '.join(columns)}) values ({placeholders})", values
            )

    def write_coaching(
        self,
        marks: Sequence[Mapping[str, Any]] = (),
        refused_events: Sequence[Mapping[str, Any]] = (),
    ) -> None:
        """Replace ``coaching.marks`` and ``coaching.refused_events`` whole, as
        the marks asset does; a row's missing columns are null."""
        with self.connect() as conn:
            conn.execute(COACHING_TABLES_DDL)
            for table, columns, rows in (
                ("marks", MARK_COLUMNS, marks),
                ("refused_events", REFUSED_EVENT_COLUMNS, refused_events),
            ):
                unknown = {key for row in rows for key in row} - set(columns)
                assert not unknown, f"coaching.{table}: no such columns {unknown}"
                if rows:
                    conn.executemany(
                        f"insert into coaching.{table} ({', '.join(columns)}) "
                        f"values ({', '.join('?' for _ in columns)})",
                        [[row.get(column) for column in columns] for row in rows],
                    )

    def dbt(self, *args: str, check: bool = True, **dbt_vars: Any) -> dbtRunnerResult:
        """Run a dbt command in-process against this file."""
        all_vars = {**self.dbt_vars, **dbt_vars}
        cli_args = [
            *args,
            "--project-dir",
            str(PROJECT_DIR),
            "--profiles-dir",
            str(PROJECT_DIR),
            "--target-path",
            str(self.work_dir / "target"),
            "--log-path",
            str(self.work_dir / "logs"),
            "--vars",
            json.dumps(all_vars, default=str),
        ]
        env = {"COACHWH_WAREHOUSE": str(self.path), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
        with _environment(env):
            result = dbtRunner().invoke(cli_args)
        if check:
            failures = [
                f"{r.node.unique_id}: {r.status} {r.message}"
                for r in (result.result or [])
                if str(r.status) not in ("success", "pass", "skipped")
            ]
            assert result.success, f"dbt {' '.join(args)} failed: {result.exception} {failures}"
        return result

    def query(self, sql: str, parameters: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self.connect() as conn:
            return conn.execute(sql, parameters).fetchall()

    def records(self, sql: str) -> list[dict[str, Any]]:
        with self.connect() as conn:
            cursor = conn.execute(sql)
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


# --- The hand-made scenario ------------------------------------------------
#
# Center in UTC, as_of 2024-03-20, so the current window is 03-14 .. 03-20.
# Attributes (final state): EMP weight 2 target 80, CMP weight 1 target 90
# (compliance), PRD weight 1 target 70. Agents: a1 and a2 in team T1, a3 in T2.
# Assignments: A-IND to a1 on 03-12 (at-assigned window 03-05 .. 03-11) and the
# group assignment G1 to group g1 = {a2, a3} on 03-10 (03-03 .. 03-09).
# Every interaction starts at 10:00 UTC on its day.

AS_OF = date(2024, 3, 20)
BATCH_1_AT = datetime(2024, 3, 14, 0, 30, tzinfo=UTC)  # data of days up to 03-13
BATCH_2_AT = datetime(2024, 3, 21, 0, 30, tzinfo=UTC)  # the rest, and late arrivals

# interaction_id: (agent, day of March, queue, channel, {attribute: final Auto QA score})
INTERACTIONS: dict[str, tuple[str, int, str, str, dict[str, float]]] = {
    "i100": ("a1", 4, "billing", "voice", {"EMP": 10, "CMP": 10}),
    "i101": ("a1", 5, "billing", "voice", {"EMP": 60, "CMP": 90}),
    "i102": ("a1", 8, "billing", "chat", {"EMP": 70, "CMP": 80}),
    "i103": ("a1", 11, "billing", "voice", {"EMP": 65, "CMP": 100}),
    "i104": ("a1", 12, "billing", "voice", {"EMP": 99, "CMP": 99}),
    "i105": ("a1", 13, "billing", "voice", {"EMP": 20, "CMP": 20}),
    "i106": ("a1", 14, "billing", "voice", {"EMP": 75, "CMP": 95}),
    "i107": ("a1", 17, "billing", "chat", {"EMP": 80, "CMP": 85}),
    "i108": ("a1", 20, "billing", "voice", {"EMP": 82, "CMP": 100}),
    "i109": ("a1", 21, "billing", "voice", {"EMP": 0, "CMP": 0}),
    "i208": ("a2", 2, "tech", "voice", {"EMP": 0, "CMP": 0, "PRD": 0}),
    "i201": ("a2", 4, "tech", "voice", {"EMP": 70, "CMP": 90, "PRD": 60}),
    "i202": ("a2", 6, "tech", "chat", {"EMP": 80, "CMP": 100, "PRD": 70}),
    "i203": ("a2", 9, "tech", "voice", {"EMP": 75, "CMP": 95, "PRD": 65}),
    "i204": ("a2", 10, "tech", "voice", {"EMP": 10, "CMP": 10, "PRD": 10}),
    "i205": ("a2", 15, "tech", "voice", {"EMP": 72, "CMP": 90, "PRD": 68}),
    "i206": ("a2", 16, "tech", "chat", {"EMP": 74, "CMP": 90, "PRD": 66}),
    "i207": ("a2", 18, "tech", "voice", {"EMP": 73, "CMP": 90, "PRD": 67}),
    "i300": ("a3", 2, "tech", "voice", {"EMP": 50, "CMP": 50}),
    "i301": ("a3", 4, "tech", "voice", {"EMP": 60, "CMP": 70}),
    "i302": ("a3", 6, "tech", "email", {"CMP": 80}),
    "i303": ("a3", 8, "tech", "voice", {"EMP": 64, "CMP": 90}),
    "i304": ("a3", 15, "tech", "voice", {"EMP": 70, "CMP": 90}),
    "i305": ("a3", 19, "tech", "voice", {"EMP": 72, "CMP": 80}),
}
LAST_BATCH_1_DAY = 13
# The optional topic and intent of a few interactions.
TOPICS = {"i103": {"topic": "billing dispute", "intent": "refund"}}


def at(day: int, hour: int = 10, minute: int = 0) -> datetime:
    """A UTC timestamp in March 2024."""
    return datetime.combine(date(2024, 3, day), time(hour, minute), tzinfo=UTC)


def _batch_of(moment: datetime) -> int:
    return 1 if moment.date() <= date(2024, 3, LAST_BATCH_1_DAY) else 2


@dataclass
class Batches:
    """Raw rows per stream, split in the two ingest batches."""

    rows: dict[int, dict[str, list[dict[str, Any]]]] = field(default_factory=lambda: {1: {}, 2: {}})

    def add(self, batch: int, stream: str, row: dict[str, Any]) -> None:
        self.rows[batch].setdefault(stream, []).append(row)


def scenario_batches() -> Batches:
    batches = Batches()
    # Roster and scorecard: batch 1 has a3 in T1, EMP weight 1 and CMP target
    # 85; batch 2 moves a3 to T2, weighs EMP 2 and raises CMP's target to 90.
    for agent_id, name, team, level in (
        ("a1", "Ann", "T1", "senior"),
        ("a2", "Ben", "T1", None),
        ("a3", "Cat", "T1", "junior"),
    ):
        batches.add(
            1,
            "agents",
            {
                "agent_id": agent_id,
                "name": name,
                "team": team,
                "supervisor_id": "s1",
                "experience_level": level,
                "active": True,
                "updated_at": at(1, 8),
            },
        )
    batches.add(
        2,
        "agents",
        {
            "agent_id": "a3",
            "name": "Cat",
            "team": "T2",
            "supervisor_id": "s2",
            "experience_level": "junior",
            "active": True,
            "updated_at": at(15, 8),
        },
    )
    for attribute_id, name, target, weight, compliance in (
        ("EMP", "Empathy", 80.0, 1.0, False),
        ("CMP", "Compliance", 85.0, 1.0, True),
        ("PRD", "Product knowledge", 70.0, 1.0, False),
    ):
        batches.add(
            1,
            "attributes",
            {
                "attribute_id": attribute_id,
                "name": name,
                "target_score": target,
                "weight": weight,
                "is_compliance": compliance,
                "active": True,
                "updated_at": at(1, 8),
            },
        )
    batches.add(
        2,
        "attributes",
        {
            "attribute_id": "EMP",
            "name": "Empathy",
            "target_score": 80.0,
            "weight": 2.0,
            "is_compliance": False,
            "active": True,
            "updated_at": at(15, 8),
        },
    )
    batches.add(
        2,
        "attributes",
        {
            "attribute_id": "CMP",
            "name": "Compliance",
            "target_score": 90.0,
            "weight": 1.0,
            "is_compliance": True,
            "active": True,
            "updated_at": at(15, 8),
        },
    )

    for interaction_id, (agent_id, day, queue, channel, scores) in INTERACTIONS.items():
        batch = _batch_of(at(day))
        batches.add(
            batch,
            "interactions",
            {
                "interaction_id": interaction_id,
                "agent_id": agent_id,
                "queue": queue,
                "channel": channel,
                "started_at": at(day),
                "handle_time_s": 300.0 + day,
                "sentiment_score": 6.0,
                **TOPICS.get(interaction_id, {}),
            },
        )
        for attribute_id, score in scores.items():
            late = (interaction_id, attribute_id) == ("i102", "CMP")  # a late score, old day
            batches.add(
                2 if late else batch,
                "auto_qa_scores",
                {
                    "event_id": f"q-{interaction_id}-{attribute_id}",
                    "interaction_id": interaction_id,
                    "agent_id": agent_id,
                    "attribute_id": attribute_id,
                    "interaction_at": at(day),
                    "score": float(score),
                    "scored_at": at(day, 11),
                },
            )
    # Re-scores. i101 EMP: 40 at first, re-scored 60 later (batch 2): the
    # final 60 above is the later scored_at, so it must replace the 40.
    for row in batches.rows[1]["auto_qa_scores"]:
        if row["event_id"] == "q-i101-EMP":
            row["score"], row["scored_at"] = 40.0, at(5, 11)
    batches.add(
        2,
        "auto_qa_scores",
        {
            "event_id": "q-i101-EMP-v2",
            "interaction_id": "i101",
            "agent_id": "a1",
            "attribute_id": "EMP",
            "interaction_at": at(5),
            "score": 60.0,
            "scored_at": at(14, 9),
        },
    )
    # i103 CMP: a stale re-score arriving late with an earlier scored_at loses.
    batches.add(
        2,
        "auto_qa_scores",
        {
            "event_id": "q-i103-CMP-stale",
            "interaction_id": "i103",
            "agent_id": "a1",
            "attribute_id": "CMP",
            "interaction_at": at(11),
            "score": 0.0,
            "scored_at": at(11, 10, 30),
        },
    )
    # i107 EMP: 50 first, 80 (the final score above) later, both in batch 2.
    batches.add(
        2,
        "auto_qa_scores",
        {
            "event_id": "q-i107-EMP-v0",
            "interaction_id": "i107",
            "agent_id": "a1",
            "attribute_id": "EMP",
            "interaction_at": at(17),
            "score": 50.0,
            "scored_at": at(17, 10, 30),
        },
    )

    # Audits. ev1 of i103 (a1): EMP 60 and CMP 100, then after a dispute EMP
    # re-evaluated to 75. ev2 of i106 (a1): EMP 88, CMP 95. ev3 of i205 (a2): EMP 60.
    for event_id, evaluation_id, interaction_id, agent_id, day, evaluated, attribute_id, score in (
        ("v-ev1-EMP-1", "ev1", "i103", "a1", 11, at(12, 9), "EMP", 60.0),
        ("v-ev1-CMP-1", "ev1", "i103", "a1", 11, at(12, 9), "CMP", 100.0),
        ("v-ev1-EMP-2", "ev1", "i103", "a1", 11, at(19, 9), "EMP", 75.0),
        ("v-ev2-EMP-1", "ev2", "i106", "a1", 14, at(15, 9), "EMP", 88.0),
        ("v-ev2-CMP-1", "ev2", "i106", "a1", 14, at(15, 9), "CMP", 95.0),
        ("v-ev3-EMP-1", "ev3", "i205", "a2", 15, at(16, 9), "EMP", 60.0),
    ):
        batches.add(
            _batch_of(evaluated),
            "evaluations",
            {
                "event_id": event_id,
                "evaluation_id": evaluation_id,
                "interaction_id": interaction_id,
                "agent_id": agent_id,
                "evaluator_id": "s1",
                "interaction_at": at(day),
                "evaluated_at": evaluated,
                "attribute_id": attribute_id,
                "score": score,
            },
        )
    for event_id, evaluation_id, event_type, moment in (
        ("r1", "ev1", "published", at(12, 10)),
        ("r2", "ev1", "disputed", at(13, 10)),
        ("r3", "ev1", "responded", at(19, 10)),
        ("r4", "ev1", "disputed", at(20, 10)),
        ("r5", "ev2", "published", at(15, 10)),
        ("r6", "ev2", "accepted", at(16, 10)),
        ("r7", "ev3", "published", at(16, 10)),
    ):
        batches.add(
            _batch_of(moment),
            "evaluation_reviews",
            {
                "event_id": event_id,
                "evaluation_id": evaluation_id,
                "event_type": event_type,
                "actor_id": "a1" if event_type in ("disputed", "accepted") else "s1",
                "occurred_at": moment,
                "disputed_attribute_ids": ["EMP"] if event_type == "disputed" else None,
            },
        )

    coaching_events: list[dict[str, Any]] = [
        {
            "event_type": "group_created",
            "occurred_at": at(1, 9),
            "group_id": "g1",
            "name": "Empathy and product",
            "attribute_ids": ["EMP", "PRD"],
        },
        {
            "event_type": "group_member_added",
            "occurred_at": at(1, 9, 5),
            "group_id": "g1",
            "agent_id": "a2",
        },
        {
            "event_type": "group_member_added",
            "occurred_at": at(1, 9, 5),
            "group_id": "g1",
            "agent_id": "a3",
        },
        {
            "event_type": "group_member_added",
            "occurred_at": at(2, 9),
            "group_id": "g1",
            "agent_id": "a1",
        },
        {
            "event_type": "group_member_removed",
            "occurred_at": at(5, 9),
            "group_id": "g1",
            "agent_id": "a1",
        },
        # a3 has no PRD score at all: the manual mark maps the area to a3.
        {
            "event_type": "mark_created",
            "occurred_at": at(9, 9),
            "agent_id": "a3",
            "attribute_ids": ["PRD"],
            "interaction_ids": ["i301"],
        },
        {
            "event_type": "assignment_created",
            "occurred_at": at(10, 9),
            "assignment_id": "G1",
            "name": "Empathy and product",
            "group_id": "g1",
            "attribute_ids": ["EMP", "PRD"],
            "interaction_ids": ["i201", "i301", "i302", "i100"],
            "best_response_interaction_ids": ["i202"],
            "feedback": "Listen first",
            "action_plan": "Shadow a senior",
            "follow_up_date": date(2024, 3, 25),
        },
        {
            "event_type": "assignment_acknowledged",
            "occurred_at": at(11, 9),
            "assignment_id": "G1",
            "agent_id": "a2",
        },
        {
            "event_type": "interaction_reviewed",
            "occurred_at": at(12, 9),
            "assignment_id": "G1",
            "agent_id": "a2",
            "interaction_id": "i201",
        },
        {
            "event_type": "assignment_created",
            "occurred_at": at(12, 12),
            "assignment_id": "A-IND",
            "name": "Empathy for Ann",
            "agent_id": "a1",
            "attribute_ids": ["EMP", "CMP", "PRD"],
            "interaction_ids": ["i102", "i103", "i201", "i999"],
            "best_response_interaction_ids": ["i202"],
            "feedback": "Warmer greetings",
            "action_plan": "Role play",
            "follow_up_date": date(2024, 3, 19),
            "target_score": 80.0,
        },
        {
            "event_type": "assignment_acknowledged",
            "occurred_at": at(12, 13),
            "assignment_id": "A-IND",
            "agent_id": "a1",
        },
        {
            "event_type": "interaction_reviewed",
            "occurred_at": at(13, 9),
            "assignment_id": "A-IND",
            "agent_id": "a1",
            "interaction_id": "i102",
        },
        {
            "event_type": "assignment_created",
            "occurred_at": at(12, 14),
            "assignment_id": "A-DEL",
            "name": "Sent by mistake",
            "agent_id": "a2",
            "attribute_ids": ["EMP"],
            "follow_up_date": date(2024, 3, 30),
        },
        {"event_type": "assignment_deleted", "occurred_at": at(13, 8), "assignment_id": "A-DEL"},
        {
            "event_type": "best_response_reviewed",
            "occurred_at": at(15, 9),
            "assignment_id": "G1",
            "agent_id": "a2",
            "interaction_id": "i202",
        },
        {
            "event_type": "note_added",
            "occurred_at": at(16, 9),
            "assignment_id": "A-IND",
            "note": "Better this week",
        },
        {
            "event_type": "assignment_created",
            "occurred_at": at(21, 9),
            "assignment_id": "A-FUT",
            "name": "After as_of",
            "agent_id": "a1",
            "attribute_ids": ["EMP"],
            "follow_up_date": date(2024, 4, 5),
        },
        # Notes on the group assignment: the supervisor's reaches both members,
        # a2's own reaches a2 only.
        {
            "event_type": "note_added",
            "occurred_at": at(14, 9),
            "assignment_id": "G1",
            "note": "Recap: open with the customer's name",
        },
        {
            "event_type": "note_added",
            "occurred_at": at(15, 12),
            "actor_id": "a2",
            "assignment_id": "G1",
            "note": "I will listen first",
        },
    ]
    for number, event in enumerate(coaching_events, start=1):
        event = {"event_id": f"c{number}", "actor_id": "s1", **event}
        batches.add(_batch_of(event["occurred_at"]), "coaching_events", event)
    return batches


# What the marks asset leaves for the scenario's events: c6, a3's manual mark
# in PRD on 03-09, accepted (a3 had no mark there), assigned since G1 covered
# it on 03-10. It is what maps PRD to a3 (a3 has no PRD score). No event was
# refused: g1 had c6's conversation i301 when G1 was made.
SCENARIO_MARKS = [
    {
        "mark_id": "c6:PRD",
        "agent_id": "a3",
        "attribute_id": "PRD",
        "source": "manual",
        "reason": "manual",
        "raised_at": at(9, 9),
        "as_of_date": date(2024, 3, 9),
        "interaction_ids": ["i301"],
        "state": "assigned",
    }
]


def load_batch(warehouse: Warehouse, batches: Batches, batch: int, ingested_at: datetime) -> None:
    for stream, rows in batches.rows[batch].items():
        warehouse.insert(stream, rows, ingested_at)


@pytest.fixture(scope="session")
def mart_tables() -> tuple[str, ...]:
    return MART_TABLES


@pytest.fixture(scope="session")
def make_warehouse(tmp_path_factory: pytest.TempPathFactory):
    """Factory of empty warehouses, each in its own tmp dir."""

    def make(name: str, **dbt_vars: Any) -> Warehouse:
        return Warehouse.create(tmp_path_factory.mktemp(name), **dbt_vars)

    return make


@dataclass
class BuiltScenario:
    warehouse: Warehouse
    build_results: list[dbtRunnerResult]
    as_of: date = AS_OF


@pytest.fixture(scope="session")
def scenario(make_warehouse) -> BuiltScenario:
    """The scenario loaded in two batches with a ``dbt build`` after each:
    the second build runs every incremental model incrementally."""
    warehouse = make_warehouse("scenario", as_of=AS_OF.isoformat(), timezone="UTC")
    batches = scenario_batches()
    load_batch(warehouse, batches, 1, BATCH_1_AT)
    warehouse.write_coaching(marks=SCENARIO_MARKS)
    first = warehouse.dbt("build")
    load_batch(warehouse, batches, 2, BATCH_2_AT)
    second = warehouse.dbt("build")
    return BuiltScenario(warehouse=warehouse, build_results=[first, second])


def _cell_texts(value: Any) -> Iterator[str]:
    """Every text a cell holds: itself, or each item of a list or struct."""
    if isinstance(value, list | tuple):
        for item in value:
            yield from _cell_texts(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _cell_texts(item)
    elif value is not None:
        yield str(value)


def _group_context_hits(warehouse: Warehouse, table: str) -> list[tuple[str, str, str, str]]:
    """Where a row of ``marts.<table>`` names a group (its id or name), a
    group assignment (the parent of members' shares) or an agent other than
    the row's own: (row's assignment_id, column, what, word). The words come
    from the raw events and roster, not from the marts under test; a word
    counts when it stands alone in a cell's text (so a hex digest that
    happens to hold "a1" is no hit); an id as written, a name in any case."""
    events = warehouse.records(
        "select event_type, group_id, name, assignment_id, agent_id from raw.coaching_events"
    )
    agents = {a for (a,) in warehouse.query("select agent_id from raw.agents")}
    agents |= {e["agent_id"] for e in events if e["agent_id"]}
    forbidden = [("group id", e["group_id"]) for e in events if e["group_id"]]
    forbidden += [("group name", e["name"]) for e in events if e["event_type"] == "group_created"]
    forbidden += [
        ("group assignment", e["assignment_id"])
        for e in events
        if e["event_type"] == "assignment_created" and e["group_id"]
    ]
    hits = []
    for row in warehouse.records(f"select * from marts.{table}"):
        words = [*forbidden, *(("another agent", a) for a in agents if a != row["agent_id"])]
        for column, value in row.items():
            for text in _cell_texts(value):
                for what, word in words:
                    pattern = rf"(?<![A-Za-z0-9]){re.escape(word)}(?![A-Za-z0-9])"
                    flags = re.IGNORECASE if what == "group name" else 0
                    if re.search(pattern, text, flags):
                        hits.append((row["assignment_id"], column, what, word))
    return hits


@pytest.fixture(scope="session")
def group_context_hits():
    """The search for group context in a mart's every cell (_group_context_hits)."""
    return _group_context_hits
