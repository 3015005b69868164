"""The sample's files: reproducible, within contract, one file per stream per
day, every row in the file of its day."""

import json
import re
from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pytest
from sample_landing import Generated, Rows, contents, lines

from models.streams import STREAMS
from pipelines.sample import STREAM_NAMES, generate_sample

TIMESTAMP_FIELDS = ("updated_at", "interaction_at", "scored_at", "evaluated_at", "occurred_at")


def test_same_seed_gives_identical_files_and_another_seed_differs(
    small: Generated, tmp_path: Path
) -> None:
    again = Generated.write(tmp_path / "again", small.agents, small.days, small.start)
    assert again.summary == small.summary
    first = contents(small.root)
    assert first == contents(again.root)

    Generated.write(tmp_path / "other", small.agents, small.days, small.start, seed=8)
    other = contents(tmp_path / "other")
    shared = first.keys() & other.keys()
    for stream in ("auto_qa_scores", "interactions", "coaching_events"):
        assert any(first[name] != other[name] for name in shared if stream in name), stream


def test_every_row_meets_its_contract(small: Generated) -> None:
    assert set(STREAM_NAMES) == set(STREAMS)
    counted = dict.fromkeys(STREAM_NAMES, 0)
    for stream in STREAM_NAMES:
        contract = STREAMS[stream]
        for path in sorted((small.root / stream).iterdir()):
            if path.suffix == ".parquet":
                for row in pl.read_parquet(path).to_dicts():
                    contract.validate(row)
                    counted[stream] += 1
                continue
            for line in lines(path):
                assert contract.rejection_reason(line) is None, (path, line)
                row = json.loads(line)
                for name in TIMESTAMP_FIELDS:
                    if name in row:
                        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", row[name])
                counted[stream] += 1
    assert counted == small.summary.rows


def test_interactions_parquet_holds_a_utc_start_time(small: Generated) -> None:
    frame = pl.read_parquet(small.root / "interactions" / f"{small.period[0]}.parquet")
    assert frame.schema["started_at"] == pl.Datetime("us", "UTC")
    assert frame["interaction_id"].is_unique().all()


def test_one_file_per_stream_per_day_and_no_temporary_files(small: Generated) -> None:
    days: dict[str, list[str]] = {}
    for stream in STREAM_NAMES:
        names = sorted(path.name for path in (small.root / stream).iterdir())
        suffix = ".parquet" if stream == "interactions" else ".jsonl.gz"
        assert all(name.endswith(suffix) for name in names), names
        days[stream] = [name.removesuffix(suffix) for name in names]
        assert set(days[stream]) <= set(small.period)
    for stream in ("interactions", "auto_qa_scores", "evaluations", "evaluation_reviews"):
        assert days[stream] == small.period, stream
    assert days["attributes"] == [small.period[0]]
    assert days["agents"][0] == small.period[0]
    assert len(days["agents"]) <= 2
    assert days["coaching_events"]
    assert small.summary.files == sum(len(d) for d in days.values())
    temporary = [p for p in small.root.rglob("*") if p.name.endswith(".tmp") or p.name[0] == "."]
    assert not temporary


def test_rows_land_in_the_file_of_their_day(small: Generated) -> None:
    by = {
        "agents": "updated_at",
        "attributes": "updated_at",
        "auto_qa_scores": "interaction_at",  # scores belong to their interaction's day
        "evaluations": "evaluated_at",
        "evaluation_reviews": "occurred_at",
        "coaching_events": "occurred_at",
    }
    for stream, column in by.items():
        for row in small.rows[stream]:
            assert row[column][:10] == row["_file_day"], (stream, row)
    for row in small.rows["interactions"]:
        assert row["started_at"].date().isoformat() == row["_file_day"]


def test_event_ids_are_unique(small: Generated) -> None:
    for stream in ("auto_qa_scores", "evaluations", "evaluation_reviews", "coaching_events"):
        ids = [row["event_id"] for row in small.rows[stream]]
        assert len(ids) == len(set(ids)), stream
    interaction_ids = [row["interaction_id"] for row in small.rows["interactions"]]
    assert len(interaction_ids) == len(set(interaction_ids))


def test_default_start_ends_today_and_progress_is_reported(tmp_path: Path) -> None:
    messages: list[str] = []
    summary = generate_sample(tmp_path, agents=3, days=2, progress=messages.append)
    today = date.today().isoformat()
    assert max(p.name[:10] for p in (tmp_path / "interactions").iterdir()) == today
    assert len(messages) == 1 + summary.files  # one as it starts, then one per file
    assert summary.rows["interactions"] > 0


def test_interactions_per_day_sets_the_volume(tmp_path: Path) -> None:
    start = date(2026, 1, 5)
    usual = generate_sample(tmp_path / "usual", agents=10, days=7, start=start)
    busy = generate_sample(
        tmp_path / "busy", agents=10, days=7, start=start, interactions_per_day=18.0
    )
    # Three times the mean per agent and day: about three times the calls.
    assert 2.5 < busy.rows["interactions"] / usual.rows["interactions"] < 3.5


@pytest.mark.parametrize(("agents", "days"), [(1, 1), (1, 30), (2, 3), (5, 9), (6, 10)])
def test_small_and_short_samples_are_within_contract(
    tmp_path: Path, agents: int, days: int
) -> None:
    start = date(2026, 1, 5) + timedelta(days=days)
    summary = generate_sample(tmp_path, agents=agents, days=days, start=start)
    assert summary.rows["interactions"] > 0
    for stream in STREAM_NAMES:
        for path in sorted((tmp_path / stream).glob("*.jsonl.gz")):
            for line in lines(path):
                assert STREAMS[stream].rejection_reason(line) is None, (path, line)


def test_refuses_an_empty_sample(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="agents"):
        generate_sample(tmp_path, agents=0)
    with pytest.raises(ValueError, match="days"):
        generate_sample(tmp_path, days=0)


def test_sites_share_a_landing_zone_without_a_clash(tmp_path: Path) -> None:
    start = date(2026, 1, 5)
    summaries = [
        generate_sample(tmp_path, agents=12, days=10, start=start, seed=7, site=site)
        for site in ("s1", "s2")
    ]
    rows = Rows(tmp_path)
    # Each site's files are there under their own names: nothing was replaced.
    for stream in STREAM_NAMES:
        assert len(rows[stream]) == sum(s.rows[stream] for s in summaries), stream
        names = [p.name for p in (tmp_path / stream).iterdir()]
        assert {n.split(".")[0][10:] for n in names} == {"-s1", "-s2"}, stream
    # The same seed draws the same center twice; only the ids tell the sites apart.
    roster = {row["agent_id"]: row for row in rows["agents"]}
    assert {a[:7] for a in roster} == {"agt-s1-", "agt-s2-"}
    for stream in ("auto_qa_scores", "evaluations", "evaluation_reviews", "coaching_events"):
        ids = [row["event_id"] for row in rows[stream]]
        assert len(ids) == len(set(ids)), stream
    interaction_ids = [row["interaction_id"] for row in rows["interactions"]]
    assert len(interaction_ids) == len(set(interaction_ids))
    # Every reference stays within its site.
    for row in rows["interactions"]:
        site = row["interaction_id"][4:7]
        assert row["agent_id"].startswith(f"agt-{site}"), row
        assert roster[row["agent_id"]]["team"].startswith(f"team-{site}"), row
    for row in rows["coaching_events"]:
        if row.get("assignment_id"):
            assert row["assignment_id"][4:7] == row["event_id"][3:6], row
