"""Sensors: the landing-zone watcher that turns new files into runs, and the
asset sensor that raises coaching marks when the scores are rebuilt."""

import json
from collections.abc import Mapping

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
from assets.marks import SCORES_KEY
from assets.resources import CenterResource
from pipelines.jobs import coaching_job, refresh_job

# A tick lists the landing zone, or reads one asset's newest event: cheap
# enough to look often, so a file reaches the snapshot within seconds.
SENSOR_INTERVAL_SECONDS = 5


def new_arrivals(
    arrivals: Mapping[str, int], cursor: str | None, slack_ns: int
) -> tuple[dict[str, int], dict | None]:
    """The entries (name: time) new since ``cursor``, and the cursor past them
    (None when nothing is new).

    The cursor is the newest time seen, and the names that carry a time up to
    ``slack_ns`` before it: times are coarse, so an entry may share the newest
    time seen and still be new, and with a slack, an entry may be new and
    older than the newest seen (an upload's time is when it began).
    """
    state = json.loads(cursor) if cursor else {"ctime_ns": 0, "names": []}
    seen_ns, seen_names = state["ctime_ns"], set(state["names"])
    new = {
        name: ns
        for name, ns in arrivals.items()
        if ns > seen_ns or (ns >= seen_ns - slack_ns and name not in seen_names)
    }
    if not new:
        return new, None
    newest = max(seen_ns, *new.values())
    recent = sorted(name for name, ns in arrivals.items() if ns >= newest - slack_ns)
    return new, {"ctime_ns": newest, "names": recent}


@sensor(job=refresh_job, minimum_interval_seconds=SENSOR_INTERVAL_SECONDS)
def landing_zone_sensor(
    context: SensorEvaluationContext, center: CenterResource
) -> RunRequest | SkipReason:
    """One run per tick for every file that is new at that tick.

    The cursor is the newest status-change time (ctime) seen: a producer's
    rename to the final name sets it, so a file counts as new once it is
    complete, and a write sets it again, so a file that was still being
    written when a run read it is new again. On object storage it is the
    newest LastModified, which an upload sets when it begins, so an object up
    to the landing zone's slack older than the newest seen is new still. The
    run ingests every pending file (the ledger decides), so even a file the
    cursor missed is taken by the next run, and never twice. An entry that is
    not read (see ``list_landing``) is logged once, on the tick that first
    sees it.
    """
    landing = center.landing_zone()
    listing = landing.listing()
    files = {f"{f.stream}/{f.name}": f.changed_ns for f in listing.files}
    ignored = {e.path: e for e in listing.ignored}
    arrivals = files | {path: e.changed_ns for path, e in ignored.items()}
    new, cursor = new_arrivals(arrivals, context.cursor, landing.arrival_slack_ns)
    for name in sorted(new.keys() & ignored.keys()):
        context.log.warning(f"ignored {name}: {ignored[name].reason}")
    if cursor is None:
        return SkipReason("no new files in the landing zone")
    context.update_cursor(json.dumps(cursor))
    new_files = sorted(new.keys() & files.keys())
    if not new_files:
        return SkipReason(f"no new files; {len(new)} new entries ignored (see `coachwh status`)")
    return RunRequest(
        run_key=f"landing:{cursor['ctime_ns']}:{len(new_files)}:{new_files[-1]}",
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
