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
