"""The Kafka bridge: each stream's topic into the landing zone, one file per
micro-batch (DESIGN.md sections 2, 4 and 9).

Plain Python and confluent-kafka (librdkafka), no Dagster. One topic per
stream, ``<prefix>.<stream>`` (``coachwh.auto_qa_scores``); a message is one
row of the stream's contract, as one JSON text.

A cycle consumes until a partition holds ``batch_messages`` messages, or
``batch_seconds`` have passed since the cycle's first message, or (draining
once) every assigned partition is at its end. Then, for each partition with
messages, its batch is written as one NDJSON file under a temporary name,
fsynced, renamed into ``<landing>/<stream>/`` and the folder fsynced; only
then are the partitions' offsets committed. So:

- a crash before the rename lands nothing and commits nothing: the batch is
  delivered again (the next owner of the partition removes the temporary);
- a crash between the rename and the commit delivers the batch again. The
  same messages give the same file name (topic, partition, offsets and a
  digest of the content), which is already in place and not written twice;
  a longer batch gives a new file whose repeated events the ingest counts as
  duplicates (it de-duplicates on event ids). Nothing is lost, nothing lands
  twice.

A message that is not a valid row is written as its line all the same, and
the ingest rejects it with the reason (``ingest.rejected_rows``). The bridge
changes a message only so that it stays one line of text: a line break inside a
message becomes a space (JSON means the same with either), a leading
byte-order mark is dropped (as at the start of a file), a byte that is not
UTF-8 is written as the text ``\\xNN`` (the line is then not JSON and is
rejected as such, instead of rejecting the whole file), and an empty message
(a tombstone) is written as ``null`` (rejected: not an object).
"""

import codecs
import hashlib
import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from confluent_kafka import Consumer, KafkaError, KafkaException, Message, TopicPartition

from models.settings import BridgeSettings
from models.streams import STREAMS

log = logging.getLogger(__name__)
Progress = Callable[[str], None]

# Fault injection (tests/reliability): with this variable set, the bridge
# kills itself with SIGKILL after its first batch is renamed into place and
# before its offsets are committed: the crash the design must survive.
KILL_BEFORE_COMMIT = "COACHWH_FAULT_KILL_BEFORE_COMMIT"

# How long one wait for messages lasts: the bridge sees a stop request
# (SIGINT, SIGTERM) within this.
POLL_S = 0.5

# A restarted bridge waits for the group to drop its dead predecessor, which
# takes the session timeout: 10 s rather than librdkafka's 45 s.
SESSION_TIMEOUT_MS = 10_000


class BridgeError(Exception):
    """The bridge cannot go on: no broker reachable while draining once, or a
    batch that cannot be written (nothing of it is committed)."""


def topic_name(prefix: str, stream: str) -> str:
    """The topic of a stream: ``<prefix>.<stream>``, or the stream's name
    without a prefix."""
    return f"{prefix}.{stream}" if prefix else stream


def message_line(value: bytes | None) -> bytes:
    """The landing-file line of one message value (without its line end)."""
    if not value or not value.strip():
        return b"null"
    line = value.removeprefix(codecs.BOM_UTF8).replace(b"\r", b" ").replace(b"\n", b" ")
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        line = line.decode("utf-8", errors="backslashreplace").encode("utf-8")
    return line


def batch_file_name(topic: str, partition: int, first: int, last: int, content: bytes) -> str:
    """A batch's file name: where it came from, and a digest of what it holds,
    so a batch delivered again is recognised, and a topic created anew (its
    offsets counting from 0 again) cannot take an earlier file's name."""
    digest = hashlib.sha256(content).hexdigest()[:16]
    return f"{topic}-{partition}-{first:020d}-{last:020d}-{digest}.jsonl"


def _fsync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def land_file(folder: Path, name: str, content: bytes) -> bool:
    """Write ``content`` as ``folder/name`` the way producers must: a
    temporary name (``.name.tmp``, never read by the ingest), fsync, rename.
    Returns False, writing nothing, when the file is already in place (the
    same batch, delivered again). The caller fsyncs the folder."""
    target = folder / name
    if target.exists():
        return False
    if not folder.is_dir():
        folder.mkdir(parents=True, exist_ok=True)
        _fsync_folder(folder.parent)
    staged = folder / f".{name}.tmp"
    with staged.open("wb") as stream:
        stream.write(content)
        stream.flush()
        os.fsync(stream.fileno())
    os.replace(staged, target)
    return True


def remove_temporaries(folder: Path, topic: str, partition: int) -> list[Path]:
    """Remove what a killed bridge left half-written for a partition (its
    batches not renamed into place: they are consumed again)."""
    removed = []
    for path in folder.glob(f".{topic}-{partition}-*.jsonl.tmp"):
        path.unlink(missing_ok=True)
        removed.append(path)
    return removed


@dataclass
class BridgeSummary:
    """What a bridge consumed and landed until it stopped."""

    messages: int = 0
    files_landed: int = 0
    files_already_landed: int = 0


def _partitions(partitions: list[TopicPartition]) -> str:
    return ", ".join(f"{p.topic}[{p.partition}]" for p in partitions) or "none"


class _Bridge:
    """One consumer in the bridge's group, and the batches it holds."""

    def __init__(
        self, settings: BridgeSettings, landing: Path, say: Progress, stop: threading.Event
    ) -> None:
        self.settings = settings
        self.landing = landing
        self.say = say
        self.stop = stop
        self.streams = {topic_name(settings.topic_prefix, s): s for s in STREAMS}
        self.assigned: set[tuple[str, int]] = set()
        self.at_end: set[tuple[str, int]] = set()
        self.has_assignment = False
        self.missing: set[str] = set()  # topics the brokers say do not exist
        self.buffers: dict[tuple[str, int], list[Message]] = {}
        self.brokers_down: str | None = None
        self.reported: set[str] = set()  # said since the last batch landed
        self.closing = False
        self.summary = BridgeSummary()
        self.consumer = Consumer(
            {
                "bootstrap.servers": settings.bootstrap,
                "group.id": settings.group,
                "client.id": "coachwh-bridge",
                "enable.auto.commit": False,
                # A new group reads every topic from its first message.
                "auto.offset.reset": "earliest",
                "enable.partition.eof": True,
                "session.timeout.ms": SESSION_TIMEOUT_MS,
                # Errors reach error_cb and are said once each; librdkafka's
                # own log would say each again, at every retry.
                "log_level": 0,
                "error_cb": self._on_error,
            }
        )

    # --- the group's callbacks (run inside consume) ---------------------------

    def _on_error(self, error: KafkaError) -> None:
        if error.code() == KafkaError._ALL_BROKERS_DOWN:
            self.brokers_down = error.str()
        self._report(f"kafka: {error.str()}")

    def _report(self, message: str) -> None:
        if message not in self.reported:
            self.reported.add(message)
            self.say(message)

    def _on_assign(self, _consumer: Consumer, partitions: list[TopicPartition]) -> None:
        self.has_assignment = True
        for p in partitions:
            self.assigned.add((p.topic, p.partition))
            folder = self.landing / self.streams[p.topic]
            for path in remove_temporaries(folder, p.topic, p.partition):
                self.say(f"removed {self.streams[p.topic]}/{path.name} (left by a killed bridge)")
        self.say(f"assigned: {_partitions(partitions)}")

    def _on_revoke(self, _consumer: Consumer, partitions: list[TopicPartition]) -> None:
        # Messages held but not landed are dropped: their offsets were not
        # committed, so the partition's next owner reads them again.
        for p in partitions:
            key = (p.topic, p.partition)
            self.assigned.discard(key)
            self.at_end.discard(key)
            self.buffers.pop(key, None)
        if partitions and not self.closing:
            self.say(f"revoked: {_partitions(partitions)}")

    # --- the loop ------------------------------------------------------------

    def drained(self) -> bool:
        # With no topic at all the group assigns nothing, and never says so.
        if self.missing >= set(self.streams):
            return True
        return self.has_assignment and self.assigned <= self.at_end

    def run(self, once: bool) -> BridgeSummary:
        self.consumer.subscribe(
            list(self.streams),
            on_assign=self._on_assign,
            on_revoke=self._on_revoke,
            on_lost=self._on_revoke,
        )
        self.say(
            f"consuming {len(self.streams)} topics ({', '.join(self.streams)}) "
            f"from {self.settings.bootstrap} as group {self.settings.group}"
        )
        try:
            while not self.stop.is_set():
                self._fill(once)
                self._land_and_commit()
                if once and self.drained():
                    break
        finally:
            self.closing = True
            self.consumer.close()
        return self.summary

    def _fill(self, once: bool) -> None:
        """Consume until the cycle's batch is complete (see the module's docstring)."""
        started: float | None = None
        limit = self.settings.batch_messages
        while not self.stop.is_set():
            fullest = max((len(b) for b in self.buffers.values()), default=0)
            for message in self.consumer.consume(limit - fullest, timeout=POLL_S):
                self._take(message)
                if started is None and self.buffers:
                    started = time.monotonic()
            if once and self.brokers_down:
                raise BridgeError(
                    f"cannot reach the Kafka brokers at {self.settings.bootstrap}: "
                    f"{self.brokers_down}"
                )
            if (
                any(len(b) >= limit for b in self.buffers.values())
                or (
                    started is not None
                    and time.monotonic() - started >= self.settings.batch_seconds
                )
                or (once and self.drained())
            ):
                return

    def _take(self, message: Message) -> None:
        key = (message.topic(), message.partition())
        error = message.error()
        if error is None:
            self.at_end.discard(key)
            self.buffers.setdefault(key, []).append(message)
        elif error.code() == KafkaError._PARTITION_EOF:
            self.at_end.add(key)
        elif error.code() == KafkaError.UNKNOWN_TOPIC_OR_PART:
            self.missing.add(message.topic())
            self._report(f"topic {message.topic()} does not exist (yet): nothing to land from it")
        elif error.fatal():
            raise KafkaException(error)
        else:
            self._report(f"kafka: {error.str()}")

    def _land_and_commit(self) -> None:
        batches, self.buffers = self.buffers, {}
        if not batches:
            return
        folders: set[Path] = set()
        offsets = []
        for (topic, partition), messages in sorted(batches.items()):
            stream = self.streams[topic]
            folder = self.landing / stream
            content = b"".join(message_line(m.value()) + b"\n" for m in messages)
            first, last = messages[0].offset(), messages[-1].offset()
            name = batch_file_name(topic, partition, first, last, content)
            where = f"{len(messages)} messages (partition {partition}, offsets {first}-{last})"
            try:
                is_new = land_file(folder, name, content)
            except OSError as error:
                raise BridgeError(
                    f"cannot land {stream}/{name}: {error} (its offsets are not committed)"
                ) from error
            if is_new:
                self.summary.files_landed += 1
                self.say(f"landed {stream}/{name}: {where}")
            else:
                self.summary.files_already_landed += 1
                self.say(f"already landed {stream}/{name}: {where} delivered again")
            self.summary.messages += len(messages)
            folders.add(folder)
            offsets.append(TopicPartition(topic, partition, last + 1))
        for folder in sorted(folders):
            _fsync_folder(folder)
        if os.environ.get(KILL_BEFORE_COMMIT):
            os.kill(os.getpid(), signal.SIGKILL)
        self._commit(offsets)
        self.reported.clear()

    def _commit(self, offsets: list[TopicPartition]) -> None:
        try:
            committed = self.consumer.commit(offsets=offsets, asynchronous=False) or []
            failed = [p for p in committed if p.error is not None]
        except KafkaException as error:
            failed, reason = offsets, str(error)
        else:
            reason = "; ".join(str(p.error) for p in failed)
        if failed:
            # The files are in place: the batches come again, and the ingest
            # counts their events as duplicates.
            self.say(
                f"offsets not committed for {_partitions(failed)} ({reason}): "
                "these messages will be delivered again"
            )


def run_bridge(
    settings: BridgeSettings,
    landing: Path,
    *,
    once: bool,
    stop: threading.Event,
    say: Progress = log.info,
) -> BridgeSummary:
    """Land the streams' topics until ``stop`` is set, or, with ``once``,
    until every partition assigned to this bridge is at its end. Each batch is
    committed after its file is in place."""
    return _Bridge(settings, landing, say, stop).run(once)
