"""The Kafka bridge's file rules, without a broker: a message's line, a
batch's name, landing under a temporary name, and what a killed bridge left.
The bridge against a real broker: tests/reliability/test_kafka_bridge.py."""

import os
from pathlib import Path

import duckdb
import pytest

from assets.kafka_bridge import (
    batch_file_name,
    land_file,
    message_line,
    remove_temporaries,
    topic_name,
)
from assets.landing_boundary import list_landing
from assets.landing_zone import ingest_pending


def test_topics_are_named_after_their_stream() -> None:
    assert topic_name("coachwh", "auto_qa_scores") == "coachwh.auto_qa_scores"
    assert topic_name("", "agents") == "agents"


@pytest.mark.parametrize(
    ("value", "line"),
    [
        (b'{"agent_id": "a1"}', b'{"agent_id": "a1"}'),
        # JSON means the same with a space where a line break was.
        (b'{\n  "agent_id": "a1"\r\n}', b'{   "agent_id": "a1"  }'),
        (b'\xef\xbb\xbf{"agent_id": "a1"}', b'{"agent_id": "a1"}'),
        (b'\xff{"agent_id": "a\xe9"}', b'\\xff{"agent_id": "a\\xe9"}'),
        (b"", b"null"),
        (None, b"null"),
        (b" \n", b"null"),
    ],
)
def test_a_message_becomes_one_line_of_text(value: bytes | None, line: bytes) -> None:
    assert message_line(value) == line


def test_every_line_of_a_poison_batch_is_read_on_its_own(tmp_path: Path) -> None:
    # Not UTF-8 nor JSON: one rejected row each, and the file's good row lands.
    good = b'{"agent_id": "a1", "name": "A",\n "team": "t1", "updated_at": "2026-11-02T09:30:00Z"}'
    values = [b'{"agent_id": "a2"\xff}', b"\n", good]
    content = b"".join(message_line(v) + b"\n" for v in values)
    land_file(tmp_path / "landing" / "agents", "batch.jsonl", content)
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as conn:
        (result,) = ingest_pending(conn, tmp_path / "landing")
        rejected = conn.execute(
            "select line_no, raw from ingest.rejected_rows order by line_no"
        ).fetchall()
    counts = (result.status, result.rows_total, result.rows_ok, result.rows_rejected)
    assert counts == ("ingested", 3, 1, 2)
    assert rejected == [(1, '{"agent_id": "a2"\\xff}'), (2, "null")]


def test_a_batch_is_named_by_its_topic_partition_offsets_and_content() -> None:
    name = batch_file_name("coachwh.agents", 3, 5, 12, b"x\n")
    topic, partition, first, last, digest = name.removesuffix(".jsonl").rsplit("-", 4)
    assert (topic, partition, first, last) == ("coachwh.agents", "3", f"{5:020d}", f"{12:020d}")
    assert len(digest) == 16
    assert batch_file_name("coachwh.agents", 3, 5, 12, b"x\n") == name
    # A topic created anew counts its offsets from 0 again: other messages,
    # the same offsets, another name.
    assert batch_file_name("coachwh.agents", 3, 5, 12, b"y\n") != name
    # Names sort as their offsets do.
    later = batch_file_name("coachwh.agents", 3, 13, 100, b"x\n")
    assert sorted([later, name]) == [name, later]


def test_a_batch_lands_by_rename_and_once(tmp_path: Path) -> None:
    folder = tmp_path / "landing" / "agents"
    assert land_file(folder, "b.jsonl", b"one\n")
    assert (folder / "b.jsonl").read_bytes() == b"one\n"
    assert sorted(p.name for p in folder.iterdir()) == ["b.jsonl"]
    before = os.stat(folder / "b.jsonl")
    # Delivered again: the file in place is not written again.
    assert not land_file(folder, "b.jsonl", b"one\n")
    after = os.stat(folder / "b.jsonl")
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_a_killed_bridges_temporaries_are_never_read_and_removed_by_the_next_owner(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "landing" / "agents"
    folder.mkdir(parents=True)
    mine = folder / ".coachwh.agents-0-00000000000000000007-00000000000000000009-ab.jsonl.tmp"
    other = folder / ".coachwh.agents-1-00000000000000000000-00000000000000000001-cd.jsonl.tmp"
    landed = folder / "coachwh.agents-0-00000000000000000000-00000000000000000006-ef.jsonl"
    for path in (mine, other, landed):
        path.write_bytes(b"{}\n")
    assert [f.name for f in list_landing(tmp_path / "landing").files] == [landed.name]
    assert remove_temporaries(folder, "coachwh.agents", 0) == [mine]
    assert sorted(p.name for p in folder.iterdir()) == sorted([other.name, landed.name])
