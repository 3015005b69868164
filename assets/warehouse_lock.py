"""One writer at a time on the working file (DESIGN.md section 4).

Plain Python, no Dagster. DuckDB lets one process write a file, and a process
holding it read-only locks a writer out too; without care a second run fails
half-way with a lock error. :func:`hold_warehouse` makes the wait explicit:

1. an advisory lock on ``.<warehouse>.lock`` beside the file, held by every
   process of the pipeline for as long as it writes (``coachwh run`` for the
   whole run, a Dagster run worker for each writing step); the file says who
   holds it;
2. then DuckDB's own lock: a process outside the pipeline (a notebook, the
   ``duckdb`` shell) holding the file is waited for too.

A waiting process says once which process holds the warehouse, and gives up
after ``timeout`` seconds with :class:`WarehouseBusyError`, whose message
names the holder. The lock is re-entrant within a process, so the steps of a
``coachwh run`` pass through the lock their own process holds.
"""

import fcntl
import os
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from models.settings import DEFAULT_LOCK_TIMEOUT_S

_POLL_S = 0.5
_held: dict[Path, int] = {}  # lock file -> depth, for this process


class WarehouseBusyError(Exception):
    """The warehouse stayed held by another process for the whole timeout."""


def lock_path(warehouse: Path) -> Path:
    return warehouse.with_name(f".{warehouse.name}.lock")


def _process(pid: int) -> str:
    """``PID n (command)`` of a process, as far as this machine tells."""
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        command = ""
    command = " ".join(Path(part).name if i == 0 else part
                       for i, part in enumerate(command.split()))  # fmt: skip
    return f"PID {pid} ({command.strip()[:120]})" if command.strip() else f"PID {pid}"


def _holder_note(path: Path) -> str:
    try:
        note = path.read_text(encoding="utf-8").strip()
    except OSError:
        return "another process"
    return note or "another process"


def _duckdb_holder(warehouse: Path) -> str | None:
    """Who holds DuckDB's own lock on the file, or None when it is free."""
    if not warehouse.exists():
        return None
    try:
        duckdb.connect(str(warehouse)).close()
    except duckdb.IOException as error:
        if "lock" not in str(error).lower():
            raise
        return lock_holder(error)
    return None


def lock_holder(error: duckdb.IOException) -> str:
    """The process DuckDB's lock error names, as ``PID n (command)``."""
    found = re.search(r"PID (\d+)", str(error))
    return _process(int(found.group(1))) if found else "another process"


@contextmanager
def hold_warehouse(
    warehouse: Path,
    timeout: float = DEFAULT_LOCK_TIMEOUT_S,
    say: Callable[[str], None] | None = None,
) -> Iterator[None]:
    """Hold the working file for writing, waiting up to ``timeout`` seconds."""
    path = lock_path(warehouse)
    if _held.get(path):
        _held[path] += 1
        try:
            yield
        finally:
            _held[path] -= 1
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + timeout
    told: set[str] = set()

    def wait(holder: str) -> None:
        if time.monotonic() >= deadline:
            raise WarehouseBusyError(
                f"the warehouse {warehouse} is held by {holder}; gave up after {timeout:g}s "
                "(COACHWH_LOCK_TIMEOUT)"
            )
        if holder not in told and say is not None:
            say(f"waiting for the warehouse {warehouse}: it is held by {holder}")
        told.add(holder)
        time.sleep(_POLL_S)

    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                wait(_holder_note(path))
        note = f"{_process(os.getpid())} since {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC"
        os.ftruncate(fd, 0)
        os.pwrite(fd, note.encode(), 0)
        while (holder := _duckdb_holder(warehouse)) is not None:
            wait(holder)
        _held[path] = 1
        try:
            yield
        finally:
            _held.pop(path, None)
            os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # closing the descriptor releases the lock
