"""dbt in this process: one parse per process, then builds that skip parsing.

Plain Python, no Dagster. A ``dbt`` subprocess pays its interpreter, its
imports and the project's parse on every invocation; here the project is
parsed once per process and working file (from the partial parse kept beside
the working file, so a new process re-parses only what changed), and every
build reuses that manifest. The warehouse's dbt artifacts live in one folder
per working file (:func:`state_dir`): the partial parse survives, and there
is nothing temporary to leave behind.
"""

import contextlib
import json
import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assets.build_state import DBT_PROJECT_DIR

# Result events of dbt's structured log: one per node run.
RESULT_EVENTS = frozenset({"LogModelResult", "LogTestResult", "LogSeedResult", "LogSnapshotResult"})
EventSink = Callable[[dict[str, Any]], None]


def state_dir(warehouse: Path) -> Path:
    """The dbt target folder of a working file: its partial parse and artifacts.
    One per working file, since the parse carries the file's path."""
    return warehouse.parent / f".{warehouse.name}.dbt"


@dataclass
class BuildResult:
    """One ``dbt build``: its node results and where the time went."""

    success: bool
    events: list[dict[str, Any]] = field(default_factory=list)  # result events, as dbt logs them
    parse_seconds: float = 0.0  # loading the project and planning the build
    model_seconds: float = 0.0
    test_seconds: float = 0.0
    error: str | None = None

    def succeeded_models(self) -> list[str]:
        return [
            e["data"]["node_info"]["unique_id"]
            for e in self.events
            if e["info"]["name"] == "LogModelResult"
            and e["data"]["node_info"].get("node_status") == "success"
        ]


_manifests: dict[tuple[str, str], Any] = {}


def _common_args(target: Path) -> list[str]:
    return [
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--target-path",
        str(target),
        "--log-path",
        str(target / "logs"),
    ]


@contextlib.contextmanager
def _environment(warehouse: Path, memory_limit: str) -> Iterator[None]:
    """profiles.yml reads the working file and the memory budget from the
    environment: set them for one dbt invocation, and put back what was
    there, so nothing this process starts later inherits them."""
    values = {"COACHWH_WAREHOUSE": str(warehouse), "COACHWH_MEMORY_LIMIT": memory_limit}
    held = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in held.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def manifest_for(warehouse: Path, vars_: Mapping[str, object], memory_limit: str) -> Any:
    """The parsed project for this working file and vars, parsed once per process."""
    from dbt.cli.main import dbtRunner

    key = (str(warehouse), json.dumps(dict(vars_), sort_keys=True))
    if key not in _manifests:
        target = state_dir(warehouse)
        target.mkdir(parents=True, exist_ok=True)
        with _environment(warehouse, memory_limit):
            result = dbtRunner().invoke(
                ["parse", *_common_args(target), "--vars", key[1], "--quiet", "--no-write-json"]
            )
        if not result.success:
            raise RuntimeError(f"dbt could not parse the project: {result.exception}")
        _manifests[key] = result.result
    return _manifests[key]


def build(
    warehouse: Path,
    vars_: Mapping[str, object],
    memory_limit: str,
    select: Sequence[str],
    exclude: Sequence[str] = (),
    full_refresh: bool = False,
) -> BuildResult:
    """``dbt build`` of the selected nodes (with their data tests) against the
    working file, in this process."""
    from dbt.cli.main import dbtRunner
    from dbt_common.events.functions import msg_to_dict

    started = time.perf_counter()
    manifest = manifest_for(warehouse, vars_, memory_limit)
    events: list[dict[str, Any]] = []
    errors: list[str] = []

    def collect(message: Any) -> None:
        if message.info.name in RESULT_EVENTS:
            events.append(msg_to_dict(message))
        elif message.info.name == "RunResultError":
            errors.append(" ".join(str(message.data.msg).split())[:2000])

    args = ["build", *_common_args(state_dir(warehouse)), "--vars", json.dumps(dict(vars_))]
    args += ["--select", *select, "--no-write-json"]
    if exclude:
        args += ["--exclude", *exclude]
    if full_refresh:
        args.append("--full-refresh")
    try:
        with _environment(warehouse, memory_limit):
            outcome = dbtRunner(manifest=manifest, callbacks=[collect]).invoke(args)
    finally:
        _release_database()
    elapsed = time.perf_counter() - started
    result = BuildResult(success=outcome.success, events=events)
    for event in events:
        seconds = float(event["data"].get("execution_time") or 0.0)
        if event["info"]["name"] == "LogTestResult":
            result.test_seconds += seconds
        else:
            result.model_seconds += seconds
    result.parse_seconds = max(elapsed - result.model_seconds - result.test_seconds, 0.0)
    if not outcome.success:
        failures = [
            f"{e['data']['node_info']['unique_id']}: {e['data']['node_info'].get('node_status')}"
            for e in events
            if e["data"]["node_info"].get("node_status") not in ("success", "pass", "skipped")
        ]
        detail = "; ".join(failures) or str(outcome.exception)
        result.error = f"dbt build failed: {detail}" + "".join(f"\n{e}" for e in errors)
    return result


def _release_database() -> None:
    """dbt-duckdb keeps its database instance open after an invocation; close
    it, so the next connection of this process may open the file its own way
    (another configuration, or read-only for the snapshot)."""
    with contextlib.suppress(ImportError):
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager

        with contextlib.suppress(Exception):
            DuckDBConnectionManager.env().close()
        DuckDBConnectionManager.close_all_connections()
