"""Supervisor reports and agent exports, from a snapshot of the hand-made
warehouse of ``marts_examples`` (its docstring lists which filters keep
which assignment)."""

import base64
import contextlib
import csv
import fcntl
import json
import os
import re
import selectors
import shutil
import subprocess
import time
import zipfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import openpyxl
import pytest
from dagster import materialize
from marts_examples import (
    AGENTS,
    AS_OF,
    ASSIGNMENTS,
    GROUP_ID,
    GROUP_NAME,
    agent_facing_id,
    build_working_warehouse,
    daily_score,
)
from typer.testing import CliRunner

from assets.report_rendering import (
    MONITOR_COLUMNS,
    ExportLeakError,
    FilterError,
    ReportError,
    Snapshot,
    export_reports,
    find_forbidden,
    label,
    load_supervisor_report,
    monitor_filters,
)
from assets.reports import REPORTS_KEY, supervisor_reports
from assets.resources import CenterResource
from assets.serving import ServingResource, publish_snapshot

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
D = AS_OF
DEFAULT_RANGE = {"asg-1", "asg-3:agt-03", "asg-3:agt-04", "asg-4"}
FOLLOW_UP_TODAY = {"asg-1", "asg-2", "asg-5"}
GENERATED = datetime(2024, 3, 21, 6, 0, tzinfo=UTC)


def _publish(tmp: Path, **options: Any) -> Path:
    working = build_working_warehouse(tmp / "warehouse.duckdb", **options)
    snapshot = publish_snapshot(working, tmp / "serving").path
    # Reports read the snapshot only: the working file may be mid-refresh.
    working.unlink()
    return snapshot


@pytest.fixture(scope="module")
def serving_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _publish(tmp_path_factory.mktemp("reports"))


def _report(serving_file: Path, kind: str = "center", **filters: Any):
    with duckdb.connect(str(serving_file), read_only=True) as conn:
        return load_supervisor_report(Snapshot(conn), monitor_filters(D, **filters), kind)


def _assignments(report) -> set[str]:
    return set(report.table("monitor").frame["assignment_id"])


def _expected_points(assigned: date, agent: str, attribute: str) -> int:
    days = (D - assigned).days + 15
    first = assigned - timedelta(days=14)
    return sum(
        daily_score(agent, attribute, first + timedelta(days=k)) is not None for k in range(days)
    )


# ---------------------------------------------------------------------------
# Filters


def test_the_default_range_is_the_last_7_days_up_to_as_of(serving_file: Path) -> None:
    filters = monitor_filters(D)
    assert (filters.assigned_from, filters.assigned_to) == (D - timedelta(days=6), D)
    assert filters.follow_up_date is None
    # 03-14 (D-6) is in, 03-13 (D-7) and 03-10 are out.
    assert _assignments(_report(serving_file)) == DEFAULT_RANGE


def test_a_follow_up_date_replaces_the_assigned_range(serving_file: Path) -> None:
    filters = monitor_filters(D, follow_up_date=D)
    assert (filters.assigned_from, filters.assigned_to) == (None, None)
    assert _assignments(_report(serving_file, follow_up_date=D)) == FOLLOW_UP_TODAY


def test_both_date_filters_at_once_are_an_error(serving_file: Path, tmp_path: Path) -> None:
    with pytest.raises(FilterError, match="not both"):
        monitor_filters(D, assigned_from=D - timedelta(days=3), follow_up_date=D)
    with pytest.raises(FilterError, match="not both"):
        export_reports(serving_file, tmp_path, assigned_to=D, follow_up_date=D)
    with pytest.raises(FilterError, match="after"):
        monitor_filters(D, assigned_from=D, assigned_to=D - timedelta(days=1))
    assert not list(tmp_path.iterdir())


def test_one_end_of_the_range_sets_the_other() -> None:
    assert monitor_filters(D, assigned_from=date(2024, 3, 1)).assigned_to == D
    assert monitor_filters(D, assigned_to=date(2024, 3, 10)).assigned_from == date(2024, 3, 4)


def test_an_attribute_filter_keeps_assignments_with_that_attribute(serving_file: Path) -> None:
    report = _report(serving_file, attribute_ids=["compliance"])
    assert _assignments(report) == {"asg-3:agt-03", "asg-3:agt-04"}
    # asg-2 coaches greeting and compliance: only compliance is charted.
    report = _report(serving_file, follow_up_date=D, attribute_ids=["compliance"])
    assert _assignments(report) == {"asg-2"}
    assert set(report.table("progress").frame["attribute_id"]) == {"compliance"}
    assert [(c.assignment_id, c.attribute_id) for c in report.charts] == [("asg-2", "compliance")]


def test_team_and_agent_filters(serving_file: Path) -> None:
    north = _report(serving_file, "team", team="north")
    assert _assignments(north) == {"asg-1", "asg-4"}
    assert set(north.table("monitor").frame["team"]) == {"north"}
    assert _assignments(_report(serving_file, agent_ids=["agt-04"])) == {"asg-3:agt-04"}


# ---------------------------------------------------------------------------
# Content


def test_the_spike_dip_summary_counts_each_trend(serving_file: Path) -> None:
    rows = {r["measure"]: r for r in _report(serving_file).table("trend_summary").frame.to_dicts()}
    # asg-1 spike, asg-3:agt-03 spike, asg-3:agt-04 insufficient data, asg-4 flat
    assert rows["Coached attributes"] == {
        "measure": "Coached attributes",
        "spike": 2,
        "dip": 0,
        "flat": 1,
        "insufficient_data": 1,
        "total": 4,
    }
    assert rows["Kore Evaluation Score"]["flat"] == 2


def test_each_coached_attribute_has_its_daily_series(serving_file: Path) -> None:
    report = _report(serving_file)
    by_id = {a[0]: a for a in ASSIGNMENTS}
    expected = [
        (aid, attribute)
        for aid in ("asg-4", "asg-1", "asg-3:agt-03", "asg-3:agt-04")  # by assigned date, agent
        for attribute in by_id[aid][6]
    ]
    assert [(c.assignment_id, c.attribute_id) for c in report.charts] == expected
    for chart in report.charts:
        assert chart.start == chart.assigned_date - timedelta(days=14)
        assert chart.end == D
        assert len(chart.points) == _expected_points(
            chart.assigned_date, chart.agent_id, chart.attribute_id
        )
        assert all(chart.start <= p.day <= D for p in chart.points)


@pytest.fixture(scope="module")
def center_files(serving_file: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    exports = tmp_path_factory.mktemp("exports")
    paths = export_reports(serving_file, exports, generated_at=GENERATED)
    return {str(p.relative_to(exports)): p for p in paths}


def test_a_report_per_team_and_one_for_the_center(center_files: dict[str, Path]) -> None:
    folders = {name.rsplit("/", 1)[0] for name in center_files}
    assert folders == {"2024-03-20/center", "2024-03-20/team-north", "2024-03-20/team-south"}
    files = {name.rsplit("/", 1)[1] for name in center_files if "/center/" in name}
    assert files == {
        "coaching-report.html",
        "coaching-report.xlsx",
        "monitor.csv",
        "progress.csv",
        "trend_summary.csv",
        "daily_scores.csv",
    }
    south = center_files["2024-03-20/team-south/monitor.csv"].read_text()
    assert "agt-03" in south and "agt-01" not in south


def test_reports_are_reproducible(
    serving_file: Path, center_files: dict[str, Path], tmp_path: Path
) -> None:
    later = datetime(2024, 4, 2, 17, 30, tzinfo=UTC)
    again = {
        str(p.relative_to(tmp_path)): p
        for p in export_reports(serving_file, tmp_path, generated_at=later)
    }
    assert again.keys() == center_files.keys()
    for name, path in center_files.items():
        if name.endswith(".html"):
            before = path.read_text().splitlines()
            after = again[name].read_text().splitlines()
            assert len(before) == len(after)
            differing = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
            assert len(differing) == 1 and "Generated at" in differing[0][0], name
        else:  # CSV, and XLSX with its created date taken from as_of
            assert path.read_bytes() == again[name].read_bytes(), name


def test_csv_holds_the_monitor_rows_sorted(center_files: dict[str, Path]) -> None:
    with center_files["2024-03-20/center/monitor.csv"].open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == list(MONITOR_COLUMNS)
    assert [r["assignment_id"] for r in rows] == ["asg-4", "asg-1", "asg-3:agt-03", "asg-3:agt-04"]
    assert rows[0]["attribute_ids"] == "greeting"


def test_the_workbook_has_a_formatted_sheet_per_table(center_files: dict[str, Path]) -> None:
    workbook = openpyxl.load_workbook(center_files["2024-03-20/center/coaching-report.xlsx"])
    assert workbook.sheetnames == [
        "About",
        "Trend summary",
        "Coaching Monitor",
        "Progress by attribute",
        "Daily scores",
    ]
    assert workbook.properties.created == datetime(2024, 3, 20)
    monitor = workbook["Coaching Monitor"]
    assert [c.value for c in monitor[1]] == [label(c) for c in MONITOR_COLUMNS]
    assert monitor.max_row == 1 + len(DEFAULT_RANGE)
    assert monitor.freeze_panes == "A2"
    assert monitor.auto_filter.ref == f"A1:Q{1 + len(DEFAULT_RANGE)}"
    header = {c.value: c.column for c in monitor[1]}
    assigned = monitor.cell(row=2, column=header["Assigned"])
    assert assigned.value == datetime(2024, 3, 14) and assigned.number_format == "yyyy-mm-dd"
    score = monitor.cell(row=2, column=header["Scorecard current"])
    assert score.value == 78.0 and score.number_format == "0.00"
    progress = workbook["Progress by attribute"]
    assert progress.max_row == 1 + 4
    assert [c.value for c in progress[1]][:3] == ["Agent ID", "Agent", "Team"]
    daily = workbook["Daily scores"]
    expected = sum(
        _expected_points(a[7], a[5], attr)
        for a in ASSIGNMENTS
        if a[0] in DEFAULT_RANGE
        for attr in a[6]
    )
    assert daily.max_row == 1 + expected


def test_the_html_is_self_contained(center_files: dict[str, Path]) -> None:
    page = center_files["2024-03-20/center/coaching-report.html"].read_text()
    assert "<script" not in page.lower()
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", page, re.I)
    assert "http://" not in page and "https://" not in page
    assert "url(" not in page and "@import" not in page
    assert "default-src 'none'" in page
    assert page.count('<svg class="chart"') == 4
    assert page.count('class="generated"') == 1


# ---------------------------------------------------------------------------
# The HTML in a browser


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


def _chromium() -> str:
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary is None:
        if os.environ.get("COACHWH_REQUIRE_CHROMIUM"):
            pytest.fail("chromium is required here (.ci/run installs it) but is not installed")
        pytest.skip("chromium is not installed: `apt-get install -y chromium` (.ci/run does)")
    return binary


def test_the_html_report_renders_in_chromium_with_no_error_and_no_request(
    center_files: dict[str, Path], tmp_path: Path
) -> None:
    page = center_files["2024-03-20/center/coaching-report.html"]
    browser = DevTools(_chromium(), tmp_path / "profile")
    try:
        target = browser.send("Target.createTarget", url="about:blank")["targetId"]
        session = browser.send("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Runtime", "Log", "Network", "Page"):
            browser.send(f"{domain}.enable", session)
        browser.send(
            "Emulation.setDeviceMetricsOverride",
            session,
            width=1280,
            height=1000,
            deviceScaleFactor=1,
            mobile=False,
        )
        browser.send("Page.navigate", session, url=page.as_uri())
        browser.wait_for("Page.loadEventFired")
        charts = browser.send(
            "Runtime.evaluate",
            session,
            expression="""Array.from(document.querySelectorAll('svg.chart')).map(svg => [
                svg.getBoundingClientRect().width, svg.querySelectorAll('circle.point').length,
                Number(svg.dataset.points), svg.querySelectorAll('line.assigned').length])""",
            returnByValue=True,
        )["result"]["value"]
        shot = browser.send(
            "Page.captureScreenshot", session, format="png", captureBeyondViewport=True
        )
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / "report.png").write_bytes(base64.b64decode(shot["data"]))
    finally:
        browser.close()

    events = browser.events
    requested = [
        e["params"]["request"]["url"]
        for e in events
        if e.get("method") == "Network.requestWillBeSent"
    ]
    assert requested == [page.as_uri()]
    console_errors = [
        e["params"]
        for e in events
        if e.get("method") == "Runtime.consoleAPICalled"
        and e["params"]["type"] in ("error", "assert")
    ]
    assert console_errors == []
    assert [e for e in events if e.get("method") == "Runtime.exceptionThrown"] == []
    logged = [e["params"]["entry"] for e in events if e.get("method") == "Log.entryAdded"]
    assert [entry for entry in logged if entry["level"] == "error"] == []
    assert len(charts) == 4
    for width, circles, points, assigned_marks in charts:
        assert width > 0
        assert circles == points > 0
        assert assigned_marks == 1
    assert (ARTIFACTS / "report.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# ---------------------------------------------------------------------------
# Agent exports


def _all_text(paths: list[Path]) -> dict[str, str]:
    texts = {}
    for path in paths:
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as archive:
                texts[path.name] = "\n".join(archive.read(n).decode() for n in archive.namelist())
        else:
            texts[path.name] = path.read_text()
    return texts


def test_an_agent_export_holds_that_agents_rows_only(serving_file: Path, tmp_path: Path) -> None:
    paths = export_reports(serving_file, tmp_path, agent="agt-03", generated_at=GENERATED)
    assert {p.parent.name for p in paths} == {"agent-agt-03"}
    texts = _all_text(paths)
    assert set(texts) == {
        "coaching-log.html",
        "coaching-log.xlsx",
        "assignments.csv",
        "marked_interactions.csv",
        "best_responses.csv",
        "progress.csv",
        "coaching_log.csv",
        "daily_scores.csv",
    }
    for name, text in texts.items():
        for other in set(AGENTS) - {"agt-03"}:
            assert other not in text, (name, other)
        assert GROUP_ID not in text, name
        assert GROUP_NAME not in text, name
        assert "group" not in text.lower() or name.endswith(".xlsx"), name
    with (tmp_path / "2024-03-20" / "agent-agt-03" / "assignments.csv").open() as f:
        rows = list(csv.DictReader(f))
    # All of the agent's assignments; the group's one named after what it coaches.
    assert [(r["assignment_id"], r["name"]) for r in rows] == [
        (agent_facing_id("asg-5"), "Empathy - Cy Diaz"),
        (agent_facing_id("asg-3:agt-03"), "Compliance coaching"),
    ]
    assert "agent_status" in rows[0] and "status" not in rows[0]
    marked = (tmp_path / "2024-03-20" / "agent-agt-03" / "marked_interactions.csv").read_text()
    assert "int-201" in marked and "int-401" not in marked
    html = texts["coaching-log.html"]
    assert "Feedback for asg-3:agt-03" in html and html.count('<svg class="chart"') == 2


def test_an_agent_export_has_the_coaching_log_by_cycle(serving_file: Path, tmp_path: Path) -> None:
    paths = export_reports(serving_file, tmp_path, agent="agt-01", formats=["csv"])
    log = next(p for p in paths if p.name == "coaching_log.csv")
    with log.open() as f:
        rows = list(csv.DictReader(f))
    assert [(r["cycle_start"], r["attribute_id"], r["is_focus"]) for r in rows] == [
        ("2024-03-07", "empathy", "true")
    ]
    assert json.loads(rows[0]["evidence"])[0]["interaction_id"] == "int-101"
    # agt-02 is an outlier of agt-01's team: nothing of it reaches agt-01.
    assert all("agt-02" not in p.read_text() for p in paths)


def test_an_agent_export_without_a_coaching_log_yet(tmp_path: Path) -> None:
    serving_file = _publish(tmp_path, with_coaching_log=False)
    paths = export_reports(
        serving_file, tmp_path / "exports", agent="agt-01", formats=["html", "csv"]
    )
    assert "coaching_log.csv" not in {p.name for p in paths}
    assert "not in the warehouse yet" in next(p for p in paths if p.suffix == ".html").read_text()


def test_an_agent_export_that_would_leak_group_context_is_not_written(tmp_path: Path) -> None:
    working = build_working_warehouse(tmp_path / "warehouse.duckdb")
    with duckdb.connect(str(working)) as conn:
        conn.execute(
            f"update marts.agent_assignments set feedback = 'Welcome to {GROUP_NAME}!' "
            "where assignment_id = ?",
            [agent_facing_id("asg-3:agt-03")],
        )
    serving_file = publish_snapshot(working, tmp_path / "serving").path
    with pytest.raises(ExportLeakError, match=GROUP_NAME):
        export_reports(serving_file, tmp_path / "exports", agent="agt-03")
    assert not [p for p in (tmp_path / "exports").rglob("*") if p.is_file()]


def test_forbidden_values_are_found_as_whole_tokens() -> None:
    forbidden = {"agent id": frozenset({"agt-01", "a7"}), "group name": frozenset({"Crew"})}
    assert find_forbidden("asg-3:agt-01 done", forbidden) == [("agent id", "agt-01")]
    assert find_forbidden("agt-010 and a7 and Crewmates", forbidden) == []


def test_an_unknown_agent_or_team_is_a_clear_error(serving_file: Path, tmp_path: Path) -> None:
    with pytest.raises(ReportError, match="unknown agent 'agt-99'"):
        export_reports(serving_file, tmp_path, agent="agt-99")
    with pytest.raises(ReportError, match="unknown team 'east'"):
        export_reports(serving_file, tmp_path, team="east")
    with pytest.raises(ReportError, match="no serving snapshot"):
        export_reports(tmp_path / "missing.duckdb", tmp_path)


# ---------------------------------------------------------------------------
# Command line and Dagster


@pytest.fixture
def cli(serving_file: Path, tmp_path: Path):
    from pipelines.cli import app

    options = ["--home", str(tmp_path), "--serving", str(serving_file.parent)]

    def invoke(*args: str):
        return CliRunner().invoke(app, [*options, "export", *args])

    # The CLI publishes its settings to the environment: restore it after.
    saved = dict(os.environ)
    try:
        yield invoke
    finally:
        os.environ.clear()
        os.environ.update(saved)


def test_coachwh_export_prints_the_paths_it_wrote(cli, tmp_path: Path) -> None:
    result = cli("--team", "north", "--format", "csv", "--attribute", "empathy,greeting")
    assert result.exit_code == 0, result.output
    written = result.stdout.split()
    folder = tmp_path / "exports" / "2024-03-20" / "team-north"
    assert written == [
        str(folder / f"{t}.csv") for t in ("trend_summary", "monitor", "progress", "daily_scores")
    ]
    assert "asg-4" in (folder / "monitor.csv").read_text()


def test_coachwh_export_refuses_both_date_filters(cli) -> None:
    result = cli("--assigned-from", "2024-03-01", "--follow-up-date", "today")
    assert result.exit_code == 2
    # The message comes in a box, wrapped: compare the words.
    words = " ".join(re.sub("[│╭╮╰╯─]", " ", result.output).split())
    assert "or a follow-up date (--follow-up-date), not both" in words


def test_coachwh_export_of_one_agent(cli, tmp_path: Path) -> None:
    result = cli("--agent", "agt-04", "--format", "html", "--as-of", "2024-03-20")
    assert result.exit_code == 0, result.output
    assert result.stdout.split() == [
        str(tmp_path / "exports" / "2024-03-20" / "agent-agt-04" / "coaching-log.html")
    ]


def test_the_weekly_asset_writes_the_reports(serving_file: Path, tmp_path: Path) -> None:
    result = materialize(
        [supervisor_reports],
        resources={
            "serving": ServingResource(serving=str(serving_file.parent), exports=str(tmp_path)),
            "center": CenterResource(landing=str(tmp_path / "landing")),
        },
    )
    assert result.success
    assert sorted(p.name for p in (tmp_path / "2024-03-20").iterdir()) == [
        "center",
        "team-north",
        "team-south",
    ]
    metadata = result.asset_materializations_for_node(supervisor_reports.op.name)[0].metadata
    assert metadata["reports"].value == 3


def test_the_weekly_schedule_runs_the_reports_job(tmp_path: Path, dbt_manifest: Path) -> None:
    from models.settings import Settings
    from pipelines.definitions import build_definitions

    defs = build_definitions(Settings(home=tmp_path, timezone="Europe/Berlin"))
    schedule = defs.resolve_schedule_def("weekly_supervisor_reports")
    assert schedule.cron_schedule == "0 6 * * 1"
    assert schedule.execution_timezone == "Europe/Berlin"
    assert schedule.job_name == "supervisor_reports"
    job = defs.resolve_job_def("supervisor_reports")
    assert set(job.asset_layer.executable_asset_keys) == {REPORTS_KEY}


# ---------------------------------------------------------------------------
# On a real `coachwh demo`


@pytest.mark.slow
def test_reports_of_a_real_demo(demo_home: tuple[Path, str], tmp_path: Path) -> None:
    home, output = demo_home
    printed = output.split("\nreports (", 1)[1].splitlines()[1:]
    paths = [Path(line.strip()) for line in printed if line.strip()]
    assert paths and all(p.is_file() for p in paths)
    assert {p.parent.name for p in paths} >= {"center"}

    serving_file = home / "serving" / "warehouse.duckdb"
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as conn:
        marts = dict(
            conn.execute(
                "select table_name, estimated_size from duckdb_tables() where schema_name = 'marts'"
            ).fetchall()
        )
        groups = conn.execute(
            "select distinct group_id, name from raw.coaching_events "
            "where event_type = 'group_created'"
        ).fetchall()
    with duckdb.connect(str(serving_file), read_only=True) as conn:
        published = {
            name: conn.execute(f"select count(*) from marts.{name}").fetchall()[0][0]
            for (name,) in conn.execute(
                "select table_name from duckdb_tables() where schema_name = 'marts'"
            ).fetchall()
        }
        agents = [
            a
            for (a,) in conn.execute(
                "select distinct agent_id from marts.coaching_monitor order by 1"
            ).fetchall()
        ]
        everyone = {
            a
            for (a,) in conn.execute(
                "select distinct agent_id from marts.agent_attribute_scores"
            ).fetchall()
        }
    assert set(published) == set(marts)

    center = next(p for p in paths if p.parent.name == "center" and p.suffix == ".html").read_text()
    assert center.count('<svg class="chart"') >= 1
    assert groups, "the sample has group assignments"
    for agent in agents:
        files = export_reports(serving_file, tmp_path / "agent-exports", agent=agent)
        for name, text in _all_text(files).items():
            for other in everyone - {agent}:
                assert not re.search(rf"{re.escape(other)}(?![0-9])", text), (agent, name, other)
            for group_id, group_name in groups:
                assert group_id not in text and group_name not in text, (agent, name)
