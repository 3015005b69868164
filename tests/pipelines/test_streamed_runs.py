"""Streamed runs through real ``coachwh run`` processes (DESIGN.md section 9):
nothing new does nothing, a new file rebuilds what lies downstream of its
stream, a new date rebuilds what reads the date, and incremental runs end
where a full refresh does."""

import gzip
import json
import shutil
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from coachwh_process import coachwh

from pipelines.sample import generate_sample

START = date(2026, 10, 1)
DAYS = 12
AS_OF = START + timedelta(days=DAYS - 1)


def run(home: Path, *args: str) -> str:
    result = coachwh(home, "run", *args)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("streamed")
    generate_sample(home / "landing", agents=8, days=DAYS, start=START, seed=5)
    run(home, "--as-of", AS_OF.isoformat())
    return home


@pytest.fixture
def home(built: Path, tmp_path: Path) -> Path:
    """A copy of the built home, for one test to change."""
    copy = tmp_path / "home"
    shutil.copytree(built, copy, symlinks=True)
    return copy


def builds(home: Path) -> dict[str, datetime]:
    """When each dbt model was last built, by model name."""
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as conn:
        rows = conn.execute("select unique_id, built_at from control.model_builds").fetchall()
    return {uid.rsplit(".", 1)[-1]: at for uid, at in rows}


def snapshot(home: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(home / "serving" / "warehouse.duckdb"), read_only=True) as conn:
        return conn.execute(sql).fetchall()


def downstream(home: Path, source: str) -> set[str]:
    """Model names downstream of a source (``schema.table``), from dbt's manifest."""
    manifest = json.loads(
        (Path(__file__).resolve().parents[2] / "dbt_project/target/manifest.json").read_text()
    )
    (origin,) = [
        uid for uid, s in manifest["sources"].items() if f"{s['source_name']}.{s['name']}" == source
    ]
    found, frontier = set(), [origin]
    while frontier:
        for child in manifest["child_map"][frontier.pop()]:
            if child.startswith("model.") and child not in found:
                found.add(child)
                frontier.append(child)
    return {uid.rsplit(".", 1)[-1] for uid in found}


def test_a_second_run_with_nothing_new_runs_no_dbt_and_publishes_nothing(home: Path) -> None:
    before = builds(home)
    serving = home / "serving" / "warehouse.duckdb"
    published = serving.stat().st_mtime_ns
    output = run(home, "--as-of", AS_OF.isoformat())
    assert "nothing new" in output and "no dbt work, no publish" in output
    assert len(output.strip().splitlines()) == 1
    # dbt never started (its banner), and nothing was built or published.
    assert "Running with dbt" not in output and "running refresh_warehouse" not in output
    assert builds(home) == before
    assert serving.stat().st_mtime_ns == published


def test_a_new_file_rebuilds_only_what_lies_downstream_of_its_stream(home: Path) -> None:
    before = builds(home)
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as conn:
        (evaluation_id, published_at) = conn.execute(
            "select evaluation_id, min(occurred_at) from raw.evaluation_reviews "
            "where event_type = 'published' group by all order by all limit 1"
        ).fetchall()[0]
    accepted = {
        "event_id": "rv-streamed-1",
        "evaluation_id": evaluation_id,
        "event_type": "accepted",
        "actor_id": "agt-0001",
        "occurred_at": (published_at + timedelta(minutes=5)).isoformat(),
    }
    landing = home / "landing" / "evaluation_reviews"
    with gzip.open(landing / ".late.jsonl.gz.tmp", "wt") as out:
        out.write(json.dumps(accepted) + "\n")
    (landing / ".late.jsonl.gz.tmp").rename(landing / "late.jsonl.gz")

    output = run(home, "--as-of", AS_OF.isoformat())
    after = builds(home)
    rebuilt = {name for name, at in after.items() if at > before[name]}
    reads_reviews = downstream(home, "raw.evaluation_reviews")
    assert "int_evaluations_reviewed" in reads_reviews
    # Everything downstream of the stream, and nothing that reads only other
    # streams, except the scores (the coaching run's trigger) and the marts
    # downstream of the marks, which the coaching run rebuilds.
    coaching = downstream(home, "coaching.marks") | downstream(home, "coaching.refused_events")
    assert rebuilt == reads_reviews | coaching | {"agent_attribute_scores"}
    for untouched in ("int_agent_attribute_days_aggregated", "int_interaction_scores_resolved"):
        assert untouched not in reads_reviews
        assert after[untouched] == before[untouched], untouched
    assert "phases: ingest" in output
    assert snapshot(
        home,
        f"select review_status from marts.review_queue where evaluation_id = '{evaluation_id}'",
    ) == [("Resolved",)]


def test_a_new_date_with_no_new_file_rebuilds_the_windows_and_the_marks(home: Path) -> None:
    before = builds(home)
    next_day = AS_OF + timedelta(days=1)
    output = run(home, "--as-of", next_day.isoformat())
    after = builds(home)
    rebuilt = {name for name, at in after.items() if at > before[name]}
    assert {"agent_attribute_scores", "coaching_marks", "coaching_monitor"} <= rebuilt
    # The resolved scores do not read the date: a new date leaves them alone.
    assert after["int_interaction_scores_resolved"] == before["int_interaction_scores_resolved"]
    assert any(line.startswith("phases: ingest") for line in output.splitlines())
    for mart in ("agent_attribute_scores", "coaching_monitor"):
        assert snapshot(home, f"select distinct as_of_date from marts.{mart}") == [(next_day,)]
    # The open marks are refreshed by this run's raise: they carry the new date.
    assert snapshot(home, "select max(as_of_date) from marts.coaching_marks") == [(next_day,)]
    # A second run for that date has nothing to do.
    assert "nothing new" in run(home, "--as-of", next_day.isoformat())


def test_a_full_refresh_after_incremental_runs_gives_the_same_marts(tmp_path: Path) -> None:
    # The landing zone delivered in three batches, each followed by a run.
    home, side = tmp_path / "home", tmp_path / "side"
    generate_sample(side, agents=8, days=DAYS, start=START, seed=5)
    days = sorted({p.name for p in side.glob("*/*")})
    for batch in (days[:6], days[6:10], days[10:]):
        for name in batch:
            for path in side.glob(f"*/{name}"):
                target = home / "landing" / path.parent.name / name
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.move(path, target)
        run(home, "--as-of", AS_OF.isoformat())
    incremental = _marts(home)
    # 12 days are too few for effectiveness (assignments 7 days old): every
    # other mart has rows to compare.
    empty = {mart for mart, rows in incremental.items() if not rows}
    assert len(incremental) >= 19 and empty <= {
        "coaching_effectiveness",
        "coaching_effectiveness_segments",
    }
    run(home, "--as-of", AS_OF.isoformat(), "--full-refresh")
    refreshed = _marts(home)
    for mart, rows in incremental.items():
        assert refreshed[mart] == rows, mart


def _marts(home: Path) -> dict[str, list[tuple]]:
    """Every mart of the snapshot, rows sorted, floats to 9 decimals."""

    def freeze(value: object) -> object:
        if isinstance(value, list | tuple):
            return tuple(freeze(v) for v in value)
        if isinstance(value, dict):
            return tuple((k, freeze(v)) for k, v in value.items())
        return round(value, 9) if isinstance(value, float) else value

    names = snapshot(home, "select table_name from duckdb_tables() where schema_name = 'marts'")
    return {
        name: sorted(
            (freeze(row) for row in snapshot(home, f"select * from marts.{name}")), key=repr
        )
        for (name,) in names
    }
