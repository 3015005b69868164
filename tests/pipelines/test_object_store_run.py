"""`coachwh generate`, `run` and `status` as a user runs them, with the landing
zone on object storage (a real S3-API server on loopback)."""

import re
from pathlib import Path

import duckdb
import pytest
from coachwh_process import coachwh
from object_store import ObjectStore

from assets.landing_boundary import AT_ROOT
from models.streams import STREAMS


@pytest.mark.slow
def test_a_landing_zone_in_a_bucket_builds_the_marts_and_keeps_the_warehouse_local(
    s3_landing: ObjectStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COACHWH_LANDING", s3_landing.url + "/")  # a trailing slash is fine
    sample = ("--agents", "6", "--days", "10", "--start", "2026-11-01", "--seed", "2")
    generated = coachwh(tmp_path, "generate", *sample)
    assert generated.returncode == 0, generated.stderr[-3000:]
    files, rows = re.search(r"wrote (\d+) files, ([\d,]+) rows to s3://", generated.stdout).groups()
    keys = s3_landing.keys()
    assert len(keys) == int(files)
    assert {key.split("/")[0] for key in keys} == set(STREAMS)
    assert not (tmp_path / "landing").exists()
    s3_landing.put("notes.jsonl", b"{}\n")

    run = coachwh(tmp_path, "run", "--as-of", "2026-11-10")
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]

    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as conn:
        ledger = conn.execute(
            "select file, status, rows_total, rows_ok + rows_rejected + rows_duplicate "
            "from ingest.file_ledger"
        ).fetchall()
        assert sorted(file for file, *_ in ledger) == [f"{s3_landing.url}/{key}" for key in keys]
        assert {status for _, status, *_ in ledger} == {"ingested"}
        # Every row of every object is in the ledger's counts.
        assert sum(total for *_, total, _ in ledger) == int(rows.replace(",", ""))
        assert all(total == counted for *_, total, counted in ledger)
        for stream in STREAMS:
            ((landed,),) = conn.execute(f"select count(*) from raw.{stream}").fetchall()
            assert landed > 0, stream
        ((monitor,),) = conn.execute("select count(*) from marts.coaching_monitor").fetchall()
        assert monitor > 0
    # The warehouse, the copies' folder (empty once read) and the snapshot stay local.
    assert list((tmp_path / ".warehouse.duckdb.landing").iterdir()) == []
    with duckdb.connect(str(tmp_path / "serving" / "warehouse.duckdb"), read_only=True) as snap:
        ((published,),) = snap.execute("select count(*) from marts.coaching_monitor").fetchall()
        assert published == monitor

    status = coachwh(tmp_path, "status")
    assert status.returncode == 0, status.stderr
    ignored = status.stdout.split("ignored in the landing zone (not read)")[1]
    assert f"notes.jsonl  {AT_ROOT}" in ignored

    again = coachwh(tmp_path, "run", "--as-of", "2026-11-10")
    assert again.returncode == 0, again.stderr[-3000:]
    assert "nothing new: no file waiting in " + s3_landing.url in again.stdout
