"""Sensors: the landing-zone watcher that turns new files into runs, and the
asset sensor that raises coaching marks when the scores are rebuilt."""

import json

from dagster import (
    EventLogEntry,
    RunRequest,
    SensorEvaluationContext,
    SkipReason,
    asset_sensor,
    sensor,
)

from assets.dbt import AS_OF_METADATA
from assets.landing_zone import landing_files
from assets.marks import SCORES_KEY
from pipelines.jobs import coaching_job, refresh_job
from pipelines.resources import CenterResource

# A tick lists the landing zone, or reads one asset's newest event: cheap
# enough to look often, so a file reaches the snapshot within seconds.
SENSOR_INTERVAL_SECONDS = 5


@sensor(job=refresh_job, minimum_interval_seconds=SENSOR_INTERVAL_SECONDS)
def landing_zone_sensor(
    context: SensorEvaluationContext, center: CenterResource
) -> RunRequest | SkipReason:
    """One run per tick for every file that is new at that tick.

    The cursor is the newest status-change time (ctime) seen: a producer's
    rename to the final name sets it, so a file counts as new once it is
    complete. The run ingests every pending file (the ledger decides), so even
    a file the cursor missed is taken by the next run, and never twice.
    """
    cursor = json.loads(context.cursor) if context.cursor else {"ctime_ns": 0, "names": []}
    seen_ns, seen_names = cursor["ctime_ns"], set(cursor["names"])
    arrivals = {
        f"{f.stream}/{f.name}": f.path.stat().st_ctime_ns for f in landing_files(center.landing_dir)
    }
    # Timestamps are coarse: a file may share the newest ctime seen and still
    # be new, so the cursor keeps the names that carry that ctime.
    new = {
        name: ns
        for name, ns in arrivals.items()
        if ns > seen_ns or (ns == seen_ns and name not in seen_names)
    }
    if not new:
        return SkipReason("no new files in the landing zone")
    newest = max(new.values())
    at_newest = sorted(name for name, ns in arrivals.items() if ns == newest)
    context.update_cursor(json.dumps({"ctime_ns": newest, "names": at_newest}))
    return RunRequest(
        run_key=f"landing:{newest}:{len(new)}:{at_newest[-1]}",
        tags={"coachwh/new_files": str(len(new))},
    )


def requested_runs(evaluation: object) -> list[RunRequest]:
    """The run requests of one sensor evaluation, whatever shape it returns."""
    if evaluation is None or isinstance(evaluation, RunRequest | SkipReason):
        evaluations = [evaluation]
    else:
        evaluations = list(evaluation)
    return [e for e in evaluations if isinstance(e, RunRequest)]


def coaching_run_config(as_of: str) -> dict:
    """Run config of a coaching refresh for one date (marks and dbt alike)."""
    return {
        "ops": {
            "coaching__marks": {"config": {"as_of": as_of}},
            "warehouse_models": {"config": {"as_of": as_of}},
        }
    }


@asset_sensor(
    asset_key=SCORES_KEY, job=coaching_job, minimum_interval_seconds=SENSOR_INTERVAL_SECONDS
)
def scores_refreshed_sensor(
    context: SensorEvaluationContext, asset_event: EventLogEntry
) -> RunRequest:
    """When the current scores are rebuilt, raise the coaching marks for the
    same date and refresh what reads them. One run per materialization: the
    run key is the cursor the sensor moves to the materialization, and it moves
    past it, so a re-tick requests nothing."""
    materialization = asset_event.asset_materialization
    as_of_value = materialization.metadata.get(AS_OF_METADATA) if materialization else None
    as_of = as_of_value.value if as_of_value is not None else None
    return RunRequest(
        run_key=f"scores:{context.cursor}",
        run_config=coaching_run_config(as_of) if as_of else {},
        tags={"coachwh/as_of": str(as_of)},
    )
