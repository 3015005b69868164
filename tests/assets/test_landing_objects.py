"""The ingest rules of DESIGN.md section 4 on a landing zone on object storage:
a real S3-API server on loopback (the ``s3_landing`` fixture), a DuckDB file
under tmp_path."""

import gzip
import hashlib
import json
from pathlib import Path

import duckdb
import pytest
from object_store import ObjectStore
from stream_examples import VALID_ROWS

from assets.landing_boundary import AT_ROOT, inside_a_stream_folder, not_a_stream_folder
from assets.landing_objects import ObjectStoreError, ObjectStoreLanding, open_landing
from assets.landing_zone import CHANGING, ingest_pending


def score(event_id: str, **changes: object) -> str:
    return json.dumps({**VALID_ROWS["auto_qa_scores"], "event_id": event_id, **changes})


def ndjson(lines: list[str]) -> bytes:
    return ("\n".join(lines) + "\n").encode()


def ledger(conn: duckdb.DuckDBPyConnection) -> dict[str, tuple]:
    rows = conn.execute(
        "select file, stream, status, rows_total, rows_ok, rows_rejected, rows_duplicate "
        "from ingest.file_ledger"
    ).fetchall()
    return {row[0]: row[1:] for row in rows}


@pytest.fixture
def conn(tmp_path: Path):
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as connection:
        yield connection


@pytest.fixture
def copies(tmp_path: Path) -> Path:
    return tmp_path / ".warehouse.duckdb.landing"


@pytest.fixture
def zone(s3_landing: ObjectStore, copies: Path) -> ObjectStoreLanding:
    landing = open_landing(s3_landing.url, copies)
    assert isinstance(landing, ObjectStoreLanding)
    return landing


def test_objects_land_and_the_ledger_names_each_by_its_url(
    s3_landing: ObjectStore, zone, conn, copies
) -> None:
    scores = ndjson([score("q1"), score("q2", score=140), "not JSON", score("q3")])
    scores_url = s3_landing.put("auto_qa_scores/2026-11-02.jsonl", scores)
    agents = gzip.compress(ndjson([json.dumps(VALID_ROWS["agents"])]))
    agents_url = s3_landing.put("agents/2026-11-02.jsonl.gz", agents)

    results = ingest_pending(conn, zone, run_id="r1")

    assert [(r.file, r.status) for r in results] == [
        (agents_url, "ingested"),
        (scores_url, "ingested"),
    ]
    # 4 rows: q1 and q3 land, the score of 140 and the line that is not JSON are rejected.
    assert ledger(conn) == {
        agents_url: ("agents", "ingested", 1, 1, 0, 0),
        scores_url: ("auto_qa_scores", "ingested", 4, 2, 2, 0),
    }
    assert scores_url == f"s3://{s3_landing.bucket}/landing/auto_qa_scores/2026-11-02.jsonl"
    shas = dict(conn.execute("select file, sha256 from ingest.file_ledger").fetchall())
    assert shas == {
        agents_url: hashlib.sha256(agents).hexdigest(),
        scores_url: hashlib.sha256(scores).hexdigest(),
    }
    landed = conn.execute("select event_id, _file, _line_no from raw.auto_qa_scores order by 1")
    assert landed.fetchall() == [("q1", scores_url, 1), ("q3", scores_url, 4)]
    rejected = conn.execute("select file, line_no, reason from ingest.rejected_rows order by 2")
    ((file2, line2, reason2), (file3, line3, reason3)) = rejected.fetchall()
    assert (file2, line2, file3, line3) == (scores_url, 2, scores_url, 3)
    assert reason2.startswith("score: Input should be less than or equal to 100")
    assert reason3.startswith("row: Invalid JSON")
    # Each copy is removed once read.
    assert list(copies.iterdir()) == []


def test_the_same_object_again_and_the_same_events_in_another_object_change_nothing(
    s3_landing: ObjectStore, zone, conn
) -> None:
    first = ndjson([score("q1"), score("q2")])
    s3_landing.put("auto_qa_scores/a.jsonl", first)
    ingest_pending(conn, zone)
    before = conn.execute("select * exclude (_ingested_at) from raw.auto_qa_scores").fetchall()

    s3_landing.put("auto_qa_scores/a.jsonl", first)  # delivered again under the same key
    assert ingest_pending(conn, zone) == []
    b_url = s3_landing.put("auto_qa_scores/b.jsonl", ndjson([score("q2"), score("q1")]))
    (result,) = ingest_pending(conn, zone)

    assert (result.file, result.rows_ok, result.rows_duplicate) == (b_url, 0, 2)
    after = conn.execute("select * exclude (_ingested_at) from raw.auto_qa_scores").fetchall()
    assert after == before
    assert conn.execute("select count(*) from ingest.file_ledger").fetchall() == [(2,)]


def test_a_truncated_gzip_is_rejected_whole_and_the_next_object_goes_on(
    s3_landing: ObjectStore, zone, conn
) -> None:
    whole = gzip.compress(ndjson([score(f"q{i}") for i in range(50)]))
    broken_url = s3_landing.put("auto_qa_scores/2026-11-01.jsonl.gz", whole[:-20])
    next_url = s3_landing.put(
        "auto_qa_scores/2026-11-02.jsonl.gz", gzip.compress(ndjson([score("q99")]))
    )

    ingest_pending(conn, zone)

    ((status, error, sha),) = conn.execute(
        "select status, error, sha256 from ingest.file_ledger where file = ?", [broken_url]
    ).fetchall()
    assert status == "rejected"
    assert error.startswith("gzip stream cannot be read to its end")
    assert sha == hashlib.sha256(whole[:-20]).hexdigest()
    assert ledger(conn)[next_url] == ("auto_qa_scores", "ingested", 1, 1, 0, 0)
    assert conn.execute("select event_id from raw.auto_qa_scores").fetchall() == [("q99",)]
    assert conn.execute("select count(*) from ingest.rejected_rows").fetchall() == [(0,)]


def test_temporary_names_are_never_read_and_other_objects_are_listed_as_ignored(
    s3_landing: ObjectStore, zone, conn
) -> None:
    s3_landing.put("auto_qa_scores/2026-11-03.jsonl.tmp", ndjson([score("t1")]))
    s3_landing.put("auto_qa_scores/.2026-11-03.jsonl", ndjson([score("t2")]))
    s3_landing.put("auto_qa_scores/.uploads/part.jsonl", ndjson([score("t3")]))
    s3_landing.put("notes.jsonl", ndjson([score("r1")]))  # at the prefix root
    s3_landing.put("scores/a.jsonl", ndjson([score("u1")]))  # not a stream's folder
    s3_landing.put("auto_qa_scores/2026/11/deep.jsonl", ndjson([score("n1")]))
    s3_landing.put("agents/", b"")  # a folder marker, as consoles create them
    ok_url = s3_landing.put("auto_qa_scores/ok.jsonl", ndjson([score("q1")]))

    listing = zone.listing()

    assert [(f.stream, f.name, f.path) for f in listing.files] == [
        ("auto_qa_scores", "ok.jsonl", ok_url)
    ]
    nested = inside_a_stream_folder("auto_qa_scores")
    assert [(e.path, e.reason, e.stream) for e in listing.ignored] == [
        ("auto_qa_scores/2026/", nested, "auto_qa_scores"),
        ("auto_qa_scores/2026/11/", nested, "auto_qa_scores"),
        ("auto_qa_scores/2026/11/deep.jsonl", nested, "auto_qa_scores"),
        ("notes.jsonl", AT_ROOT, None),
        ("scores/", not_a_stream_folder("scores"), None),
        ("scores/a.jsonl", not_a_stream_folder("scores"), None),
    ]
    ingest_pending(conn, zone)
    assert list(ledger(conn)) == [ok_url]
    assert conn.execute("select event_id from raw.auto_qa_scores").fetchall() == [("q1",)]


class ProducerRewritesDuringTheRead:
    """A real connection; a producer uploads the object anew the moment the
    engine asks DuckDB to read it (once)."""

    def __init__(self, conn: duckdb.DuckDBPyConnection, rewrite) -> None:
        self._conn, self._rewrite = conn, rewrite

    def execute(self, sql: str, *args: object) -> duckdb.DuckDBPyConnection:
        if self._rewrite is not None and "read_json(" in sql:
            self._rewrite()
            self._rewrite = None
        return self._conn.execute(sql, *args)

    def __getattr__(self, name: str) -> object:
        return getattr(self._conn, name)


def test_an_object_that_changes_while_it_is_read_lands_nothing_and_is_read_again(
    s3_landing: ObjectStore, zone, conn
) -> None:
    key = "auto_qa_scores/growing.jsonl"
    s3_landing.put(key, ndjson([score(f"q{i}") for i in range(24)]))
    whole = ndjson([score(f"q{i}") for i in range(40)])
    said: list[str] = []

    (first,) = ingest_pending(
        ProducerRewritesDuringTheRead(conn, lambda: s3_landing.put(key, whole)),
        zone,
        progress=said.append,
    )

    # 24 rows read, then 40 uploaded: the size differs, and so does the ETag.
    assert first.status == CHANGING
    assert first.error == "replaced while it was read; nothing landed, the next run reads it again"
    assert any("growing.jsonl: changing, replaced while it was read" in line for line in said)
    assert ledger(conn) == {}
    assert conn.execute("select count(*) from raw.auto_qa_scores").fetchall() == [(0,)]

    (second,) = ingest_pending(conn, zone)
    assert (second.status, second.rows_ok) == ("ingested", 40)
    ((sha,),) = conn.execute("select sha256 from ingest.file_ledger").fetchall()
    assert sha == hashlib.sha256(whole).hexdigest()


def test_an_object_removed_while_it_is_read_lands_nothing(
    s3_landing: ObjectStore, zone, conn
) -> None:
    key = "auto_qa_scores/gone.jsonl"
    s3_landing.put(key, ndjson([score("q1")]))
    (result,) = ingest_pending(
        ProducerRewritesDuringTheRead(conn, lambda: s3_landing.remove(key)), zone
    )
    assert (result.status, result.error) == (
        CHANGING,
        "removed while it was read; nothing landed, the next run reads it again",
    )
    assert ledger(conn) == {}
    assert ingest_pending(conn, zone) == []  # gone: nothing pending


def test_copies_a_killed_run_left_are_removed_by_the_next_read(
    s3_landing: ObjectStore, zone, conn, copies
) -> None:
    copies.mkdir()
    (copies / "0123abcd.jsonl").write_text(score("left") + "\n")
    s3_landing.put("auto_qa_scores/a.jsonl", ndjson([score("q1")]))
    ingest_pending(conn, zone)
    assert list(copies.iterdir()) == []
    assert conn.execute("select event_id from raw.auto_qa_scores").fetchall() == [("q1",)]


def test_a_bucket_that_does_not_exist_is_an_error_naming_the_landing_zone(
    s3_landing: ObjectStore,
) -> None:
    url = f"s3://{s3_landing.bucket}-missing/landing"
    with pytest.raises(ObjectStoreError, match=f"cannot list {url}"):
        open_landing(url).listing()
