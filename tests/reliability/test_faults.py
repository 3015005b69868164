"""The promises of docs/reliability.md, each proven by real ``coachwh run``
processes: kills in every phase, delivery order, bit-identical replays, two
runs at once."""

import json
import random
import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import pytest
from fault_injection import START, kill_when, land, run, sample, start_run, state

# A line each phase prints as it starts (or while it works).
PHASE_MARKERS = {
    "ingest": r"\[1/\d+\] \w+/\S+: ingested",
    "dbt": r"building \d+ of \d+ selected models",
    "marks": r"raising the coaching marks",
    "publish": r"publishing the serving snapshot",
}


@pytest.fixture(scope="module")
def landing_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return sample(tmp_path_factory.mktemp("sample"))


@pytest.fixture(scope="module")
def reference(landing_files: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The landing zone built by one unkilled run."""
    home = tmp_path_factory.mktemp("reference")
    land(sorted(landing_files.rglob("*.*")), landing_files, home / "landing")
    run(home)
    return home


def test_a_run_killed_in_any_phase_is_completed_by_the_next_one(
    landing_files: Path, reference: Path, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    land(sorted(landing_files.rglob("*.*")), landing_files, home / "landing")
    for phase, marker in PHASE_MARKERS.items():
        line = kill_when(start_run(home), marker)
        assert re.search(marker, line), phase
    run(home)
    assert state(home) == state(reference)
    serving = home / "serving"
    leftovers = [p.name for p in serving.rglob("*") if p.name.startswith(".")]
    assert leftovers == []
    assert "nothing new" in run(home)


def test_shuffled_delivery_gives_the_marks_of_in_order_delivery(
    landing_files: Path, reference: Path, tmp_path: Path
) -> None:
    # A manual mark on the first day for an area the scores mark automatically
    # (found in the reference build): delivered last, it arrives after the
    # auto mark of its area was raised.
    with duckdb.connect(str(reference / "warehouse.duckdb"), read_only=True) as conn:
        agent, attribute = conn.execute(
            "select agent_id, attribute_id from marts.coaching_marks "
            "where source = 'auto' order by all limit 1"
        ).fetchall()[0]
    source = tmp_path / "source"
    shutil.copytree(landing_files, source)
    manual = {
        "event_id": "ce-manual-early",
        "event_type": "mark_created",
        "occurred_at": f"{START.isoformat()}T09:00:00Z",
        "actor_id": "sup-1",
        "agent_id": agent,
        "attribute_ids": [attribute],
        "interaction_ids": [],
    }
    early = source / "coaching_events" / f"{START.isoformat()}.manual.jsonl"
    early.write_text(json.dumps(manual) + "\n", encoding="utf-8")

    files = sorted(source.rglob("*.*"))
    # In order: the days in three runs, oldest first.
    in_order = tmp_path / "in_order"
    for third in range(3):
        land(_days(files, third), source, in_order / "landing")
        run(in_order)
    # Shuffled: the other streams first, in a random order over two runs, and
    # every coaching event last.
    coaching = [p for p in files if p.parent.name == "coaching_events"]
    others = [p for p in files if p.parent.name != "coaching_events"]
    random.Random(5).shuffle(others)
    shuffled = tmp_path / "shuffled"
    for batch in (others[: len(others) // 2], others[len(others) // 2 :], coaching):
        land(batch, source, shuffled / "landing")
        run(shuffled)
    with duckdb.connect(str(shuffled / "warehouse.duckdb"), read_only=True) as conn:
        live = conn.execute(
            "select count(*) from marts.coaching_marks where agent_id = ? and attribute_id = ? "
            "and state in ('open', 'grouped')",
            [agent, attribute],
        ).fetchall()[0][0]
    assert live <= 1
    assert state(shuffled) == state(in_order)


def _days(files: list[Path], third: int) -> list[Path]:
    """The files of the ``third``-th third of the days (by file name)."""
    days = sorted({p.name.split(".")[0] for p in files})
    chosen = set(days[third * len(days) // 3 : (third + 1) * len(days) // 3])
    return [p for p in files if p.name.split(".")[0] in chosen]


def test_two_clean_builds_are_bit_identical(landing_files: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    for home in (first, second):
        land(sorted(landing_files.rglob("*.*")), landing_files, home / "landing")
        run(home)
    one, other = state(first), state(second)
    assert len(one) >= 7 + 16 + 1  # raw tables, marts, the ledger at least
    assert [table for table in one if one[table] != other[table]] == []


def test_two_runs_at_once_end_well_one_after_the_other(
    landing_files: Path, reference: Path, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    land(sorted(landing_files.rglob("*.*")), landing_files, home / "landing")
    first, second = start_run(home), start_run(home)
    # Both pipes are read at once: a run that fills its pipe while the
    # other is read first would block on its output, holding the warehouse.
    with ThreadPoolExecutor(max_workers=2) as pool:
        outputs = list(pool.map(lambda p: p.communicate(timeout=900)[0], (first, second)))
    assert [p.returncode for p in (first, second)] == [0, 0], outputs
    waited = [o for o in outputs if "waiting for the warehouse" in o]
    assert len(waited) == 1, "exactly one of the two runs waited"
    holder = second.pid if waited[0] is outputs[0] else first.pid
    assert f"PID {holder}" in waited[0]
    assert "Traceback" not in "".join(outputs)
    assert state(home) == state(reference)
    shutil.rmtree(home)
