"""``coachwh export`` and the weekly asset: the folders named after the
filters, several teams, and every bad input as one line with a non-zero exit
and no traceback, writing nothing."""

import csv
import ctypes
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pytest
from browser import monitor_overflow
from dagster import materialize
from report_examples import all_text
from typer.testing import CliRunner, Result

from assets.reports.asset import REPORTS_KEY, supervisor_reports
from assets.reports.errors import FilterError, ReportError, check_known
from assets.reports.export import export_reports
from assets.resources import CenterResource
from assets.serving import ServingResource

COACHWH = Path(sys.executable).parent / "coachwh"
ATTRIBUTES = "the snapshot's attributes: compliance, empathy, greeting"
AGENTS = "the snapshot's agents: agt-01, agt-02, agt-03, agt-04"

Invoke = Callable[..., Result]


@pytest.fixture
def cli(serving_file: Path, tmp_path: Path) -> Iterator[Invoke]:
    """``coachwh [options] export args`` on the hand-made snapshot, with
    exports under ``tmp_path/exports`` unless ``options`` move them."""
    from pipelines.cli import app

    def invoke(*args: str, options: tuple[str, ...] = ()) -> Result:
        where = ["--home", str(tmp_path), "--serving", str(serving_file.parent), *options]
        return CliRunner().invoke(app, [*where, "export", *args])

    # The CLI publishes its settings to the environment: restore it after.
    saved = dict(os.environ)
    try:
        yield invoke
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_coachwh_export_prints_the_paths_it_wrote(cli: Invoke, tmp_path: Path) -> None:
    result = cli("--team", "north", "--format", "csv", "--attribute", "empathy,greeting")
    assert result.exit_code == 0, result.output
    written = result.stdout.split()
    folder = tmp_path / "exports" / "2024-03-20" / "team-north--attribute-empathy+greeting"
    tables = ("trend_summary", "monitor", "progress", "notes", "daily_scores")
    assert written == [str(folder / f"{t}.csv") for t in tables] + [str(folder / "filters.json")]
    assert "asg-4" in (folder / "monitor.csv").read_text()


def test_coachwh_export_by_experience_level(cli: Invoke, tmp_path: Path) -> None:
    # marts_examples: agt-01 and agt-03 are junior, agt-02 senior, agt-04 has none.
    # The default range keeps asg-1, asg-4 (agt-01) and asg-3:agt-03 of them.
    result = cli("--experience-level", "junior", "--format", "csv")
    assert result.exit_code == 0, result.output
    day = tmp_path / "exports" / "2024-03-20"
    folder = day / "center--experience-junior"
    with (folder / "monitor.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert {r["assignment_id"] for r in rows} == {"asg-1", "asg-3:agt-03", "asg-4"}
    assert {r["experience_level"] for r in rows} == {"junior"}
    assert json.loads((folder / "filters.json").read_text())["experience_levels"] == ["junior"]
    # Repeated or comma-separated, the same folder: both levels.
    for args in (
        ("--experience-level", "senior,junior"),
        ("--experience-level", "junior", "--experience-level", "senior"),
    ):
        result = cli(*args, "--format", "csv")
        assert result.exit_code == 0, result.output
    assert (day / "center--experience-junior+senior" / "monitor.csv").is_file()


def test_coachwh_export_of_one_agent(cli: Invoke, tmp_path: Path) -> None:
    result = cli("--agent", "agt-04", "--format", "html", "--as-of", "2024-03-20")
    assert result.exit_code == 0, result.output
    folder = tmp_path / "exports" / "2024-03-20" / "agent-agt-04"
    assert result.stdout.split() == [
        str(folder / "coaching-log.html"),
        str(folder / "filters.json"),
    ]


def test_several_teams_are_one_folder_each(cli: Invoke, tmp_path: Path) -> None:
    for teams in (("--team", "north", "--team", "south"), ("--team", "south,north")):
        result = cli(*teams, "--format", "csv")
        assert result.exit_code == 0, result.output
        folders = {Path(line).parent.name for line in result.stdout.split()}
        assert folders == {"team-north", "team-south"}
    assert sorted(p.name for p in (tmp_path / "exports" / "2024-03-20").iterdir()) == [
        "team-north",
        "team-south",
    ]


def test_a_filtered_export_never_overwrites_an_unfiltered_one(cli: Invoke, tmp_path: Path) -> None:
    day = tmp_path / "exports" / "2024-03-20"
    assert cli("--format", "csv").exit_code == 0
    unfiltered = _files(day)
    assert {name.split("/")[0] for name in unfiltered} == {"center", "team-north", "team-south"}

    result = cli("--format", "csv", "--attribute", "compliance", "--agents-filter", "agt-03")
    assert result.exit_code == 0, result.output
    filtered = {Path(line).parent.name for line in result.stdout.split()}
    assert filtered == {
        "center--attribute-compliance--agents-agt-03",
        "team-south--attribute-compliance--agents-agt-03",
    }
    # Every file of the unfiltered export is still there, byte for byte.
    assert {k: v for k, v in _files(day).items() if k in unfiltered} == unfiltered
    monitor = (day / "center--attribute-compliance--agents-agt-03" / "monitor.csv").read_text()
    assert re.findall(r"^asg-[^,]+", monitor, re.M) == ["asg-3:agt-03"]

    # Another date range is another report too.
    result = cli("--format", "csv", "--assigned-from", "2024-03-01")
    assert result.exit_code == 0, result.output
    assert (day / "center--assigned-2024-03-01-to-2024-03-20" / "monitor.csv").is_file()
    assert {k: v for k, v in _files(day).items() if k in unfiltered} == unfiltered


# ---------------------------------------------------------------------------
# Bad input: one line, non-zero exit, no traceback, nothing written


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("--attribute", "nosuch"),
            f"error: unknown --attribute 'nosuch'; {ATTRIBUTES}",
        ),
        (
            ("--agents-filter", "agt-01,agt-9999"),
            f"error: unknown --agents-filter 'agt-9999'; {AGENTS}",
        ),
        (
            ("--team", "north", "--team", "east"),
            "error: unknown --team 'east'; the snapshot's teams: north, south",
        ),
        (
            ("--agent", "agt-99"),
            f"error: unknown --agent 'agt-99'; {AGENTS}",
        ),
        (
            ("--agent", "agt-01", "--attribute", "nosuch"),
            f"error: unknown --attribute 'nosuch'; {ATTRIBUTES}",
        ),
        (
            ("--team", "north", "--agent", "agt-01"),
            "error: give either --team or --agent, not both",
        ),
        (
            ("--agent", "agt-01", "--agents-filter", "agt-02"),
            "error: --agents-filter is for supervisor reports: --agent is one agent",
        ),
        (
            ("--assigned-from", "2024-03-01", "--follow-up-date", "today"),
            "error: give either an assigned-date range (--assigned-from/--assigned-to) or a "
            "follow-up date (--follow-up-date), not both",
        ),
        (
            ("--format", "pdf"),
            "error: unknown --format pdf: choose from html, xlsx, csv",
        ),
        (
            ("--experience-level", "junior,expert"),
            "error: unknown --experience-level 'expert'; "
            "the snapshot's experience levels: junior, senior",
        ),
        (
            ("--agent", "agt-01", "--experience-level", "junior"),
            "error: --experience-level is for supervisor reports: --agent is one agent",
        ),
    ],
)
def test_a_bad_option_is_one_line_naming_it(
    cli: Invoke, tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    result = cli(*args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [message]
    assert "Traceback" not in result.output
    assert not (tmp_path / "exports").exists()


def test_an_exports_folder_under_a_file_is_one_line(cli: Invoke, tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("a file, not a folder\n")
    result = cli("--format", "csv", options=("--exports", str(tmp_path / "taken" / "exports")))
    assert result.exit_code == 1
    folder = tmp_path / "taken" / "exports" / "2024-03-20" / "center"
    assert result.stderr.splitlines() == [
        f"error: cannot write reports to {folder}: {tmp_path / 'taken'} is a file, not a folder: "
        "give a path under folders"
    ]
    assert result.stdout == "" and "Traceback" not in result.output


PR_CAPBSET_DROP, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH = 24, 1, 2


def _without_permission_override() -> None:
    """In the child, before exec: give up the capabilities that let root write
    where the permission bits forbid it, so a read-only folder is one for it too."""
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
        if libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def test_an_unwritable_exports_folder_is_one_line(serving_file: Path, tmp_path: Path) -> None:
    exports = tmp_path / "exports"
    exports.mkdir(mode=0o555)
    exports.chmod(0o555)
    try:
        result = subprocess.run(
            [COACHWH, "--home", str(tmp_path), "--serving", str(serving_file.parent)]
            + ["export", "--format", "csv"],
            env={k: v for k, v in os.environ.items() if not k.startswith("COACHWH_")},
            preexec_fn=_without_permission_override if os.geteuid() == 0 else None,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        exports.chmod(0o755)
    assert result.returncode == 1, result.stderr
    folder = exports / "2024-03-20" / "center"
    assert result.stderr.splitlines() == [
        f"error: cannot write reports to {folder}: {exports} is not writable: "
        "give a folder this user can write to"
    ]
    assert result.stdout == ""
    assert list(exports.iterdir()) == []


def test_an_error_lists_the_first_20_known_values_of_many() -> None:
    known = [f"agt-{k:02d}" for k in range(25)]
    with pytest.raises(FilterError) as error:
        check_known("--agents-filter", ["agt-99", "agt-03", "agt-98"], "agents", known)
    listed = ", ".join(known[:20])
    assert str(error.value) == (
        f"unknown --agents-filter 'agt-98', 'agt-99'; the snapshot's agents: {listed}, "
        "... (25 in all)"
    )


def test_the_library_says_what_is_unknown(serving_file: Path, tmp_path: Path) -> None:
    with pytest.raises(FilterError, match="unknown --agent 'agt-99'"):
        export_reports(serving_file, tmp_path, agent="agt-99")
    with pytest.raises(FilterError, match="unknown --team 'east'"):
        export_reports(serving_file, tmp_path, teams=["east"])
    with pytest.raises(ReportError, match="no serving snapshot"):
        export_reports(tmp_path / "missing.duckdb", tmp_path)
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------------
# Dagster


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
    # The demo's range is the sample's days, not the default week: its folder says so.
    center = [p for p in paths if p.parent.name.startswith("center--assigned-")]
    assert {p.name for p in center} >= {"coaching-report.html", "filters.json"}

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

    page = next(p for p in center if p.suffix == ".html")
    assert page.read_text().count('<svg class="chart"') >= 1
    assert groups, "the sample has group assignments"
    for agent in agents:
        files = export_reports(serving_file, tmp_path / "agent-exports", agent=agent)
        for name, text in all_text(files).items():
            for other in everyone - {agent}:
                assert not re.search(rf"{re.escape(other)}(?![0-9])", text), (agent, name, other)
            for group_id, group_name in groups:
                assert group_id not in text and group_name not in text, (agent, name)
    # Last, as it needs Chromium: the real monitor fits a 1280 px window too.
    measured = monitor_overflow(page, tmp_path / "profile")
    assert measured["rows"] >= 1 and measured["past"] == [] and measured["scrolls"] == 0


def test_the_templates_ship_with_the_package() -> None:
    """A non-editable install holds what setuptools' package data lists."""
    import tomllib
    from fnmatch import fnmatch

    package = Path(__file__).resolve().parents[3] / "assets" / "reports"
    config = tomllib.loads((package.parents[1] / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["assets.reports"]
    templates = [p.relative_to(package).as_posix() for p in (package / "templates").iterdir()]
    assert templates
    assert [t for t in templates if not any(fnmatch(t, p) for p in patterns)] == []
