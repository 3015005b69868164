"""The code location loads as `dagster dev` loads it, as one lineage graph."""

import os
import subprocess
import sys
import warnings
from pathlib import Path

from dagster import AssetKey, Definitions

from models.settings import Settings

REPO = Path(__file__).resolve().parents[2]


def test_workspace_loads_with_no_error(tmp_path: Path, dbt_manifest: Path) -> None:
    # As `dagster dev` loads it: with the dev flag (the dbt project is prepared
    # on load) and from a virtual environment that is not activated.
    env = {
        **os.environ,
        "COACHWH_HOME": str(tmp_path),
        "DAGSTER_HOME": str(tmp_path),
        "DAGSTER_IS_DEV_CLI": "1",
        "PATH": "/usr/bin:/bin",
    }
    result = subprocess.run(
        [
            Path(sys.executable).parent / "dagster",
            "definitions",
            "validate",
            "-w",
            "workspace.yaml",
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    output = result.stderr + result.stdout
    assert "All code locations passed validation" in output
    assert "Error loading" not in output


def test_definitions_build_without_warnings(tmp_path: Path, dbt_manifest: Path) -> None:
    from pipelines.definitions import build_definitions

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any warning while loading fails the test
        defs = build_definitions(Settings(home=tmp_path))
        Definitions.validate_loadable(defs)
    assert {s.name for s in defs.sensors} == {"landing_zone_sensor", "scores_refreshed_sensor"}
    assert {s.name for s in defs.schedules} == {"daily_as_of_roll", "weekly_supervisor_reports"}


def test_landing_zone_to_marts_is_one_lineage_graph(tmp_path: Path, dbt_manifest: Path) -> None:
    from pipelines.definitions import build_definitions

    graph = build_definitions(Settings(home=tmp_path)).resolve_asset_graph()
    monitor = AssetKey(["marts", "coaching_monitor"])
    upstream = graph.get(monitor).parent_keys
    seen, frontier = set(upstream), list(upstream)
    while frontier:
        for parent in graph.get(frontier.pop()).parent_keys:
            if parent not in seen:
                seen.add(parent)
                frontier.append(parent)
    for stream in ("auto_qa_scores", "coaching_events", "evaluations", "agents"):
        assert AssetKey(["raw", stream]) in seen
    assert graph.get(AssetKey(["raw", "auto_qa_scores"])).group_name == "ingest"
