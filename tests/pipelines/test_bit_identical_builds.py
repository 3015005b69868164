"""Exact arithmetic (DESIGN.md section 3): the same landing zone gives
bit-identical tables on every build, whatever the order of delivery. Real
``coachwh run`` processes; every table is hashed row by row, floats as their
shortest exact text, so a difference in the last bit shows."""

import shutil
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest
from coachwh_process import coachwh

from assets.sample_stream import generate_sample

START = date(2026, 10, 1)
DAYS = 10
AS_OF = START + timedelta(days=DAYS - 1)
SCHEMAS = ("raw", "staging", "intermediate", "marts")
# When and by which run a row was ingested or built: lineage, not data.
LINEAGE = ("_ingested_at", "_run_id")
# Marks depend on the order their events arrive in until they are replayed in
# time order (issue 9, point 1, a change of its own): left out of the batched
# comparison, not of the clean-build one.
ORDER_DEPENDENT_MARKS = {"marts.coaching_marks"}


def run(home: Path) -> None:
    result = coachwh(home, "run", "--as-of", AS_OF.isoformat())
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def digests(home: Path) -> dict[str, tuple[int, str]]:
    """(rows, md5 of the sorted rows as text) of every table of SCHEMAS."""
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as conn:
        tables = conn.execute(
            "select schema_name || '.' || table_name from duckdb_tables() "
            f"where schema_name in {SCHEMAS} order by all"
        ).fetchall()
        out = {}
        for (table,) in tables:
            columns = {c for (c,) in conn.execute(f"select column_name from (describe {table})")}
            dropped = [c for c in LINEAGE if c in columns]
            rows = f"select * exclude ({', '.join(dropped)})" if dropped else "select *"
            out[table] = conn.execute(
                f"select count(*), md5(coalesce(string_agg(r::varchar, chr(10) "
                f"order by r::varchar), '')) from ({rows} from {table}) r"
            ).fetchone()
        return out


@pytest.fixture(scope="module")
def in_one_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[int, str]]:
    home = tmp_path_factory.mktemp("one_run")
    generate_sample(home / "landing", agents=8, days=DAYS, start=START, seed=5)
    run(home)
    return digests(home)


def test_two_clean_builds_are_bit_identical(in_one_run, tmp_path: Path) -> None:
    generate_sample(tmp_path / "landing", agents=8, days=DAYS, start=START, seed=5)
    run(tmp_path)
    again = digests(tmp_path)
    assert len(in_one_run) >= 30 and all(rows for rows, _ in in_one_run.values() if rows)
    assert [t for t in in_one_run if again.get(t) != in_one_run[t]] == []


def test_three_batches_build_what_one_run_builds_bit_for_bit(in_one_run, tmp_path) -> None:
    # Incremental runs add the same scores in another order and grouping.
    home, side = tmp_path / "home", tmp_path / "side"
    generate_sample(side, agents=8, days=DAYS, start=START, seed=5)
    days = sorted({p.name for p in side.glob("*/*")})
    for batch in (days[:4], days[4:7], days[7:]):
        for name in batch:
            for path in side.glob(f"*/{name}"):
                target = home / "landing" / path.parent.name / name
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.move(path, target)
        run(home)
    batched = digests(home)
    compared = set(in_one_run) - ORDER_DEPENDENT_MARKS
    assert [t for t in sorted(compared) if batched.get(t) != in_one_run[t]] == []
