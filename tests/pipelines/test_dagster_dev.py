"""`coachwh dev` (what `make dev` runs): dagster dev on the instance under a
temporary home, on a free loopback port. A `coachwh run` while it is up shows
in the UI; the asset page opens with no first-visit dialog in headless
Chromium; and SIGTERM stops it within seconds, also when it was started as a
shell's background job (SIGINT ignored), as `make dev &` would be."""

import contextlib
import json
import os
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from browser import chromium_binary
from coachwh_process import COACHWH, coachwh, environment

LOCATION = "coaching_warehouse"
AS_OF = date(2026, 11, 10)
# The community sign-up dialog Dagster's UI opens on a first visit to a
# localhost address (dagster-webserver 1.13), by its title.
FIRST_VISIT_DIALOG = "Join the Dagster community"


@dataclass
class DevServer:
    process: subprocess.Popen[bytes]
    port: int
    home: Path
    log: Path

    def graphql(self, query: str) -> dict:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/graphql",
            data=json.dumps({"query": query}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            body = json.load(response)
        assert not body.get("errors"), body["errors"]
        return body["data"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _ignore_sigint() -> None:
    # As a shell starts a background job: SIGINT ignored, inherited across exec.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


LOCATIONS = "{ workspaceOrError { ... on Workspace { locationEntries { name loadStatus } } } }"


@pytest.fixture(scope="module")
def dev_server(tmp_path_factory: pytest.TempPathFactory, dbt_manifest: Path) -> Iterator[DevServer]:
    home = tmp_path_factory.mktemp("dev")
    sample = coachwh(home, "generate", "--agents", "4", "--days", "10", "--start", "2026-11-01")
    assert sample.returncode == 0, sample.stderr
    port = _free_port()
    log = home / "dagster-dev.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [COACHWH, "dev", "--host", "127.0.0.1", "--port", str(port)],
            cwd=home,
            env=environment(home),
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_ignore_sigint,
        )
    server = DevServer(process, port, home, log)
    try:
        deadline = time.monotonic() + 300
        while True:
            assert process.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, "no code location after 300 s"
            try:
                entries = server.graphql(LOCATIONS)["workspaceOrError"]["locationEntries"]
            except OSError:
                entries = []
            if any(e["name"] == LOCATION and e["loadStatus"] == "LOADED" for e in entries):
                break
            time.sleep(0.5)
        yield server
    finally:
        # Whatever a test left running: the whole group, run workers included.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=60)


def test_a_cli_run_while_dagster_dev_is_up_shows_in_the_ui(dev_server: DevServer) -> None:
    # The CLI writes the instance that the webserver and daemon hold open.
    result = coachwh(dev_server.home, "run", "--as-of", AS_OF.isoformat())
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    runs = dev_server.graphql(
        "{ runsOrError { ... on Runs { results { runId jobName status tags { key value } } } } }"
    )["runsOrError"]["results"]
    assert sorted(r["jobName"] for r in runs) == ["refresh_coaching", "refresh_warehouse"]
    for run in runs:
        tags = {t["key"]: t["value"] for t in run["tags"]}
        assert run["status"] == "SUCCESS"
        assert tags["coachwh/launched_by"] == "coachwh run"
        assert json.loads(tags["coachwh/phases"])
    monitor = dev_server.graphql(
        '{ assetOrError(assetKey: {path: ["marts", "coaching_monitor"]}) { ... on Asset { '
        "assetMaterializations(limit: 1) { runId } } } }"
    )["assetOrError"]["assetMaterializations"]
    assert [m["runId"] for m in monitor] == [
        r["runId"] for r in runs if r["jobName"] == "refresh_coaching"
    ]


def test_the_asset_page_opens_with_no_first_visit_dialog(
    dev_server: DevServer, tmp_path: Path
) -> None:
    page = f"http://127.0.0.1:{dev_server.port}/assets/marts/coaching_monitor"
    dom = subprocess.run(
        [
            chromium_binary(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            f"--user-data-dir={tmp_path / 'profile'}",  # a first visit: nothing remembered
            "--window-size=1400,900",
            # Time for the page's queries and the dialog's 1 s delay.
            "--virtual-time-budget=15000",
            "--dump-dom",
            page,
        ],
        capture_output=True,
        text=True,
        timeout=300,
    ).stdout
    assert "Assets | marts / coaching_monitor" in dom  # the page rendered, with its asset
    assert "Latest materialization" in dom
    assert FIRST_VISIT_DIALOG not in dom


def test_sigterm_stops_dagster_dev_within_seconds(dev_server: DevServer) -> None:
    process = dev_server.process
    assert process.poll() is None
    process.send_signal(signal.SIGTERM)
    # Not a speed test: a hang (SIGTERM ignored) would never end by itself.
    process.wait(timeout=15)
    assert process.returncode == 0, dev_server.log.read_text()[-3000:]
    assert "Dagster services shut down." in dev_server.log.read_text()
