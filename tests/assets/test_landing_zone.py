"""Ingest rules of DESIGN.md section 4, on a DuckDB file under tmp_path."""

import gzip
import hashlib
import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest
from stream_examples import VALID_COACHING_EVENTS, VALID_ROWS, coaching_event

from assets.landing_boundary import (
    AT_ROOT,
    OUTSIDE_REFUSAL,
    SYMLINK_REFUSAL,
    FileState,
    change_during_read,
    list_landing,
    refusal,
)
from assets.landing_zone import CHANGING, _stage, ingest_pending
from assets.warehouse_schema import raw_table_ddl
from models.streams import STREAMS

REPO = Path(__file__).resolve().parents[2]


def write_lines(landing: Path, stream: str, name: str, lines: list[str]) -> Path:
    path = landing / stream / name
    path.parent.mkdir(parents=True, exist_ok=True)
    data = ("\n".join(lines) + "\n").encode()
    path.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    return path


def score(event_id: str, **changes: object) -> str:
    return json.dumps({**VALID_ROWS["auto_qa_scores"], "event_id": event_id, **changes})


def ledger(conn: duckdb.DuckDBPyConnection) -> dict[str, tuple]:
    rows = conn.execute(
        "select stream || '/' || file, status, rows_total, rows_ok, rows_rejected, "
        "rows_duplicate from ingest.file_ledger"
    ).fetchall()
    return {row[0]: row[1:] for row in rows}


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    return tmp_path / "landing"


@pytest.fixture
def conn(tmp_path: Path):
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as connection:
        yield connection


def test_bad_rows_are_rejected_with_reasons_and_good_rows_land(landing, conn) -> None:
    write_lines(
        landing,
        "auto_qa_scores",
        "2026-11-02.jsonl",
        [
            score("q1"),
            "this is not JSON",
            score("q2", score="eighty"),
            score("q3", score=140),
            json.dumps({k: v for k, v in json.loads(score("q4")).items() if k != "agent_id"}),
            score("q5", attribute_id="resolution"),
        ],
    )
    write_lines(
        landing,
        "coaching_events",
        "2026-11-02.jsonl",
        [
            json.dumps(coaching_event("mark_created", "c1")),
            json.dumps({**coaching_event("note_added", "c2"), "event_type": "high_five"}),
        ],
    )
    results = ingest_pending(conn, landing)

    assert ledger(conn) == {
        "auto_qa_scores/2026-11-02.jsonl": ("ingested", 6, 2, 4, 0),
        "coaching_events/2026-11-02.jsonl": ("ingested", 2, 1, 1, 0),
    }
    assert [(r.stream, r.rows_ok, r.rows_rejected) for r in results] == [
        ("auto_qa_scores", 2, 4),
        ("coaching_events", 1, 1),
    ]
    landed = conn.execute("select event_id from raw.auto_qa_scores order by 1").fetchall()
    assert landed == [("q1",), ("q5",)]
    rejected = dict(
        conn.execute(
            "select line_no, reason from ingest.rejected_rows where stream = 'auto_qa_scores'"
        ).fetchall()
    )
    assert set(rejected) == {2, 3, 4, 5}
    assert rejected[2].startswith("row: Invalid JSON")
    assert rejected[3].startswith("score: Input should be a valid number")
    assert rejected[4].startswith("score: Input should be less than or equal to 100")
    assert rejected[5] == "agent_id: Field required"
    ((raw, reason),) = conn.execute(
        "select raw, reason from ingest.rejected_rows where stream = 'coaching_events'"
    ).fetchall()
    assert "high_five" in raw and reason.startswith("event_type: Input tag 'high_five'")


def test_ledger_counts_add_up_to_the_rows_of_each_file(landing, conn) -> None:
    write_lines(landing, "auto_qa_scores", "a.jsonl", [score("q1"), score("q1"), "{", ""])
    ingest_pending(conn, landing)
    ((total, ok, rejected, duplicate),) = conn.execute(
        "select rows_total, rows_ok, rows_rejected, rows_duplicate from ingest.file_ledger"
    ).fetchall()
    # The blank line is not a row; the second copy of q1 is a duplicate.
    assert (total, ok, rejected, duplicate) == (3, 1, 1, 1)
    assert ok + rejected + duplicate == total


def test_truncated_gzip_is_rejected_whole_and_the_next_file_goes_on(landing, conn) -> None:
    broken = write_lines(landing, "auto_qa_scores", "2026-11-01.jsonl.gz", [score("q1")] * 50)
    broken.write_bytes(broken.read_bytes()[:-20])
    write_lines(landing, "auto_qa_scores", "2026-11-02.jsonl.gz", [score("q2")])
    ingest_pending(conn, landing)

    status, error = conn.execute(
        "select status, error from ingest.file_ledger where file = '2026-11-01.jsonl.gz'"
    ).fetchall()[0]
    assert status == "rejected" and "gzip" in error
    assert ledger(conn)["auto_qa_scores/2026-11-02.jsonl.gz"] == ("ingested", 1, 1, 0, 0)
    assert conn.execute("select event_id from raw.auto_qa_scores").fetchall() == [("q2",)]


def test_bytes_that_are_not_text_and_a_bad_parquet_are_rejected(landing, conn) -> None:
    (landing / "agents").mkdir(parents=True)
    (landing / "agents" / "a.jsonl").write_bytes(b'{"agent_id": "\xff\xfe"}\n')
    (landing / "interactions").mkdir(parents=True)
    (landing / "interactions" / "b.parquet").write_bytes(b"PAR1 not really")
    ingest_pending(conn, landing)
    assert {f: row[0] for f, row in ledger(conn).items()} == {
        "agents/a.jsonl": "rejected",
        "interactions/b.parquet": "rejected",
    }


def test_parquet_rows_are_validated_like_json(landing, conn, tmp_path) -> None:
    folder = landing / "interactions"
    folder.mkdir(parents=True)
    rows = [
        {**VALID_ROWS["interactions"], "interaction_id": "i1"},
        {**VALID_ROWS["interactions"], "interaction_id": "i2", "channel": "fax"},
    ]
    source = tmp_path / "rows.json"
    source.write_text("\n".join(json.dumps(r) for r in rows))
    with duckdb.connect() as scratch:
        scratch.execute(
            f"copy (select * replace (started_at::timestamptz as started_at) "
            f"from read_json('{source}')) to '{folder / 'd.parquet'}' (format parquet)"
        )
    ingest_pending(conn, landing)
    assert conn.execute("select interaction_id from raw.interactions").fetchall() == [("i1",)]
    ((line, reason),) = conn.execute("select line_no, reason from ingest.rejected_rows").fetchall()
    assert line == 2 and reason.startswith("channel:")


# A score as written, and the score kept (DESIGN.md section 3: 3 decimals,
# rounded half-even). Worked by hand: a tie (a 5 in the 4th decimal and
# nothing after it) goes to the even 3rd decimal; anything past the tie goes
# to the nearest. 0.0625 and 0.1875 are ties even in binary, so no reading of
# the float can tip them.
KEPT_SCORES = {
    "71.2345": 71.234,  # tie, 4 is even: stays
    "71.2355": 71.236,  # tie, 5 is odd: up to 6
    "71.2365": 71.236,  # tie, 6 is even: stays (round() would give 71.237)
    "0.0625": 0.062,  # tie, 2 is even: stays
    "0.1875": 0.188,  # tie, 7 is odd: up to 8
    "99.9995": 100.0,  # tie, 9 is odd: up, carried to 100 (in range as written)
    "71.23451": 71.235,  # past the tie: up
    "71.2344999": 71.234,  # short of the tie: down
    "0.0004": 0.0,
    "80": 80.0,
}


@pytest.mark.parametrize("path", ["fast-path", "line-by-line", "parquet"])
def test_scores_are_kept_to_3_decimals_rounded_half_even(landing, conn, tmp_path, path) -> None:
    rows = [
        {**VALID_ROWS["auto_qa_scores"], "event_id": f"q{n}", "score": float(written)}
        for n, written in enumerate(KEPT_SCORES)
    ]
    if path == "parquet":
        source = tmp_path / "rows.json"
        source.write_text("\n".join(json.dumps(r) for r in rows))
        (landing / "auto_qa_scores").mkdir(parents=True)
        with duckdb.connect() as scratch:
            scratch.execute(
                f"copy (select * from read_json('{source}')) "
                f"to '{landing / 'auto_qa_scores' / 'd.parquet'}' (format parquet)"
            )
    else:
        # The written text itself, not Python's float of it.
        lines = [
            json.dumps(row).replace(repr(row["score"]), written)
            for row, written in zip(rows, KEPT_SCORES, strict=True)
        ]
        if path == "line-by-line":
            lines.append("not JSON: the file is read line by line")
        write_lines(landing, "auto_qa_scores", "d.jsonl", lines)
    ingest_pending(conn, landing)
    kept = dict(conn.execute("select event_id, score from raw.auto_qa_scores").fetchall())
    assert [kept[f"q{n}"] for n in range(len(KEPT_SCORES))] == list(KEPT_SCORES.values())
    # pydantic keeps the same value, the one the bulk SQL stores
    for row, expected in zip(rows, KEPT_SCORES.values(), strict=True):
        assert STREAMS["auto_qa_scores"].validate(row).score == expected


def test_a_target_score_is_kept_like_a_score_and_its_range_is_checked_as_written(
    landing, conn
) -> None:
    attribute = VALID_ROWS["attributes"]
    lines = [
        json.dumps({**attribute, "attribute_id": "a", "target_score": 72.0005}),  # tie: 72.000
        json.dumps({**attribute, "attribute_id": "b", "target_score": 100.0004}),  # > 100
    ]
    write_lines(landing, "attributes", "d.jsonl", lines)
    ingest_pending(conn, landing)
    assert conn.execute("select attribute_id, target_score from raw.attributes").fetchall() == [
        ("a", 72.0)
    ]
    ((reason,),) = conn.execute("select reason from ingest.rejected_rows").fetchall()
    assert reason.startswith("target_score:")


def test_the_same_file_twice_and_the_same_event_in_two_files_change_nothing(landing, conn) -> None:
    write_lines(landing, "auto_qa_scores", "a.jsonl", [score("q1"), score("q2")])
    ingest_pending(conn, landing)
    before = conn.execute("select * exclude (_ingested_at) from raw.auto_qa_scores").fetchall()

    assert ingest_pending(conn, landing) == []  # the same file again: nothing pending
    write_lines(landing, "auto_qa_scores", "b.jsonl", [score("q2"), score("q1")])
    (result,) = ingest_pending(conn, landing)

    assert (result.rows_ok, result.rows_duplicate) == (0, 2)
    after = conn.execute("select * exclude (_ingested_at) from raw.auto_qa_scores").fetchall()
    assert after == before


def test_re_deliveries_at_both_ends_of_a_batchs_time_span_are_found(landing, conn) -> None:
    # A batch's keys are looked up among the raw rows of its span of
    # interaction_at (models.base.StreamRecord.dedup_time): its first and last
    # times included, whatever lies between or outside.
    at = {day: f"2026-{day}T10:00:00Z" for day in ("01-01", "03-01", "06-01", "12-01")}
    for name, (event_id, day) in {
        "a.jsonl": ("q1", "01-01"),
        "b.jsonl": ("q2", "06-01"),
        "c.jsonl": ("q3", "12-01"),
    }.items():
        write_lines(landing, "auto_qa_scores", name, [score(event_id, interaction_at=at[day])])
    ingest_pending(conn, landing)
    write_lines(
        landing,
        "auto_qa_scores",
        "d.jsonl",
        [
            score("q3", interaction_at=at["12-01"]),
            score("q4", interaction_at=at["03-01"]),
            score("q1", interaction_at=at["01-01"]),
            score("q5", interaction_at="2020-01-01T00:00:00Z", score=101),
        ],
    )
    (result,) = ingest_pending(conn, landing)

    assert (result.rows_ok, result.rows_duplicate, result.rows_rejected) == (1, 2, 1)
    ids = conn.execute("select event_id from raw.auto_qa_scores order by event_id").fetchall()
    assert ids == [("q1",), ("q2",), ("q3",), ("q4",)]


def test_every_dedup_time_is_a_required_timestamp_of_its_stream() -> None:
    for contract in STREAMS.values():
        (column,) = [c for c in contract.columns if c.name == contract.dedup_time]
        assert (column.sql_type, column.required) == ("TIMESTAMPTZ", True), contract.name


def test_a_text_in_brackets_keeps_the_fast_path_and_a_real_array_is_read_line_by_line(
    landing, conn
) -> None:
    contract = STREAMS["auto_qa_scores"]
    texts = write_lines(
        landing,
        "auto_qa_scores",
        "texts.jsonl",
        [score("q1", evidence_quote="[silence]"), score("q2", evidence_quote="{laughs} ok")],
    )
    array = write_lines(
        landing, "auto_qa_scores", "array.jsonl", [score("q3", evidence_quote=["not", "text"])]
    )
    # _stage returns the lines it split only when it had to read line by line.
    assert _stage(conn, contract, texts) is None
    assert _stage(conn, contract, array) is not None

    results = {r.file: r for r in ingest_pending(conn, landing)}
    assert (results["texts.jsonl"].rows_ok, results["array.jsonl"].rows_rejected) == (2, 1)
    quotes = conn.execute("select evidence_quote from raw.auto_qa_scores order by event_id")
    assert quotes.fetchall() == [("[silence]",), ("{laughs} ok",)]


def test_temporary_and_hidden_files_are_never_read(landing, conn) -> None:
    write_lines(landing, "auto_qa_scores", "a.jsonl.tmp", [score("q1")])
    write_lines(landing, "auto_qa_scores", ".a.jsonl", [score("q2")])
    assert ingest_pending(conn, landing) == []


_KILLED_WRITER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    import duckdb
    from assets.landing_zone import ingest_pending

    class HangBeforeLedger:
        # A DuckDB connection that stops for good when the ledger entry is
        # about to be written: the file's rows are then inserted, uncommitted.
        def __init__(self, conn):
            self._conn = conn

        def execute(self, sql, *args):
            if sql.lstrip().startswith("insert into ingest.file_ledger"):
                print("inside-transaction", flush=True)
                time.sleep(600)
            return self._conn.execute(sql, *args)

        def __getattr__(self, name):
            return getattr(self._conn, name)

    conn = HangBeforeLedger(duckdb.connect(sys.argv[1]))
    ingest_pending(conn, Path(sys.argv[2]))
    """
)


def test_a_process_killed_mid_file_leaves_nothing_and_the_rerun_ingests_once(
    landing, tmp_path
) -> None:
    lines = [score(f"q{i}") for i in range(20_000)] + ["not json"]
    write_lines(landing, "auto_qa_scores", "big.jsonl.gz", lines)
    database = tmp_path / "warehouse.duckdb"
    writer = subprocess.Popen(
        [sys.executable, "-c", _KILLED_WRITER, str(database), str(landing)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout.readline().strip() == "inside-transaction"
    finally:
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait()
    assert writer.returncode == -signal.SIGKILL

    with duckdb.connect(str(database)) as conn:
        # The killed process had inserted the file's rows: none survived.
        assert conn.execute("select count(*) from raw.auto_qa_scores").fetchall() == [(0,)]
        assert conn.execute("select count(*) from ingest.file_ledger").fetchall() == [(0,)]
        ingest_pending(conn, landing)
        ingest_pending(conn, landing)
        assert conn.execute("select count(*) from raw.auto_qa_scores").fetchall() == [(20_000,)]
        assert ledger(conn) == {"auto_qa_scores/big.jsonl.gz": ("ingested", 20_001, 20_000, 1, 0)}


def test_rule_breaks_in_a_readable_file_keep_their_line_numbers(landing, conn) -> None:
    # Every line is JSON of the right types, so DuckDB's reader takes the file
    # whole; the blank line must not shift the reported line numbers.
    write_lines(
        landing,
        "auto_qa_scores",
        "a.jsonl",
        [score("q1"), "", score("q2", score=140), score("q3", agent_id=None)],
    )
    ingest_pending(conn, landing)
    rejected = conn.execute(
        "select line_no, raw, reason from ingest.rejected_rows order by line_no"
    ).fetchall()
    assert [(line, reason.split(":")[0]) for line, _, reason in rejected] == [
        (3, "score"),
        (4, "agent_id"),
    ]
    assert json.loads(rejected[0][1])["event_id"] == "q2"


_MUTATIONS: list[tuple[str, object]] = [
    ("drop", None),
    ("set", None),
    ("set", "not a value"),
    ("set", -1),
    ("set", 101),
    ("set", 0),
    ("set", ""),
    ("set", []),
    ("set", ["x", 1]),
    ("set", {"a": 1}),
    ("set", True),
    ("set", "2026-13-45"),
    ("set", "80"),
]


def _mutated_rows() -> list[tuple[str, dict]]:
    rows = [(stream, row) for stream, row in VALID_ROWS.items()]
    rows += [("coaching_events", coaching_event(t)) for t in sorted(VALID_COACHING_EVENTS)]
    mutated = []
    for stream, row in rows:
        for field in row:
            for action, value in _MUTATIONS:
                changed = dict(row)
                if action == "drop":
                    del changed[field]
                else:
                    changed[field] = value
                mutated.append((stream, changed))
    return mutated


@pytest.mark.parametrize("one_file_per_row", [False, True], ids=["line-by-line", "fast-path"])
def test_bulk_checks_and_pydantic_agree_on_every_mutation(
    landing, conn, one_file_per_row: bool
) -> None:
    """The SQL checks derive from the contracts: they reject exactly the rows
    pydantic rejects, both when a file is read line by line (some line breaks
    DuckDB's reader) and when DuckDB's reader takes a file whole."""
    by_stream: dict[str, list[str]] = {}
    for stream, row in _mutated_rows():
        by_stream.setdefault(stream, []).append(json.dumps(row))
    for stream, lines in by_stream.items():
        if one_file_per_row:
            for n, line in enumerate(lines, start=1):
                write_lines(landing, stream, f"{n:05d}.jsonl", [line])
        else:
            write_lines(landing, stream, "00001.jsonl", lines)
    ingest_pending(conn, landing)
    rejected = {
        (stream, file, line)
        for stream, file, line in conn.execute(
            "select stream, file, line_no from ingest.rejected_rows"
        ).fetchall()
    }
    disagreements = []
    for stream, lines in by_stream.items():
        for n, line in enumerate(lines, start=1):
            where = (
                (stream, f"{n:05d}.jsonl", 1) if one_file_per_row else (stream, "00001.jsonl", n)
            )
            pydantic_rejects = STREAMS[stream].rejection_reason(line) is not None
            if (where in rejected) != pydantic_rejects:
                disagreements.append((pydantic_rejects, stream, line))
    assert disagreements == []


# --- the landing zone is a boundary ---------------------------------------------


def all_text_read(conn: duckdb.DuckDBPyConnection) -> str:
    """Everything the warehouse holds of what it read: raw rows and rejected rows."""
    tables = [f"select to_json(r)::varchar as text from raw.{stream} r" for stream in STREAMS]
    tables.append("select raw from ingest.rejected_rows")
    ((text,),) = conn.execute(
        f"select coalesce(string_agg(text, ' '), '') from ({' union all '.join(tables)})"
    ).fetchall()
    return text


def test_symlinks_in_a_stream_folder_are_rejected_unread_and_counted_once(
    landing, conn, tmp_path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.jsonl").write_text(score("secret-event") + "\n")
    folder = landing / "auto_qa_scores"
    write_lines(landing, "auto_qa_scores", "real.jsonl", [score("q1")])
    (folder / "passwd.jsonl").symlink_to("/etc/passwd")
    (folder / "outside.jsonl").symlink_to(outside / "secret.jsonl")
    (folder / "inside.jsonl").symlink_to(folder / "real.jsonl")  # even within the zone
    (folder / "linked-folder").symlink_to(outside, target_is_directory=True)
    (folder / "broken.jsonl").symlink_to(tmp_path / "nowhere.jsonl")

    first = ingest_pending(conn, landing)
    again = ingest_pending(conn, landing)

    links = ["broken.jsonl", "inside.jsonl", "linked-folder", "outside.jsonl", "passwd.jsonl"]
    assert [(r.file, r.status, r.error) for r in first] == [
        (name, "rejected", SYMLINK_REFUSAL) for name in links
    ] + [("real.jsonl", "ingested", None)]
    assert again == []  # recorded once: nothing pending the second time
    rows = conn.execute(
        "select file, status, sha256, rows_total, error from ingest.file_ledger order by file"
    ).fetchall()
    assert rows == [(name, "rejected", None, 0, SYMLINK_REFUSAL) for name in links] + [
        (
            "real.jsonl",
            "ingested",
            hashlib.sha256(score("q1").encode() + b"\n").hexdigest(),
            1,
            None,
        )
    ]
    assert conn.execute("select event_id from raw.auto_qa_scores").fetchall() == [("q1",)]
    assert conn.execute("select count(*) from ingest.rejected_rows").fetchall() == [(0,)]
    read = all_text_read(conn)
    assert "secret-event" not in read and "root:" not in read


def test_a_fifo_in_a_stream_folder_is_rejected_without_being_opened(landing, conn) -> None:
    folder = landing / "agents"
    folder.mkdir(parents=True)
    os.mkfifo(folder / "pipe.jsonl")  # opening it would wait for a writer forever
    (result,) = ingest_pending(conn, landing)
    assert (result.status, result.error) == ("rejected", "not a regular file: not read")


def test_a_stream_folder_swapped_for_a_symlink_after_listing_resolves_outside(
    landing, tmp_path
) -> None:
    write_lines(landing, "agents", "a.jsonl", ["{}"])
    (file,) = list_landing(landing).files
    elsewhere = tmp_path / "elsewhere"
    (landing / "agents").rename(elsewhere)
    (landing / "agents").symlink_to(elsewhere, target_is_directory=True)
    # The file itself is a regular file; the way to it leaves the zone.
    assert refusal(landing, file, file.path.lstat()) == OUTSIDE_REFUSAL


def test_entries_that_are_not_read_are_listed_with_the_reason_and_never_read(
    landing, conn, tmp_path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.jsonl").write_text(score("secret-event") + "\n")
    write_lines(landing, "auto_qa_scores", "ok.jsonl", [score("q1")])
    write_lines(landing, "auto_qa_scores", "x.jsonl/inner.jsonl", [score("q2")])
    write_lines(landing, "auto_qa_scores", "2026/11/deep.jsonl", [score("q3")])
    write_lines(landing, "auto_qa_scores", "sub.tmp/hidden-by-name.jsonl", [score("q4")])
    write_lines(landing, "scores", "a.jsonl", [score("q5")])  # not a stream
    write_lines(landing, "scores", ".partial.jsonl", [score("q6")])
    (landing / "scores" / "link.jsonl").symlink_to("/etc/passwd")
    (landing / "notes.jsonl").write_text(score("q7") + "\n")
    (landing / ".in-progress").mkdir()
    (landing / "agents").symlink_to(outside, target_is_directory=True)

    listing = list_landing(landing)

    nested = "a folder in auto_qa_scores/ or inside one: only a stream folder's own files are read"
    unknown = "scores/ is not a stream folder: not read"
    assert [(f.stream, f.name) for f in listing.files] == [("auto_qa_scores", "ok.jsonl")]
    assert [(e.path, e.reason, e.stream) for e in listing.ignored] == [
        ("agents", SYMLINK_REFUSAL, "agents"),
        ("auto_qa_scores/2026/", nested, "auto_qa_scores"),
        ("auto_qa_scores/2026/11/", nested, "auto_qa_scores"),
        ("auto_qa_scores/2026/11/deep.jsonl", nested, "auto_qa_scores"),
        ("auto_qa_scores/x.jsonl/", nested, "auto_qa_scores"),
        ("auto_qa_scores/x.jsonl/inner.jsonl", nested, "auto_qa_scores"),
        ("notes.jsonl", AT_ROOT, None),
        ("scores/", unknown, None),
        ("scores/a.jsonl", unknown, None),
        ("scores/link.jsonl", SYMLINK_REFUSAL, None),
    ]

    said: list[str] = []
    ingest_pending(conn, landing, ["auto_qa_scores"], progress=said.append)
    assert said[:5] == [
        f"ignored {path}: {nested}"
        for path in [
            "auto_qa_scores/2026/",
            "auto_qa_scores/2026/11/",
            "auto_qa_scores/2026/11/deep.jsonl",
            "auto_qa_scores/x.jsonl/",
            "auto_qa_scores/x.jsonl/inner.jsonl",
        ]
    ]
    ingest_pending(conn, landing)
    assert ledger(conn) == {"auto_qa_scores/ok.jsonl": ("ingested", 1, 1, 0, 0)}
    read = all_text_read(conn)
    assert '"q1"' in read
    assert not any(f'"{event}"' in read for event in ["q2", "q3", "q4", "q5", "q6", "q7"])
    assert "secret-event" not in read and "root:" not in read


# --- a file that changes while it is read ----------------------------------------

_STATE = FileState(device=1, inode=7, size=100, mtime_ns=5_000)


@pytest.mark.parametrize(
    ("after", "hashed", "change"),
    [
        (_STATE, 100, None),
        (_STATE, None, None),  # the checksum could not read it: the read's error says so
        (None, 100, "removed while it was read"),
        (FileState(1, 8, 100, 5_000), 100, "replaced while it was read"),
        (FileState(1, 7, 160, 6_000), 100, "still being written: 100 bytes, then 160"),
        (FileState(1, 7, 100, 6_000), 100, "modified while it was read"),
        (_STATE, 130, "still being written: 100 bytes, 130 hashed"),
    ],
)
def test_a_read_is_void_when_the_file_changed_meanwhile(
    after: FileState | None, hashed: int | None, change: str | None
) -> None:
    expected = change and f"{change}; nothing landed, the next run reads it again"
    assert change_during_read(_STATE, after, hashed) == expected


class ProducerAppendsDuringTheRead:
    """A real connection; a producer that has not finished its file appends
    rows to it the moment the engine asks DuckDB to read it (once)."""

    def __init__(self, conn: duckdb.DuckDBPyConnection, path: Path, more: list[str]) -> None:
        self._conn, self._path, self._more = conn, path, more

    def execute(self, sql: str, *args: object) -> duckdb.DuckDBPyConnection:
        if self._more and "read_json(" in sql:
            with self._path.open("a") as producer:
                producer.write("\n".join(self._more) + "\n")
            self._more = []
        return self._conn.execute(sql, *args)

    def __getattr__(self, name: str) -> object:
        return getattr(self._conn, name)


def test_a_file_still_being_written_lands_nothing_and_the_next_run_reads_it_whole(
    landing, conn
) -> None:
    path = write_lines(
        landing, "auto_qa_scores", "growing.jsonl", [score(f"q{i}") for i in range(24)]
    )
    rest = [score(f"q{i}") for i in range(24, 40)]
    said: list[str] = []

    (first,) = ingest_pending(
        ProducerAppendsDuringTheRead(conn, path, rest), landing, progress=said.append
    )

    assert first.status == CHANGING
    assert first.error.startswith("still being written")
    assert any("growing.jsonl: changing, still being written" in line for line in said)
    assert said[-1].endswith("1 changed while read, read again next run")
    assert ledger(conn) == {}
    assert conn.execute("select count(*) from raw.auto_qa_scores").fetchall() == [(0,)]

    (second,) = ingest_pending(conn, landing)  # the producer has finished
    assert (second.status, second.rows_ok) == ("ingested", 40)  # 24 rows, then 16 more
    ((sha,),) = conn.execute("select sha256 from ingest.file_ledger").fetchall()
    assert sha == hashlib.sha256(path.read_bytes()).hexdigest()


# --- names and encodings ----------------------------------------------------------


def test_names_with_spaces_and_unicode_are_ingested_under_their_name(landing, conn) -> None:
    name = "café résumé 日本 1.jsonl"
    write_lines(landing, "auto_qa_scores", name, [score("q1"), "not json"])
    ingest_pending(conn, landing)
    assert ledger(conn) == {f"auto_qa_scores/{name}": ("ingested", 2, 1, 1, 0)}
    assert conn.execute("select _file from raw.auto_qa_scores").fetchall() == [(name,)]
    assert conn.execute("select file, line_no from ingest.rejected_rows").fetchall() == [(name, 2)]


def test_empty_and_blank_files_are_recorded_with_no_rows(landing, conn) -> None:
    folder = landing / "agents"
    folder.mkdir(parents=True)
    (folder / "empty.jsonl").write_bytes(b"")
    (folder / "blank.jsonl").write_bytes(b"\n  \r\n\t\n")
    (folder / "blank.jsonl.gz").write_bytes(gzip.compress(b"\n\n"))
    ingest_pending(conn, landing)
    assert ledger(conn) == {
        f"agents/{name}": ("ingested", 0, 0, 0, 0)
        for name in ["empty.jsonl", "blank.jsonl", "blank.jsonl.gz"]
    }


def test_a_byte_order_mark_and_crlf_line_ends_are_read_as_text(landing, conn) -> None:
    folder = landing / "auto_qa_scores"
    folder.mkdir(parents=True)
    bom = b"\xef\xbb\xbf"
    # Every line readable: DuckDB's reader takes the file whole.
    (folder / "a.jsonl").write_bytes(bom + f"{score('q1')}\r\n{score('q2')}\r\n".encode())
    # A bad line: read line by line, where the mark and the CRs must go too.
    lines = [score("q3"), "not json", score("q4", score=140), score("q5")]
    (folder / "b.jsonl.gz").write_bytes(gzip.compress(bom + "\r\n".join(lines).encode()))
    ingest_pending(conn, landing)
    assert ledger(conn) == {
        "auto_qa_scores/a.jsonl": ("ingested", 2, 2, 0, 0),
        "auto_qa_scores/b.jsonl.gz": ("ingested", 4, 2, 2, 0),
    }
    landed = conn.execute("select event_id, _file, _line_no from raw.auto_qa_scores order by 1")
    assert landed.fetchall() == [
        ("q1", "a.jsonl", 1),
        ("q2", "a.jsonl", 2),
        ("q3", "b.jsonl.gz", 1),
        ("q5", "b.jsonl.gz", 4),
    ]
    rejected = conn.execute("select line_no, raw, reason from ingest.rejected_rows order by 1")
    (two, three) = rejected.fetchall()
    assert two[:2] == (2, "not json") and two[2].startswith("row: Invalid JSON")
    assert three[:2] == (3, lines[2])
    assert three[2].startswith("score: Input should be less than or equal to 100")


def test_a_raw_table_made_before_its_contract_gained_a_field_takes_that_field(
    landing, conn
) -> None:
    # A warehouse made before assignment_created gained agent_facing_name.
    conn.execute("create schema raw")
    conn.execute(raw_table_ddl(STREAMS["coaching_events"]))
    conn.execute("alter table raw.coaching_events drop column agent_facing_name")
    event = coaching_event("assignment_created", agent_facing_name="Empathy coaching")
    write_lines(landing, "coaching_events", "a.jsonl", [json.dumps(event)])

    (result,) = ingest_pending(conn, landing)

    assert (result.rows_ok, result.rows_rejected) == (1, 0)
    assert conn.execute(
        "select event_id, agent_facing_name, follow_up_date::varchar from raw.coaching_events"
    ).fetchall() == [("c1", "Empathy coaching", "2026-11-12")]
