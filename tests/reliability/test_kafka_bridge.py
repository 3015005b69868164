"""The Kafka bridge against a real Kafka-protocol broker on loopback
(tests/kafka_broker.py), through real ``coachwh bridge`` processes: exactly
once across a crash between the rename and the offset commit, poison
messages rejected with their reason, a clean stop on SIGTERM."""

import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic
from kafka_broker import free_port, running_broker
from stream_examples import VALID_ROWS

from assets.kafka_bridge import KILL_BEFORE_COMMIT, topic_name
from assets.landing_zone import ingest_pending

COACHWH = Path(sys.executable).parent / "coachwh"


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_broker(tmp_path_factory.mktemp("broker")) as bootstrap:
        yield bootstrap


def create_topics(bootstrap: str, prefix: str, partitions: dict[str, int]) -> None:
    admin = AdminClient({"bootstrap.servers": bootstrap})
    topics = [NewTopic(topic_name(prefix, s), n, 1) for s, n in partitions.items()]
    for future in admin.create_topics(topics).values():
        future.result(timeout=60)


def produce(bootstrap: str, prefix: str, stream: str, values: list[bytes], partition: int = 0):
    producer = Producer({"bootstrap.servers": bootstrap})
    for value in values:
        producer.produce(topic_name(prefix, stream), value=value, partition=partition)
    assert producer.flush(60) == 0


def agent(agent_id: str, **changes: object) -> bytes:
    return json.dumps({**VALID_ROWS["agents"], "agent_id": agent_id, **changes}).encode()


def score(event_id: str) -> bytes:
    return json.dumps({**VALID_ROWS["auto_qa_scores"], "event_id": event_id}).encode()


def bridge_command(
    home: Path, bootstrap: str, prefix: str, *args: str, batch_seconds: str = "600"
) -> list[str]:
    """``coachwh bridge``; with the default, a batch of ``--once`` ends when
    its partitions are drained, never by the clock."""
    return [
        str(COACHWH),
        "--home",
        str(home),
        "bridge",
        "--bootstrap",
        bootstrap,
        "--topic-prefix",
        prefix,
        "--group",
        f"{prefix}-bridge",
        "--batch-seconds",
        batch_seconds,
        *args,
    ]


def bridge_once(
    home: Path, bootstrap: str, prefix: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        bridge_command(home, bootstrap, prefix, "--once"),
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
    )


# A batch file's name: <topic>-<partition>-<first offset>-<last offset>-<digest>.jsonl
BATCH_FILE = re.compile(r"^(?P<topic>.+)-(\d+)-(\d{20})-(\d{20})-[0-9a-f]{16}\.jsonl$")


def batch(name: str) -> tuple[str, int, int, int]:
    """(topic, partition, first offset, last offset) of a batch file's name."""
    match = BATCH_FILE.match(name)
    assert match, name
    topic, partition, first, last = match.groups()
    return topic, int(partition), int(first), int(last)


LANDED = re.compile(r"^(landed|already landed) (\w+)/(\S+): (\d+) messages", re.MULTILINE)


def landed(output: str) -> list[tuple]:
    """(what, stream, topic, partition, first, last, messages) of each file
    the bridge reports."""
    return [
        (what, stream, *batch(name), int(messages))
        for what, stream, name, messages in LANDED.findall(output)
    ]


def ledger(conn: duckdb.DuckDBPyConnection) -> list[tuple]:
    """(stream, topic, partition, first, last, rows total, ok, rejected,
    duplicate, status) of every ledger entry."""
    rows = conn.execute(
        "select stream, file, rows_total, rows_ok, rows_rejected, rows_duplicate, status "
        "from ingest.file_ledger order by stream, file"
    ).fetchall()
    return [(stream, *batch(file), *counts) for stream, file, *counts in rows]


def test_a_bridge_killed_between_the_rename_and_the_commit_loses_and_doubles_nothing(
    broker: str, tmp_path: Path
) -> None:
    prefix = "crash"
    create_topics(broker, prefix, {"agents": 1, "auto_qa_scores": 2})
    produce(broker, prefix, "agents", [agent(a) for a in ("a1", "a2", "a3")])
    # Partition 0 holds q0, q2, .. q8; partition 1 q1, q3, .. q9 (offsets 0-4 each).
    for partition in (0, 1):
        produce(
            broker,
            prefix,
            "auto_qa_scores",
            [score(f"q{i}") for i in range(partition, 10, 2)],
            partition,
        )

    killed = bridge_once(tmp_path, broker, prefix, {KILL_BEFORE_COMMIT: "1"})
    assert killed.returncode == -signal.SIGKILL, killed.stdout + killed.stderr
    agents, scores = "crash.agents", "crash.auto_qa_scores"
    assert landed(killed.stdout) == [
        ("landed", "agents", agents, 0, 0, 2, 3),
        ("landed", "auto_qa_scores", scores, 0, 0, 4, 5),
        ("landed", "auto_qa_scores", scores, 1, 0, 4, 5),
    ]
    # While it was down: two more scores on partition 0, and what a bridge
    # killed while writing a batch leaves (a temporary, never read).
    produce(broker, prefix, "auto_qa_scores", [score("q10"), score("q11")], 0)
    folder = tmp_path / "landing" / "auto_qa_scores"
    leftover = (
        folder / ".crash.auto_qa_scores-1-00000000000000000005-00000000000000000009-0.jsonl.tmp"
    )
    leftover.write_bytes(score("half") + b"\n")

    restarted = bridge_once(tmp_path, broker, prefix)
    assert restarted.returncode == 0, restarted.stdout + restarted.stderr
    # The uncommitted batches come again: those unchanged are recognised by
    # name; partition 0's, now longer, lands as a new file.
    assert landed(restarted.stdout) == [
        ("already landed", "agents", agents, 0, 0, 2, 3),
        ("landed", "auto_qa_scores", scores, 0, 0, 6, 7),
        ("already landed", "auto_qa_scores", scores, 1, 0, 4, 5),
    ]
    assert "drained: 15 messages, 1 files landed, 2 already in place" in restarted.stdout
    assert not leftover.exists()

    # The offsets are committed now: nothing comes again.
    again = bridge_once(tmp_path, broker, prefix)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "drained: 0 messages, 0 files landed, 0 already in place" in again.stdout

    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as conn:
        ingest_pending(conn, tmp_path / "landing")
        event_ids = conn.execute("select event_id from raw.auto_qa_scores").fetchall()
        assert sorted(e for (e,) in event_ids) == sorted(f"q{i}" for i in range(12))
        agent_ids = conn.execute("select agent_id from raw.agents order by 1").fetchall()
        assert agent_ids == [("a1",), ("a2",), ("a3",)]
        entries = ledger(conn)
    # The longer batch of partition 0 (offsets 0-6) repeats offsets 0-4: five
    # duplicates, and q10 and q11 new.
    assert entries == [
        ("agents", agents, 0, 0, 2, 3, 3, 0, 0, "ingested"),
        ("auto_qa_scores", scores, 0, 0, 4, 5, 5, 0, 0, "ingested"),
        ("auto_qa_scores", scores, 0, 0, 6, 7, 2, 0, 5, "ingested"),
        ("auto_qa_scores", scores, 1, 0, 4, 5, 5, 0, 0, "ingested"),
    ]


def test_poison_messages_are_rejected_by_the_ingest_with_their_reason(
    broker: str, tmp_path: Path
) -> None:
    prefix = "poison"
    create_topics(broker, prefix, {"agents": 1})
    pretty = json.dumps(json.loads(agent("a4")), indent=2).encode()
    produce(
        broker,
        prefix,
        "agents",
        [
            agent("a1"),
            b"not json",
            b'\xff\xfe{"agent_id": "a2"}',  # not UTF-8
            agent("a3", updated_at="yesterday"),
            b"",  # a tombstone
            pretty,  # one row over several lines
            b"\xef\xbb\xbf" + agent("a5"),  # a byte-order mark
        ],
    )
    result = bridge_once(tmp_path, broker, prefix)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "drained: 7 messages, 1 files landed, 0 already in place" in result.stdout

    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as conn:
        ingest_pending(conn, tmp_path / "landing")
        agents = conn.execute("select agent_id from raw.agents order by 1").fetchall()
        rejected = conn.execute(
            "select line_no, raw, reason from ingest.rejected_rows order by line_no"
        ).fetchall()
        ((counts),) = conn.execute(
            "select rows_total, rows_ok, rows_rejected, rows_duplicate from ingest.file_ledger"
        ).fetchall()
    assert agents == [("a1",), ("a4",), ("a5",)]
    assert [(line, raw) for line, raw, _ in rejected] == [
        (2, "not json"),
        (3, '\\xff\\xfe{"agent_id": "a2"}'),
        (4, agent("a3", updated_at="yesterday").decode()),
        (5, "null"),
    ]
    reasons = [reason for _, _, reason in rejected]
    assert reasons[0].startswith("row: Invalid JSON")
    assert reasons[1].startswith("row: Invalid JSON")
    assert reasons[2].startswith("updated_at: ")
    assert reasons[3].startswith("row: Input should be")
    assert counts == (7, 3, 4, 0)


def test_the_bridge_stops_cleanly_on_sigterm(broker: str, tmp_path: Path) -> None:
    prefix = "stop"
    create_topics(broker, prefix, {"agents": 1})
    produce(broker, prefix, "agents", [agent("a1"), agent("a2")])
    process = subprocess.Popen(
        bridge_command(tmp_path, broker, prefix, batch_seconds="1"),
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    seen = []
    try:
        for line in process.stdout:
            seen.append(line)
            if line.startswith("landed agents/"):
                break
        assert seen and seen[-1].startswith("landed agents/"), "".join(seen)
        process.send_signal(signal.SIGTERM)
        # A hang guard, not a measure of speed.
        assert process.wait(timeout=60) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    rest = process.stdout.read()
    assert "stopped: 2 messages, 1 files landed, 0 already in place" in rest, rest
    # The landed batch was committed before the bridge stopped.
    again = bridge_once(tmp_path, broker, prefix)
    assert "drained: 0 messages" in again.stdout, again.stdout + again.stderr


def test_topics_that_do_not_exist_are_reported_and_drain_as_empty(
    broker: str, tmp_path: Path
) -> None:
    result = bridge_once(tmp_path, broker, "absent")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "topic absent.auto_qa_scores does not exist (yet)" in result.stdout
    assert "drained: 0 messages, 0 files landed, 0 already in place" in result.stdout


def test_no_reachable_broker_is_one_clear_error_when_draining_once(tmp_path: Path) -> None:
    address = f"127.0.0.1:{free_port()}"  # nothing listens there
    result = bridge_once(tmp_path, address, "none")
    assert result.returncode == 1
    assert f"error: cannot reach the Kafka brokers at {address}" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_bad_batch_size_names_its_flag_and_variable(tmp_path: Path) -> None:
    result = subprocess.run(
        [str(COACHWH), "--home", str(tmp_path), "bridge", "--once", "--batch-messages", "0"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert "--batch-messages / COACHWH_KAFKA_BATCH_MESSAGES" in result.stderr
    assert "must be at least 1" in result.stderr
