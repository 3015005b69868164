"""`coachwh demo` end to end (the session's demo, ``demo_home``), the CLI's
status and errors, and the Dagster instance under the home recording what ran."""

import json
import subprocess
import sys
from pathlib import Path

import duckdb
from coachwh_process import coachwh, environment
from dagster import (
    AssetKey,
    DagsterEventType,
    DagsterInstance,
    DagsterRunStatus,
    build_sensor_context,
)

from assets.phases import PHASES, PHASES_TAG
from models.streams import STREAMS

REPO = Path(__file__).resolve().parents[2]


def test_demo_ingests_every_stream_and_builds_the_marts(demo_home) -> None:
    home, output = demo_home
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as conn:
        files = dict(
            conn.execute(
                "select stream, count(*) from ingest.file_ledger "
                "where status = 'ingested' group by stream"
            ).fetchall()
        )
        assert set(files) == set(STREAMS)
        for stream in STREAMS:
            (rows,) = conn.execute(f"select count(*) from raw.{stream}").fetchone()
            assert rows > 0, stream
        (monitor_rows,) = conn.execute("select count(*) from marts.coaching_monitor").fetchone()
        assert monitor_rows > 0
    for stream in STREAMS:
        assert stream in output
    assert "rejected rows by reason" in output
    assert "marts.coaching_monitor" in output


def test_status_reports_the_ledger(demo_home) -> None:
    home, _ = demo_home
    result = coachwh(home, "status")
    assert result.returncode == 0, result.stderr
    assert "files ingested per stream" in result.stdout
    assert "auto_qa_scores" in result.stdout


def test_a_second_run_finds_nothing_new_and_changes_no_raw_row(demo_home) -> None:
    home, _ = demo_home
    query = "select count(*), sum(rows_ok) from ingest.file_ledger"
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as conn:
        before = conn.execute(query).fetchall()
    result = coachwh(home, "run")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as conn:
        assert conn.execute(query).fetchall() == before


def test_a_bad_date_is_a_clear_error(tmp_path: Path) -> None:
    result = coachwh(tmp_path, "run", "--as-of", "25/11/2026")
    assert result.returncode != 0
    assert "expected a date YYYY-MM-DD" in result.stderr


def _manifest() -> dict:
    return json.loads((REPO / "dbt_project/target/manifest.json").read_text())


def test_the_instance_under_the_home_records_the_runs_with_their_phases(demo_home) -> None:
    home, _ = demo_home
    assert (home / "dagster_home/dagster.yaml").read_text() == (
        REPO / "pipelines/dagster.yaml"
    ).read_text()
    with DagsterInstance.from_config(str(home / "dagster_home")) as instance:
        runs = instance.get_runs()
        # The demo's one `coachwh run`: the refresh, then the coaching run the
        # scores' sensor asked for.
        assert sorted(run.job_name for run in runs) == ["refresh_coaching", "refresh_warehouse"]
        for run in runs:
            assert run.status == DagsterRunStatus.SUCCESS
            assert run.tags["coachwh/launched_by"] == "coachwh run"
            phases = json.loads(run.tags[PHASES_TAG])
            assert set(phases) <= set(PHASES) and phases
        (refresh,) = [run for run in runs if run.job_name == "refresh_warehouse"]
        assert "ingest" in json.loads(refresh.tags[PHASES_TAG])


def test_the_instance_holds_the_materializations_and_check_results_of_the_marts(
    demo_home,
) -> None:
    home, _ = demo_home
    manifest = _manifest()
    marts = {
        uid: AssetKey(["marts", node["name"]])
        for uid, node in manifest["nodes"].items()
        if node["resource_type"] == "model" and node["fqn"][1] == "marts"
    }
    # A first build runs every data test of the marts but the whole-table
    # scans, which run with full refreshes.
    tested = {
        marts[node["attached_node"]]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "test"
        and node.get("attached_node") in marts
        and "full_scan" not in node["tags"]
    }
    with DagsterInstance.from_config(str(home / "dagster_home")) as instance:
        run_ids = {run.run_id for run in instance.get_runs()}
        for key in marts.values():
            latest = instance.get_latest_materialization_event(key)
            assert latest is not None and latest.run_id in run_ids, key
        evaluations = [
            entry.dagster_event.asset_check_evaluation_data
            for run_id in run_ids
            for entry in instance.all_logs(run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION)
        ]
    checked_marts = {e.asset_key for e in evaluations if e.asset_key in marts.values()}
    assert tested and checked_marts == tested
    assert all(e.passed for e in evaluations)


def test_a_run_with_nothing_new_imports_neither_dagster_nor_dbt(demo_home) -> None:
    home, _ = demo_home
    probe = (
        "import sys\n"
        "from pipelines.cli import app\n"
        "try:\n"
        "    app(['run'])\n"
        "except SystemExit as done:\n"
        "    assert done.code == 0, done.code\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'dagster', 'dbt'}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=REPO,
        env=environment(home),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "nothing new" in result.stdout
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_status_lists_rejected_links_and_the_entries_the_landing_zone_ignores(
    tmp_path: Path,
) -> None:
    from assets.landing_boundary import AT_ROOT, SYMLINK_REFUSAL
    from assets.landing_zone import ingest_pending

    landing = tmp_path / "landing"
    (landing / "agents").mkdir(parents=True)
    (landing / "agents" / "passwd.jsonl").symlink_to("/etc/passwd")
    (landing / "notes.jsonl").write_text("{}\n")
    # No warehouse yet: the landing zone all the same, and an exit that says so.
    before = coachwh(tmp_path, "status")
    assert before.returncode == 1
    assert before.stderr == (
        f"error: no warehouse at {tmp_path / 'warehouse.duckdb'} yet: run `coachwh run`\n"
    )
    assert f"notes.jsonl  {AT_ROOT}" in before.stdout

    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as conn:
        ingest_pending(conn, landing)
    result = coachwh(tmp_path, "status")
    assert result.returncode == 0, result.stderr
    rejected = result.stdout.split("rejected files")[1].split("ignored in the landing zone")[0]
    assert f"agents  passwd.jsonl  {SYMLINK_REFUSAL}" in rejected
    ignored = result.stdout.split("ignored in the landing zone (not read)")[1]
    assert [line.rstrip() for line in ignored.splitlines()[1:4]] == [
        "  entry        reason",
        f"  notes.jsonl  {AT_ROOT}",
        "",
    ]


def test_the_daemon_does_not_repeat_the_coaching_run_of_a_cli_run(
    demo_home, dbt_manifest: Path
) -> None:
    """With the sensors on, the daemon evaluates the scores' sensor on the
    instance the CLI wrote: the CLI's refresh materialized the scores and the
    CLI started their coaching run itself, so the daemon asks for none."""
    from models.settings import Settings
    from pipelines.definitions import build_definitions
    from pipelines.sensors import requested_runs, scores_refreshed_sensor

    home, _ = demo_home
    defs = build_definitions(Settings(home=home))
    with DagsterInstance.from_config(str(home / "dagster_home")) as instance:
        context = build_sensor_context(instance=instance, definitions=defs)
        assert requested_runs(scores_refreshed_sensor(context)) == []
        (coaching,) = [r for r in instance.get_runs() if r.job_name == "refresh_coaching"]
        (refresh,) = [r for r in instance.get_runs() if r.job_name == "refresh_warehouse"]
        assert coaching.tags["coachwh/scores_run"] == refresh.run_id
