"""Headless Chromium driven over the DevTools protocol on a pipe (no port,
no websocket library): what the report tests render pages with."""

import contextlib
import fcntl
import json
import os
import selectors
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

VIEWPORT = 1280  # the narrowest window a report must fit

BROWSER_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class DevTools:
    """Chromium driven over the DevTools protocol on a pipe (fds 3 and 4):
    no port, no websocket library."""

    def __init__(self, binary: str, profile: Path) -> None:
        to_browser_r, to_browser_w = os.pipe()
        from_browser_r, from_browser_w = os.pipe()
        # Above 9, so that redirecting onto fds 3 and 4 cannot clobber them.
        high_r = fcntl.fcntl(to_browser_r, fcntl.F_DUPFD, 10)
        high_w = fcntl.fcntl(from_browser_w, fcntl.F_DUPFD, 10)
        os.close(to_browser_r)
        os.close(from_browser_w)
        script = f'exec "$0" "$@" 3<&{high_r} 4>&{high_w} {high_r}<&- {high_w}>&-'
        self.process = subprocess.Popen(
            ["bash", "-c", script, binary, *BROWSER_FLAGS, f"--user-data-dir={profile}"]
            + ["--remote-debugging-pipe", "about:blank"],
            pass_fds=(high_r, high_w),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(high_r)
        os.close(high_w)
        self.out, self.inp = to_browser_w, from_browser_r
        self.selector = selectors.DefaultSelector()
        self.selector.register(self.inp, selectors.EVENT_READ)
        self.buffer = b""
        self.last_id = 0
        self.events: list[dict] = []

    def _message(self, timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        while b"\0" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not self.selector.select(left):
                raise TimeoutError("no answer from chromium")
            chunk = os.read(self.inp, 1 << 20)
            if not chunk:
                raise EOFError("chromium closed the pipe")
            self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def send(self, method: str, session: str | None = None, **params: Any) -> dict:
        self.last_id += 1
        request = {"id": self.last_id, "method": method, "params": params}
        if session:
            request["sessionId"] = session
        os.write(self.out, json.dumps(request).encode() + b"\0")
        while True:
            message = self._message(30)
            if message.get("id") == self.last_id:
                assert "error" not in message, message
                return message["result"]
            self.events.append(message)

    def wait_for(self, method: str) -> None:
        while not any(e.get("method") == method for e in self.events):
            self.events.append(self._message(30))

    def close(self) -> None:
        with contextlib.suppress(TimeoutError, EOFError, OSError):
            self.send("Browser.close")
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self.out)
        os.close(self.inp)


def chromium_binary() -> str:
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary is None:
        if os.environ.get("COACHWH_REQUIRE_CHROMIUM"):
            pytest.fail("chromium is required here (.ci/run installs it) but is not installed")
        pytest.skip("chromium is not installed: `apt-get install -y chromium` (.ci/run does)")
    return binary


@contextlib.contextmanager
def page_session(profile: Path, width: int, height: int = 1000) -> Iterator[tuple[DevTools, str]]:
    """A browser with one tab of ``width`` x ``height`` CSS pixels, its
    Runtime, Log, Network and Page events on; yields (browser, session)."""
    browser = DevTools(chromium_binary(), profile)
    try:
        target = browser.send("Target.createTarget", url="about:blank")["targetId"]
        session = browser.send("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Runtime", "Log", "Network", "Page"):
            browser.send(f"{domain}.enable", session)
        browser.send(
            "Emulation.setDeviceMetricsOverride",
            session,
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )
        yield browser, session
    finally:
        browser.close()


def load(browser: DevTools, session: str, page: Path) -> None:
    browser.send("Page.navigate", session, url=page.as_uri())
    browser.wait_for("Page.loadEventFired")


def evaluate(browser: DevTools, session: str, expression: str) -> Any:
    result = browser.send("Runtime.evaluate", session, expression=expression, returnByValue=True)
    assert "exceptionDetails" not in result, result
    return result["result"]["value"]


def page_errors(events: list[dict]) -> list[dict]:
    """The console errors, uncaught exceptions and error log entries of a page."""
    console_errors = [
        e["params"]
        for e in events
        if e.get("method") == "Runtime.consoleAPICalled"
        and e["params"]["type"] in ("error", "assert")
    ]
    thrown = [e for e in events if e.get("method") == "Runtime.exceptionThrown"]
    logged = [e["params"]["entry"] for e in events if e.get("method") == "Log.entryAdded"]
    return console_errors + thrown + [entry for entry in logged if entry["level"] == "error"]


# Every element of the monitor table that ends past the viewport's right edge,
# and how far the table scrolls sideways in its box.
MONITOR_OVERFLOW = """(() => {
    const edge = document.documentElement.clientWidth;
    const table = document.querySelector('table[data-table="monitor"]');
    const past = [table, ...table.querySelectorAll('*')]
        .filter(e => e.getBoundingClientRect().right > edge)
        .map(e => e.tagName + ': ' + e.textContent.trim().slice(0, 40));
    const box = table.parentElement;
    return {edge, window: window.innerWidth, rows: table.tBodies[0].rows.length,
            columns: table.tHead.rows[0].cells.length, past,
            scrolls: box.scrollWidth - box.clientWidth};
})()"""


def monitor_overflow(page: Path, profile: Path) -> dict:
    """The Coaching Monitor of a report page, measured in a 1280 px window."""
    with page_session(profile, VIEWPORT) as (browser, session):
        load(browser, session, page)
        measured = evaluate(browser, session, MONITOR_OVERFLOW)
    assert page_errors(browser.events) == []
    return measured
