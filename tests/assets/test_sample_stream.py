"""The seeded sample stream: reproducible, within contract, and telling a story
the pipeline can find (audits, disputes, coaching that works)."""

import gzip
import json
import re
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path
from statistics import mean
from typing import Any

import polars as pl
import pytest

from assets.sample_stream import STREAM_NAMES, SampleSummary, generate_sample, parse_date
from models.streams import STREAMS

START = date(2026, 1, 5)
AGENTS, DAYS = 12, 21
PERIOD = [(START + timedelta(days=d)).isoformat() for d in range(DAYS)]
TIMESTAMP_FIELDS = ("updated_at", "interaction_at", "scored_at", "evaluated_at", "occurred_at")


def _generate(root: Path, seed: int = 7) -> SampleSummary:
    return generate_sample(root, agents=AGENTS, days=DAYS, start=START, seed=seed)


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SampleSummary]:
    root = tmp_path_factory.mktemp("landing")
    return root, _generate(root)


@pytest.fixture(scope="module")
def rows(sample: tuple[Path, SampleSummary]) -> dict[str, list[dict[str, Any]]]:
    return _load(sample[0])


def _load(root: Path) -> dict[str, list[dict[str, Any]]]:
    """Every row of every stream, each with the day of the file it came in."""
    found: dict[str, list[dict[str, Any]]] = {}
    for stream in STREAM_NAMES:
        found[stream] = []
        for path in sorted((root / stream).iterdir()):
            day = path.name.split(".")[0]
            for row in _read(path):
                found[stream].append(row | {"_file_day": day})
    return found


def _lines(path: Path) -> list[str]:
    return gzip.decompress(path.read_bytes()).decode().splitlines()


def _read(path: Path) -> list[dict[str, Any]]:
    if path.suffix == ".parquet":
        return pl.read_parquet(path).to_dicts()
    return [json.loads(line) for line in _lines(path)]


def _contents(root: Path) -> dict[str, Any]:
    return {
        str(path.relative_to(root)): (
            gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
        )
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def test_same_seed_gives_identical_files_and_another_seed_differs(
    sample: tuple[Path, SampleSummary], tmp_path: Path
) -> None:
    root, summary = sample
    assert _generate(tmp_path / "again") == summary
    first, again = _contents(root), _contents(tmp_path / "again")
    assert first == again

    _generate(tmp_path / "other", seed=8)
    other = _contents(tmp_path / "other")
    shared = first.keys() & other.keys()
    assert any(first[name] != other[name] for name in shared if "auto_qa_scores" in name)
    assert any(first[name] != other[name] for name in shared if "interactions" in name)


def test_every_row_meets_its_contract(sample: tuple[Path, SampleSummary]) -> None:
    root, summary = sample
    assert set(STREAM_NAMES) == set(STREAMS)
    counted = dict.fromkeys(STREAM_NAMES, 0)
    for stream in STREAM_NAMES:
        contract = STREAMS[stream]
        for path in sorted((root / stream).iterdir()):
            if path.suffix == ".parquet":
                for row in pl.read_parquet(path).to_dicts():
                    contract.validate(row)
                    counted[stream] += 1
                continue
            for line in _lines(path):
                assert contract.rejection_reason(line) is None, (path, line)
                row = json.loads(line)
                for name in TIMESTAMP_FIELDS:
                    if name in row:
                        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", row[name])
                counted[stream] += 1
    assert counted == summary.rows


def test_interactions_parquet_holds_a_utc_start_time(sample: tuple[Path, SampleSummary]) -> None:
    root, _ = sample
    frame = pl.read_parquet(root / "interactions" / f"{PERIOD[0]}.parquet")
    assert frame.schema["started_at"] == pl.Datetime("us", "UTC")
    assert frame["interaction_id"].is_unique().all()


def test_one_file_per_stream_per_day_and_no_temporary_files(
    sample: tuple[Path, SampleSummary],
) -> None:
    root, summary = sample
    days: dict[str, list[str]] = {}
    for stream in STREAM_NAMES:
        names = sorted(path.name for path in (root / stream).iterdir())
        suffix = ".parquet" if stream == "interactions" else ".jsonl.gz"
        assert all(name.endswith(suffix) for name in names), names
        days[stream] = [name.removesuffix(suffix) for name in names]
        assert set(days[stream]) <= set(PERIOD)
    for stream in ("interactions", "auto_qa_scores", "evaluations", "evaluation_reviews"):
        assert days[stream] == PERIOD, stream
    assert days["attributes"] == [PERIOD[0]]
    assert days["agents"][0] == PERIOD[0]
    assert len(days["agents"]) <= 2
    assert days["coaching_events"]
    assert summary.files == sum(len(d) for d in days.values())
    assert not [p for p in root.rglob("*") if p.name.endswith(".tmp") or p.name.startswith(".")]


def test_rows_land_in_the_file_of_their_day(rows: dict[str, list[dict[str, Any]]]) -> None:
    by = {
        "agents": "updated_at",
        "attributes": "updated_at",
        "auto_qa_scores": "interaction_at",  # scores belong to their interaction's day
        "evaluations": "evaluated_at",
        "evaluation_reviews": "occurred_at",
        "coaching_events": "occurred_at",
    }
    for stream, column in by.items():
        for row in rows[stream]:
            assert row[column][:10] == row["_file_day"], (stream, row)
    for row in rows["interactions"]:
        assert row["started_at"].date().isoformat() == row["_file_day"]


def test_event_ids_are_unique(rows: dict[str, list[dict[str, Any]]]) -> None:
    for stream in ("auto_qa_scores", "evaluations", "evaluation_reviews", "coaching_events"):
        ids = [row["event_id"] for row in rows[stream]]
        assert len(ids) == len(set(ids)), stream
    interaction_ids = [row["interaction_id"] for row in rows["interactions"]]
    assert len(interaction_ids) == len(set(interaction_ids))


def test_scorecard_has_one_compliance_attribute(rows: dict[str, list[dict[str, Any]]]) -> None:
    attributes = rows["attributes"]
    assert 6 <= len(attributes) <= 8
    assert sum(a["is_compliance"] for a in attributes) == 1
    for attribute in attributes:
        assert 0.5 <= attribute["weight"] <= 2.0
        low, high = (90, 100) if attribute["is_compliance"] else (70, 85)
        assert low <= attribute["target_score"] <= high


def test_roster_has_teams_with_supervisors_and_one_team_change(
    rows: dict[str, list[dict[str, Any]]],
) -> None:
    agents = rows["agents"]
    first = [a for a in agents if a["_file_day"] == PERIOD[0]]
    assert len(first) == AGENTS
    assert len({a["team"] for a in first}) >= 2
    assert all(a["supervisor_id"] for a in first)
    (change,) = [a for a in agents if a["_file_day"] != PERIOD[0]]
    before = next(a for a in first if a["agent_id"] == change["agent_id"])
    assert change["team"] != before["team"]
    assert change["updated_at"] > before["updated_at"]


def test_every_interaction_has_one_score_per_active_attribute(
    rows: dict[str, list[dict[str, Any]]],
) -> None:
    active = {a["attribute_id"] for a in rows["attributes"] if a["active"]}
    interactions = {row["interaction_id"]: row for row in rows["interactions"]}
    scored = [(s["interaction_id"], s["attribute_id"]) for s in rows["auto_qa_scores"]]
    assert len(scored) == len(set(scored))
    assert set(scored) == {(i, a) for i in interactions for a in active}
    for score in rows["auto_qa_scores"][:500]:
        interaction = interactions[score["interaction_id"]]
        assert score["agent_id"] == interaction["agent_id"]
        assert score["interaction_at"] == interaction["started_at"].isoformat()
        assert score["scored_at"] > score["interaction_at"]


def test_audits_cover_every_attribute_and_follow_the_review_workflow(
    rows: dict[str, list[dict[str, Any]]],
) -> None:
    n_attributes = len(rows["attributes"])
    first_versions: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows["evaluations"]:
        if row["event_id"].endswith("-v1"):
            first_versions[row["evaluation_id"]].append(row)
    assert all(len(v) == n_attributes for v in first_versions.values())
    assert 0.02 < len(first_versions) / len(rows["interactions"]) < 0.1

    logs: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for event in sorted(rows["evaluation_reviews"], key=lambda e: e["occurred_at"]):
        logs[event["evaluation_id"]].append(event)
    assert set(logs) <= set(first_versions)
    # Only an audit finished late on the last day may still wait to be published.
    unpublished = set(first_versions) - set(logs)
    assert all(first_versions[e][0]["evaluated_at"][:10] == PERIOD[-1] for e in unpublished)
    for log in logs.values():
        assert log[0]["event_type"] == "published"
        assert [e["event_type"] for e in log].count("published") == 1
    types = {e["event_type"] for e in rows["evaluation_reviews"]}
    assert types == {"published", "accepted", "disputed", "responded", "closed"}


def test_a_dispute_leads_to_a_re_evaluation_that_changes_the_score(
    rows: dict[str, list[dict[str, Any]]],
) -> None:
    by_key = {
        (r["evaluation_id"], r["attribute_id"], r["event_id"][-2:]): r for r in rows["evaluations"]
    }
    first_disputes: dict[str, dict[str, Any]] = {}
    for event in sorted(rows["evaluation_reviews"], key=lambda e: e["occurred_at"]):
        if event["event_type"] == "disputed":
            first_disputes.setdefault(event["evaluation_id"], event)
    re_evaluated = 0
    for dispute in first_disputes.values():
        for attribute_id in dispute["disputed_attribute_ids"]:
            second = by_key.get((dispute["evaluation_id"], attribute_id, "v2"))
            if second is None:
                continue
            first = by_key[(dispute["evaluation_id"], attribute_id, "v1")]
            assert second["evaluated_at"] > dispute["occurred_at"] > first["evaluated_at"]
            assert second["score"] != first["score"]
            re_evaluated += 1
    assert re_evaluated >= 1
    versions = [r for r in rows["evaluations"] if r["event_id"].endswith("-v2")]
    assert re_evaluated >= len(versions)  # no re-evaluation without a dispute


def _assignments(
    rows: dict[str, list[dict[str, Any]]], period: list[str] = PERIOD
) -> list[dict[str, Any]]:
    """Assignments that stood, each with its coached agents and assigned day index."""
    events = sorted(rows["coaching_events"], key=lambda e: e["occurred_at"])
    deleted = {e["assignment_id"] for e in events if e["event_type"] == "assignment_deleted"}
    members: dict[str, set[str]] = defaultdict(set)
    found = []
    for event in events:
        if event["event_type"] == "group_member_added":
            members[event["group_id"]].add(event["agent_id"])
        elif event["event_type"] == "group_member_removed":
            members[event["group_id"]].discard(event["agent_id"])
        elif event["event_type"] == "assignment_created":
            if event["assignment_id"] in deleted:
                continue
            agents = (
                {event["agent_id"]} if event.get("agent_id") else set(members[event["group_id"]])
            )
            day = period.index(event["occurred_at"][:10])
            found.append(event | {"agents": agents, "day": day})
    return found


def test_coaching_has_marks_groups_individual_and_group_assignments(
    rows: dict[str, list[dict[str, Any]]],
) -> None:
    events = rows["coaching_events"]
    types = {e["event_type"] for e in events}
    assert types >= {
        "mark_created",
        "mark_dismissed",
        "group_created",
        "group_member_added",
        "group_member_removed",
        "assignment_created",
        "assignment_acknowledged",
        "interaction_reviewed",
        "best_response_reviewed",
        "note_added",
        "assignment_deleted",
    }
    assert len([e for e in events if e["event_type"] == "assignment_deleted"]) == 1
    created = [e for e in events if e["event_type"] == "assignment_created"]
    assert any(e.get("agent_id") for e in created)
    assert any(e.get("group_id") for e in created)
    groups = [e["name"] for e in events if e["event_type"] == "group_created"]
    assert len(groups) == len(set(groups))

    interactions = {row["interaction_id"]: row for row in rows["interactions"]}
    for assignment in _assignments(rows):
        assert assignment["day"] >= 7  # a full week of history before it
        assert assignment["interaction_ids"]
        for interaction_id in assignment["interaction_ids"]:
            assert interactions[interaction_id]["agent_id"] in assignment["agents"]
        for interaction_id in assignment["best_response_interaction_ids"]:
            assert interactions[interaction_id]["agent_id"] not in assignment["agents"]
        assigned = date.fromisoformat(assignment["occurred_at"][:10])
        follow_up = date.fromisoformat(assignment["follow_up_date"])
        assert 7 <= (follow_up - assigned).days <= 14


def test_coached_agents_improve_after_the_assignment(tmp_path: Path) -> None:
    """The 7 days after an assignment score higher than the 7 days before it."""
    days, start = 28, date(2026, 3, 2)
    period = [(start + timedelta(days=d)).isoformat() for d in range(days)]
    generate_sample(tmp_path, agents=40, days=days, start=start, seed=7)
    rows = _load(tmp_path)
    daily: dict[tuple[str, str, int], list[float]] = defaultdict(list)
    for score in rows["auto_qa_scores"]:
        day = period.index(score["interaction_at"][:10])
        daily[(score["agent_id"], score["attribute_id"], day)].append(score["score"])

    def window(agent: str, attribute: str, days: range) -> list[float]:
        return [s for d in days for s in daily.get((agent, attribute, d), [])]

    deltas = []
    for assignment in _assignments(rows, period):
        day = assignment["day"]
        for agent in assignment["agents"]:
            for attribute in assignment["attribute_ids"]:
                before = window(agent, attribute, range(day - 7, day))
                after = window(agent, attribute, range(day + 1, day + 8))
                if len(before) >= 10 and len(after) >= 10:
                    deltas.append(mean(after) - mean(before))
    assert len(deltas) >= 5
    assert mean(deltas) > 4.0  # well beyond the monitor's spike threshold of 2
    assert sum(d > 0 for d in deltas) >= 0.75 * len(deltas)


def test_default_start_ends_today_and_progress_is_reported(tmp_path: Path) -> None:
    messages: list[str] = []
    summary = generate_sample(tmp_path, agents=3, days=2, progress=messages.append)
    today = date.today().isoformat()
    assert max(p.name[:10] for p in (tmp_path / "interactions").iterdir()) == today
    assert len(messages) == 1 + summary.files  # one as it starts, then one per file
    assert summary.rows["interactions"] > 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-01", date(2026, 11, 1)),
        (" 2026-02-28 ", date(2026, 2, 28)),
        ("today", date.today()),
        ("yesterday", date.today() - timedelta(days=1)),
        (date(2026, 3, 4), date(2026, 3, 4)),
    ],
)
def test_parse_date(text: str | date, expected: date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["2026-13-01", "01/11/2026", ""])
def test_parse_date_refuses_what_is_not_a_date(text: str) -> None:
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        parse_date(text)


def test_refuses_an_empty_sample(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="agents"):
        generate_sample(tmp_path, agents=0)
    with pytest.raises(ValueError, match="days"):
        generate_sample(tmp_path, days=0)
