"""Sensors: the landing-zone watcher that turns new files into runs, and the
asset sensor that raises coaching marks when the scores are rebuilt."""

import json

from dagster import (
    EventLogEntry,
    RunRequest,
    RunsFilter,
    SensorEvaluationContext,
    SkipReason,
    asset_sensor,
    sensor,
)

from assets.dbt import AS_OF_METADATA
from assets.landing_boundary import list_landing
from assets.marks import SCORES_KEY
from assets.resources import CenterResource
from pipelines.jobs import coaching_job, refresh_job

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
    complete, and a write sets it again, so a file that was still being
    written when a run read it is new again. The run ingests every pending
    file (the ledger decides), so even a file the cursor missed is taken by the
    next run, and never twice. An entry that is not read (see
    ``list_landing``) is logged once, on the tick that first sees it.
    """
    cursor = json.loads(context.cursor) if context.cursor else {"ctime_ns": 0, "names": []}
    seen_ns, seen_names = cursor["ctime_ns"], set(cursor["names"])
    listing = list_landing(center.landing_dir)
    files = {f"{f.stream}/{f.name}": f.changed_ns for f in listing.files}
    ignored = {e.path: e for e in listing.ignored}
    arrivals = files | {path: e.changed_ns for path, e in ignored.items()}
    # Timestamps are coarse: an entry may share the newest ctime seen and still
    # be new, so the cursor keeps the names that carry that ctime.
    new = {
        name: ns
        for name, ns in arrivals.items()
        if ns > seen_ns or (ns == seen_ns and name not in seen_names)
    }
    for name in sorted(new.keys() & ignored.keys()):
        context.log.warning(f"ignored {name}: {ignored[name].reason}")
    if not new:
        return SkipReason("no new files in the landing zone")
    newest = max(new.values())
    at_newest = sorted(name for name, ns in arrivals.items() if ns == newest)
    context.update_cursor(json.dumps({"ctime_ns": newest, "names": at_newest}))
    new_files = sorted(new.keys() & files.keys())
    if not new_files:
        return SkipReason(f"no new files; {len(new)} new entries ignored (see `coachwh status`)")
    return RunRequest(
        run_key=f"landing:{newest}:{len(new_files)}:{new_files[-1]}",
        tags={"coachwh/new_files": str(len(new_files))},
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


# The coaching run started for a materialization of the scores names the run
# that materialized them: whoever evaluates the sensor (the daemon, or
# `coachwh run`, which starts the coaching run itself on the same instance)
# answers a materialization once.
SCORES_RUN_TAG = "coachwh/scores_run"


@asset_sensor(
    asset_key=SCORES_KEY, job=coaching_job, minimum_interval_seconds=SENSOR_INTERVAL_SECONDS
)
def scores_refreshed_sensor(
    context: SensorEvaluationContext, asset_event: EventLogEntry
) -> RunRequest | SkipReason:
    """When the current scores are rebuilt, raise the coaching marks for the
    same date and refresh what reads them. One run per materialization: the
    run key is the cursor the sensor moves to the materialization, and it moves
    past it, so a re-tick requests nothing; and none when a coaching run for
    that materialization was started already (by `coachwh run`)."""
    started = context.instance.get_run_ids(
        RunsFilter(tags={SCORES_RUN_TAG: asset_event.run_id}), limit=1
    )
    if started:
        return SkipReason(f"run {started[0]} already raises the marks for these scores")
    materialization = asset_event.asset_materialization
    as_of_value = materialization.metadata.get(AS_OF_METADATA) if materialization else None
    as_of = as_of_value.value if as_of_value is not None else None
    return RunRequest(
        run_key=f"scores:{context.cursor}",
        run_config=coaching_run_config(as_of) if as_of else {},
        tags={"coachwh/as_of": str(as_of), SCORES_RUN_TAG: asset_event.run_id},
    )
