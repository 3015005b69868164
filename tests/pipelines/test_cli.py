"""`coachwh demo` end to end (the session's demo, ``demo_home``), and the CLI's
status and errors."""

from pathlib import Path

import duckdb
from coachwh_process import coachwh

from models.streams import STREAMS

REPO = Path(__file__).resolve().parents[2]


def test_demo_ingests_every_stream_and_builds_the_marts(demo_home) -> None:
    home, output = demo_home
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as conn:
        files = dict(
            conn.execute(
                "select stream, count(*) from ingest.file_ledger "
                "where status = 'ingested' group by stream"
            ).fetchall()
        )
        assert set(files) == set(STREAMS)
        for stream in STREAMS:
            (rows,) = conn.execute(f"select count(*) from raw.{stream}").fetchone()
            assert rows > 0, stream
        (monitor_rows,) = conn.execute("select count(*) from marts.coaching_monitor").fetchone()
        assert monitor_rows > 0
    for stream in STREAMS:
        assert stream in output
    assert "rejected rows by reason" in output
    assert "marts.coaching_monitor" in output


def test_status_reports_the_ledger(demo_home) -> None:
    home, _ = demo_home
    result = coachwh(home, "status")
    assert result.returncode == 0, result.stderr
    assert "files ingested per stream" in result.stdout
    assert "auto_qa_scores" in result.stdout


def test_a_second_run_finds_nothing_new_and_changes_no_raw_row(demo_home) -> None:
    home, _ = demo_home
    query = "select count(*), sum(rows_ok) from ingest.file_ledger"
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as conn:
        before = conn.execute(query).fetchall()
    result = coachwh(home, "run")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as conn:
        assert conn.execute(query).fetchall() == before


def test_a_bad_date_is_a_clear_error(tmp_path: Path) -> None:
    result = coachwh(tmp_path, "run", "--as-of", "25/11/2026")
    assert result.returncode != 0
    assert "expected a date YYYY-MM-DD" in result.stderr


def test_status_lists_rejected_links_and_the_entries_the_landing_zone_ignores(
    tmp_path: Path,
) -> None:
    from assets.landing_boundary import AT_ROOT, SYMLINK_REFUSAL
    from assets.landing_zone import ingest_pending

    landing = tmp_path / "landing"
    (landing / "agents").mkdir(parents=True)
    (landing / "agents" / "passwd.jsonl").symlink_to("/etc/passwd")
    (landing / "notes.jsonl").write_text("{}\n")
    before = coachwh(tmp_path, "status")  # no warehouse yet: the landing zone all the same
    assert before.returncode == 0, before.stderr
    assert f"notes.jsonl  {AT_ROOT}" in before.stdout

    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as conn:
        ingest_pending(conn, landing)
    result = coachwh(tmp_path, "status")
    assert result.returncode == 0, result.stderr
    rejected = result.stdout.split("rejected files")[1].split("ignored in the landing zone")[0]
    assert f"agents  passwd.jsonl  {SYMLINK_REFUSAL}" in rejected
    ignored = result.stdout.split("ignored in the landing zone (not read)")[1]
    assert [line.rstrip() for line in ignored.splitlines()[1:4]] == [
        "  entry        reason",
        f"  notes.jsonl  {AT_ROOT}",
        "",
    ]
