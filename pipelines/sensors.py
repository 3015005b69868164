"""Sensors: the landing-zone watcher that turns new files into runs."""

import json

from dagster import RunRequest, SensorEvaluationContext, SkipReason, sensor

from assets.landing_zone import landing_files
from pipelines.jobs import refresh_job
from pipelines.resources import CenterResource


@sensor(job=refresh_job, minimum_interval_seconds=30)
def landing_zone_sensor(
    context: SensorEvaluationContext, center: CenterResource
) -> RunRequest | SkipReason:
    """One run per tick for every file that is new at that tick.

    The cursor is the newest status-change time (ctime) seen: a producer's
    rename to the final name sets it, so a file counts as new once it is
    complete. The run ingests every pending file (the ledger decides), so even
    a file the cursor missed is taken by the next run, and never twice.
    """
    seen_ns = int(json.loads(context.cursor)["ctime_ns"]) if context.cursor else 0
    arrivals = {f: f.path.stat().st_ctime_ns for f in landing_files(center.landing_dir)}
    new = {f: ns for f, ns in arrivals.items() if ns > seen_ns}
    if not new:
        return SkipReason("no new files in the landing zone")
    newest = max(new.values())
    context.update_cursor(json.dumps({"ctime_ns": newest}))
    return RunRequest(
        run_key=f"landing:{newest}:{len(new)}",
        tags={"coachwh/new_files": str(len(new))},
    )
