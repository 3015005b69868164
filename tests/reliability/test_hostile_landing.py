"""A hostile landing zone through ``coachwh run`` and ``coachwh status``:
every entry ends in the ledger or is listed as ignored with its reason, and
nothing outside the landing zone is read."""

import json
import subprocess
import threading
import time
from pathlib import Path

import duckdb
from fault_injection import COACHWH, environment, run

from assets.landing_boundary import list_landing

SECRET = "secret-from-outside-the-landing-zone"


def score(event_id: str, **fields: object) -> str:
    row = {
        "event_id": event_id,
        "interaction_id": "int-1",
        "agent_id": "agt-1",
        "attribute_id": "empathy",
        "interaction_at": "2026-10-09T10:00:00Z",
        "score": 80,
        "scored_at": "2026-10-09T10:05:00Z",
        **fields,
    }
    return json.dumps(row)


def test_every_entry_is_ingested_rejected_or_listed_as_ignored(tmp_path: Path) -> None:
    home, outside = tmp_path / "home", tmp_path / "outside"
    landing, scores = home / "landing", home / "landing" / "auto_qa_scores"
    scores.mkdir(parents=True)
    outside.mkdir()
    (outside / "elsewhere.jsonl").write_text(score("s-outside", evidence_quote=SECRET) + "\n")
    (landing / "interactions").mkdir()
    (landing / "interactions" / "linked").mkdir()

    entries = {
        # stream files that must be read
        "auto_qa_scores/with spaces é ü.jsonl": score("s-1") + "\n",
        "auto_qa_scores/empty.jsonl": "",
        "auto_qa_scores/blank.jsonl": "\n\n   \n",
        "auto_qa_scores/bom.jsonl": "\ufeff" + score("s-2") + "\n",
        "auto_qa_scores/crlf.jsonl": score("s-3") + "\r\n" + score("s-4") + "\r\n",
        "auto_qa_scores/huge.jsonl": score("s-5", evidence_quote="x" * 50_000_000) + "\n",
        # entries that must not be read
        "at-root.jsonl": score("s-root") + "\n",
        "unknown_stream/file.jsonl": score("s-unknown") + "\n",
        "auto_qa_scores/deep/er/nested.jsonl": score("s-deep") + "\n",
    }
    for name, text in entries.items():
        (landing / name).parent.mkdir(parents=True, exist_ok=True)
        (landing / name).write_text(text, encoding="utf-8")
    (scores / "x.jsonl").mkdir()  # a folder with a file's name
    (scores / "passwd.jsonl").symlink_to("/etc/passwd")
    (scores / "outside.jsonl").symlink_to(outside / "elsewhere.jsonl")
    (scores / "broken.jsonl").symlink_to(tmp_path / "no-such-file")
    (landing / "evaluations").symlink_to(outside, target_is_directory=True)

    # A producer still writing a file (no temporary name) while the run reads
    # the landing zone: every read overlaps its writes.
    growing = scores / "growing.jsonl"
    stop = threading.Event()
    written: list[int] = []

    def produce() -> None:
        with growing.open("w", encoding="utf-8") as out:
            number = 0
            while not stop.is_set():
                out.write(score(f"g-{number}") + "\n")
                out.flush()
                number += 1
                time.sleep(0.0005)
            written.append(number)

    producer = threading.Thread(target=produce)
    producer.start()
    try:
        output = run(home)
    finally:
        stop.set()
        producer.join()
    output += run(home)  # the grown file, now complete, is read by the next run

    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as conn:
        ledger = dict(
            conn.execute(
                "select file, status from ingest.file_ledger where stream = 'auto_qa_scores'"
            ).fetchall()
        )
        raw_text = conn.execute(
            "select coalesce(string_agg(evidence_quote, ''), '') from raw.auto_qa_scores "
            "where evidence_quote not like 'xxx%'"
        ).fetchall()[0][0]
        rejected_text = conn.execute(
            "select coalesce(string_agg(raw, ''), '') from ingest.rejected_rows"
        ).fetchall()[0][0]
        event_ids = {
            e for (e,) in conn.execute("select event_id from raw.auto_qa_scores").fetchall()
        }
        (growing_rows,) = conn.execute(
            "select rows_ok from ingest.file_ledger where file = 'growing.jsonl'"
        ).fetchall()[0]

    ignored = {entry.path for entry in list_landing(landing).ignored}
    for name in ["with spaces é ü.jsonl", "empty.jsonl", "blank.jsonl", "bom.jsonl"]:
        assert ledger[name] == "ingested", name
    assert ledger["crlf.jsonl"] == "ingested" and {"s-3", "s-4"} <= event_ids
    assert {"s-1", "s-2", "s-5"} <= event_ids
    for link in ("passwd.jsonl", "outside.jsonl", "broken.jsonl"):
        assert ledger[link] == "rejected", link
    for name in ("at-root.jsonl", "unknown_stream/", "evaluations"):
        assert any(entry.startswith(name) for entry in ignored), (name, ignored)
    assert any(e.startswith("auto_qa_scores/deep") for e in ignored)
    assert any(e.startswith("auto_qa_scores/x.jsonl") for e in ignored)
    # every entry of the landing zone is accounted for
    for path in landing.rglob("*"):
        relative = path.relative_to(landing).as_posix()
        in_ledger = path.parent == scores and path.name in ledger
        listed = any(relative.startswith(e.rstrip("/")) for e in ignored)
        assert in_ledger or listed or path in (scores, landing / "interactions"), relative
    # nothing outside was read, and no id outside the stream folders landed
    assert SECRET not in raw_text + rejected_text and "root:" not in rejected_text
    assert not {"s-outside", "s-root", "s-unknown", "s-deep"} & event_ids
    # the file that grew during the first run landed whole, once, in the second
    assert "still being written" in output
    assert growing_rows == written[0] == len([e for e in event_ids if e.startswith("g-")])
    status = subprocess.run(
        [COACHWH, "status"], env=environment(home), capture_output=True, text=True
    )
    assert status.returncode == 0
    assert "ignored in the landing zone" in status.stdout and "unknown_stream" in status.stdout
    assert "Traceback" not in output + status.stdout + status.stderr
