"""Latency under the daemon: a micro-batch renamed into the landing zone, to the
serving snapshot republished and the coaching marks refreshed.

    python benchmarks/daemon_latency.py --agents 200 --days 30 --drops 10

Generates the sample stream (``--days`` days ending today, UTC) into a side
folder, moves all but the last day into the landing zone of a temporary
``COACHWH_HOME``, and starts ``dagster dev -w workspace.yaml`` on a temporary
``DAGSTER_HOME`` (with ``pipelines/dagster.yaml``, as ``make dev`` does) on a
free loopback port. It turns on ``landing_zone_sensor`` and
``scores_refreshed_sensor`` through the webserver's GraphQL API
(``startSensor``), and lets the daemon build the warehouse: the landing
sensor's first tick sees every file as new, so a ``coachwh run`` before it
would only be repeated (the warm-up, timed on its own).

Then the last day is cut into ``--drops`` time slices
(``benchmarks/microbatches.py``), one file per stream each, and dropped one
after another: written under a ``.``-name and renamed into place. For each drop
it waits (``--timeout`` seconds at most, then it is a failure) for a
``serving/snapshot`` and a ``coaching/marks`` materialization recorded after the
rename and for no run left in flight, and measures the seconds from the rename
to each. It prints their p50 and p95 (nearest rank; a timed-out drop counts as
longer than every other), the timeline of the slowest drop (when each run was
requested, dequeued, started, its steps) read from the Dagster instance, and
what every run's launch cost: from ``STARTING`` (handed to the launcher) to
``RUN_START`` (the run worker has imported the code location) to its first
step. The target (issue 8): p50 <= 30 s, p95 <= 60 s.

``dagster dev`` is stopped in all cases: SIGINT to its process group (as
Ctrl-C does), SIGKILL to what is left after ``--stop-timeout`` seconds.
"""

import argparse
import json
import math
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import timedelta
from importlib.metadata import version
from pathlib import Path

from dagster import (
    AssetKey,
    AssetRecordsFilter,
    DagsterEventType,
    DagsterInstance,
    DagsterRunStatus,
    RunsFilter,
)
from microbatches import MicroBatch, deliver, move_day, split_day

from assets.marks import MARKS_KEY
from assets.serving import SNAPSHOT_KEY
from models.settings import QUIET_ENV, today_in
from pipelines.jobs import coaching_job, refresh_job
from pipelines.sample import generate_sample

REPO = Path(__file__).resolve().parent.parent
DAGSTER = Path(sys.executable).parent / "dagster"
LOCATION = "coaching_warehouse"  # workspace.yaml
REPOSITORY = "__repository__"  # the name Dagster gives a Definitions object
SENSORS = ("landing_zone_sensor", "scores_refreshed_sensor")
IN_FLIGHT = [
    DagsterRunStatus.QUEUED,
    DagsterRunStatus.NOT_STARTED,
    DagsterRunStatus.STARTING,
    DagsterRunStatus.STARTED,
    DagsterRunStatus.CANCELING,
]
REQUESTED, STARTING, STARTED = "requested (enqueued)", "starting (launched)", "run worker up"
RUN_EVENTS = {
    DagsterEventType.RUN_ENQUEUED: REQUESTED,
    DagsterEventType.RUN_STARTING: STARTING,
    DagsterEventType.RUN_START: STARTED,
    DagsterEventType.RUN_SUCCESS: "succeeded",
    DagsterEventType.RUN_FAILURE: "FAILED",
    DagsterEventType.RUN_CANCELED: "canceled",
}
PHASES = ("sensor", "queue", "launch", "steps")
POLL_S = 0.5


# --- dagster dev -------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def dagster_dev(
    dagster_home: Path, coachwh_home: Path, port: int, log: Path, stop_timeout: float
) -> Iterator[subprocess.Popen]:
    """``dagster dev`` in its own process group, stopped whatever happens."""
    dagster_home.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "pipelines" / "dagster.yaml", dagster_home / "dagster.yaml")
    env = {
        **os.environ,
        **QUIET_ENV,
        "DAGSTER_HOME": str(dagster_home),
        "COACHWH_HOME": str(coachwh_home),
    }
    command = [str(DAGSTER), "dev", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)]
    with log.open("wb") as output:
        process = subprocess.Popen(
            command,
            cwd=REPO,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            yield process
        finally:
            stop_group(process, stop_timeout)


def stop_group(process: subprocess.Popen, timeout: float) -> None:
    """SIGINT to the process group, then SIGKILL to whatever is left of it
    (run workers included) once ``dagster dev`` has exited or ``timeout`` passed."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGINT)
    try:
        process.wait(timeout=timeout)
        print(f"dagster dev stopped (exit code {process.returncode})")
    except subprocess.TimeoutExpired:
        print(f"dagster dev still running after {timeout:.0f}s: killed")
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def graphql(port: int, query: str, variables: dict | None = None) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query, "variables": variables or {}}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        body = json.load(response)
    if body.get("errors"):
        raise RuntimeError(f"GraphQL errors: {body['errors']}")
    return body["data"]


LOCATION_QUERY = """
{ workspaceOrError { __typename ... on Workspace { locationEntries {
    name loadStatus
    locationOrLoadError { __typename ... on PythonError { message } }
} } } }
"""

START_SENSOR = """
mutation ($selector: SensorSelector!) { startSensor(sensorSelector: $selector) {
    __typename
    ... on Sensor { name sensorState { status } }
    ... on PythonError { message }
} }
"""


def wait_for_location(process: subprocess.Popen, port: int, log: Path, timeout: float) -> None:
    """Until the webserver answers and the code location is loaded."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"dagster dev exited ({process.returncode}):\n{tail(log)}")
        try:
            entries = graphql(port, LOCATION_QUERY)["workspaceOrError"]["locationEntries"]
        except OSError:
            entries = []
        for entry in entries:
            if entry["name"] == LOCATION and entry["loadStatus"] == "LOADED":
                loaded = entry["locationOrLoadError"]
                if loaded["__typename"] == "PythonError":
                    raise SystemExit(f"code location failed to load: {loaded['message']}")
                return
        time.sleep(POLL_S)
    raise SystemExit(f"code location not loaded after {timeout:.0f}s:\n{tail(log)}")


def start_sensors(port: int) -> None:
    for name in SENSORS:
        selector = {
            "repositoryLocationName": LOCATION,
            "repositoryName": REPOSITORY,
            "sensorName": name,
        }
        result = graphql(port, START_SENSOR, {"selector": selector})["startSensor"]
        if result["__typename"] != "Sensor" or result["sensorState"]["status"] != "RUNNING":
            raise SystemExit(f"could not start {name}: {result}")


def tail(log: Path, lines: int = 40) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


# --- the instance --------------------------------------------------------------


def latest_storage_id(instance: DagsterInstance, key: AssetKey) -> int:
    records = instance.fetch_materializations(key, limit=1).records
    return records[0].storage_id if records else 0


def first_materialization_after(
    instance: DagsterInstance, key: AssetKey, storage_id: int
) -> tuple[float, str] | None:
    """Time and run id of the first materialization of ``key`` after ``storage_id``."""
    records = instance.fetch_materializations(
        AssetRecordsFilter(asset_key=key, after_storage_id=storage_id), limit=1, ascending=True
    ).records
    return (records[0].timestamp, records[0].run_id) if records else None


def runs_in_flight(instance: DagsterInstance) -> int:
    return len(instance.get_run_records(RunsFilter(statuses=IN_FLIGHT)))


def run_ids(instance: DagsterInstance) -> set[str]:
    return {record.dagster_run.run_id for record in instance.get_run_records()}


@dataclass(frozen=True)
class Step:
    key: str
    start: float
    end: float | None


@dataclass(frozen=True)
class RunTimeline:
    """One run's life, as its events recorded it (wall-clock seconds)."""

    run_id: str
    job: str
    status: str
    events: dict[str, float]  # RUN_EVENTS label -> time, first occurrence
    steps: list[Step]

    @property
    def first_step(self) -> float | None:
        return min((s.start for s in self.steps), default=None)

    @property
    def end(self) -> float | None:
        ends = [
            self.events[label]
            for label in ("succeeded", "FAILED", "canceled")
            if label in self.events
        ]
        return ends[0] if ends else None

    def span(self, start: str, end: str | None = None) -> float | None:
        """Seconds between two events (``end`` None: the first step)."""
        stop = self.first_step if end is None else self.events.get(end)
        begin = self.events.get(start)
        return None if stop is None or begin is None else stop - begin


def run_timeline(instance: DagsterInstance, run_id: str) -> RunTimeline:
    record = instance.get_run_record_by_id(run_id)
    assert record is not None, run_id
    events: dict[str, float] = {}
    for event in instance.get_records_for_run(run_id, of_type=set(RUN_EVENTS)).records:
        entry = event.event_log_entry
        assert entry.dagster_event is not None
        events.setdefault(RUN_EVENTS[entry.dagster_event.event_type], entry.timestamp)
    steps = [
        Step(s.step_key, s.start_time, s.end_time)
        for s in instance.get_run_step_stats(run_id)
        if s.start_time is not None
    ]
    return RunTimeline(
        run_id=run_id,
        job=record.dagster_run.job_name,
        status=record.dagster_run.status.value,
        events=events,
        steps=sorted(steps, key=lambda s: s.start),
    )


# --- drops ---------------------------------------------------------------------


@dataclass(frozen=True)
class Drop:
    batch: MicroBatch
    renamed_at: float
    snapshot_at: float | None  # None: not within the timeout
    marks_at: float | None
    runs: list[RunTimeline]  # every run created after the rename, in creation order

    def first_run(self, job: str) -> RunTimeline | None:
        return next((run for run in self.runs if run.job == job), None)

    def phases(self) -> dict[str, float | None]:
        """Where the time went: each run's wait for its sensor, in the queue,
        for its launch, and its steps (first step to the run's end)."""
        refresh, coaching = self.first_run(refresh_job.name), self.first_run(coaching_job.name)
        phases: dict[str, float | None] = {}
        previous_end: float | None = self.renamed_at
        for name, run in (("refresh", refresh), ("coaching", coaching)):
            requested = run.events.get(REQUESTED) if run else None
            phases[f"{name} sensor"] = (
                None if requested is None or previous_end is None else requested - previous_end
            )
            phases[f"{name} queue"] = run.span(REQUESTED, STARTING) if run else None
            phases[f"{name} launch"] = run.span(STARTING) if run else None
            end, first_step = (run.end, run.first_step) if run else (None, None)
            phases[f"{name} steps"] = (
                None if end is None or first_step is None else end - first_step
            )
            previous_end = end
        return phases

    @property
    def snapshot_s(self) -> float:
        return math.inf if self.snapshot_at is None else self.snapshot_at - self.renamed_at

    @property
    def marks_s(self) -> float:
        return math.inf if self.marks_at is None else self.marks_at - self.renamed_at


def wait_until_published(
    instance: DagsterInstance, after: dict[AssetKey, int], timeout: float
) -> dict[AssetKey, float | None]:
    """Times of the first materialization of each key after its storage id,
    once both exist and no run is in flight, or what there is at the timeout."""
    deadline = time.time() + timeout
    found: dict[AssetKey, float | None] = dict.fromkeys(after)
    while True:
        for key, storage_id in after.items():
            if found[key] is None:
                hit = first_materialization_after(instance, key, storage_id)
                found[key] = hit[0] if hit else None
        if (all(found.values()) and not runs_in_flight(instance)) or time.time() > deadline:
            return found
        time.sleep(POLL_S)


def drop_batch(instance: DagsterInstance, batch: MicroBatch, landing: Path, timeout: float) -> Drop:
    before = run_ids(instance)
    after = {key: latest_storage_id(instance, key) for key in (SNAPSHOT_KEY, MARKS_KEY)}
    renamed_at = deliver(batch, landing)
    found = wait_until_published(instance, after, timeout)
    new_runs = sorted(run_ids(instance) - before)
    timelines = [run_timeline(instance, run_id) for run_id in new_runs]
    timelines.sort(key=lambda t: t.events.get(REQUESTED, math.inf))
    return Drop(batch, renamed_at, found[SNAPSHOT_KEY], found[MARKS_KEY], timelines)


# --- reporting -----------------------------------------------------------------


def nearest_rank(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def seconds(value: float | None) -> str:
    if value is None:
        return "     -"
    return f"{value:5.1f}s" if math.isfinite(value) else ">limit"


def launch_line(run: RunTimeline) -> str:
    return (
        f"  {run.job:<18} {run.run_id[:8]} {run.status:<8} "
        f"starting->worker up {seconds(run.span(STARTING, STARTED))}  "
        f"worker up->first step {seconds(run.span(STARTED))}  "
        f"= launch {seconds(run.span(STARTING))}   run {seconds(run.span(STARTING, 'succeeded'))}"
    )


def print_breakdown(drop: Drop) -> None:
    origin = drop.renamed_at
    print(
        f"slowest drop: #{drop.batch.index} ({drop.batch.rows:,} rows, {len(drop.batch.files)} "
        f"files), seconds after the rename:"
    )
    for run in drop.runs:
        print(f"  {run.job} {run.run_id[:8]} ({run.status})")
        timeline = [*run.events.items()]
        if run.first_step is not None:
            timeline.append(("first step started", run.first_step))
        for label, at in sorted(timeline, key=lambda item: item[1]):
            print(f"    {label:<24} +{at - origin:6.1f}s")
        for step in run.steps:
            duration = None if step.end is None else step.end - step.start
            print(f"      step {step.key:<30} +{step.start - origin:6.1f}s  {seconds(duration)}")
    for label, at in (
        ("marks materialized", drop.marks_at),
        ("snapshot materialized", drop.snapshot_at),
    ):
        if at is not None:
            print(f"  {label:<26} +{at - origin:6.1f}s")
    print("  where the time went:")
    for phase, value in drop.phases().items():
        print(f"    {phase:<18} {seconds(value)}")


def report(drops: list[Drop], warmup_runs: list[RunTimeline]) -> None:
    print("\nrun launch costs (STARTING -> run worker up -> first step), every run:")
    runs = [*warmup_runs, *(r for d in drops for r in d.runs)]
    for run in runs:
        print(launch_line(run))
    launches = [v for r in runs if (v := r.span(STARTING)) is not None]
    if launches:
        print(
            f"  launch p50 {nearest_rank(launches, 0.5):.1f}s, max {max(launches):.1f}s "
            f"over {len(launches)} runs"
        )
    if not drops:
        return
    print("\nper drop, seconds after the rename, and the phases of its two runs (sensor: the")
    print("wait for the tick that requested the run, from the rename or the refresh run's end;")
    print("queue: enqueued to STARTING; launch: STARTING to the first step; steps: to the end):")
    print(f"{'':<31}{'refresh_warehouse run':^27} {'refresh_coaching run':^27}")
    print("  drop  rows  snapshot  marks  " + " ".join(f"{p:>6}" for p in PHASES * 2))
    for d in drops:
        cells = " ".join(seconds(v) for v in d.phases().values())
        latencies = f"{seconds(d.snapshot_s)} {seconds(d.marks_s)}"
        print(f"  {d.batch.index:>4} {d.batch.rows:>5}    {latencies}  {cells}")
    failed = sum(1 for d in drops if d.snapshot_at is None or d.marks_at is None)
    print()
    for label, values in (
        ("snapshot republished", [d.snapshot_s for d in drops]),
        ("marks refreshed", [d.marks_s for d in drops]),
    ):
        print(
            f"rename -> {label:<21} p50 {seconds(nearest_rank(values, 0.5))}  "
            f"p95 {seconds(nearest_rank(values, 0.95))}   (target p50 <= 30s, p95 <= 60s)"
        )
    print(f"drops timed out: {failed} of {len(drops)}\n")
    print_breakdown(max(drops, key=lambda d: (d.snapshot_s, d.marks_s)))


# --- main ----------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--agents", type=int, default=200)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--interactions-per-day", type=float, default=14.0)
    parser.add_argument("--drops", type=int, default=10, help="micro-batches of the last day")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per drop")
    parser.add_argument(
        "--warmup-timeout",
        type=float,
        default=1200.0,
        help="seconds for the first build by the daemon",
    )
    parser.add_argument(
        "--stop-timeout",
        type=float,
        default=60.0,
        help="seconds dagster dev has to exit after SIGINT",
    )
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.platform()}, "
        f"python {platform.python_version()}, dagster {version('dagster')}, "
        f"dbt-core {version('dbt-core')}"
    )
    print(f"command: python benchmarks/daemon_latency.py {' '.join(sys.argv[1:])}".rstrip())
    with tempfile.TemporaryDirectory(prefix="daemon-latency-") as tmp:
        root = Path(tmp)
        coachwh_home, dagster_home = root / "coachwh_home", root / "dagster_home"
        stream, landing = root / "generated", coachwh_home / "landing"
        last = today_in("UTC")
        start = last - timedelta(days=args.days - 1)
        summary = generate_sample(
            stream,
            agents=args.agents,
            days=args.days,
            start=start,
            seed=11,
            interactions_per_day=args.interactions_per_day,
        )
        moved = sum(
            move_day(stream, landing, start + timedelta(days=d)) for d in range(args.days - 1)
        )
        batches = split_day(stream, last, args.drops)
        print(
            f"sample: {args.agents} agents x {args.days} days ({start} .. {last}), "
            f"{summary.rows['auto_qa_scores']:,} Auto QA scores; {moved} files landed, the last "
            f"day cut into {len(batches)} micro-batches of {min(b.rows for b in batches):,} to "
            f"{max(b.rows for b in batches):,} rows"
        )
        port = free_port()
        log = root / "dagster-dev.log"
        drops: list[Drop] = []
        warmup_runs: list[RunTimeline] = []
        spawned = time.time()
        with dagster_dev(dagster_home, coachwh_home, port, log, args.stop_timeout) as process:
            wait_for_location(process, port, log, timeout=300)
            print(
                f"dagster dev on 127.0.0.1:{port}: code location loaded "
                f"{time.time() - spawned:.1f}s after spawn"
            )
            os.environ["DAGSTER_HOME"] = str(dagster_home)
            instance = DagsterInstance.get()
            start_sensors(port)
            sensors_on = time.time()
            found = wait_until_published(
                instance, {SNAPSHOT_KEY: 0, MARKS_KEY: 0}, args.warmup_timeout
            )
            warmup_runs = [run_timeline(instance, run_id) for run_id in sorted(run_ids(instance))]
            if not all(found.values()):
                report(drops, warmup_runs)
                raise SystemExit(f"warm-up not published in {args.warmup_timeout:.0f}s")
            print(
                f"warm-up: sensors on -> first snapshot published by the daemon "
                f"{found[SNAPSHOT_KEY] - sensors_on:.1f}s, {len(warmup_runs)} runs"
            )
            for batch in batches:
                drop = drop_batch(instance, batch, landing, args.timeout)
                drops.append(drop)
                print(
                    f"drop {batch.index:>2} ({batch.start:%H:%M}-{batch.end:%H:%M}, "
                    f"{batch.rows:,} rows): snapshot {seconds(drop.snapshot_s)}, "
                    f"marks {seconds(drop.marks_s)}",
                    flush=True,
                )
                if runs_in_flight(instance):
                    print("runs still in flight after the timeout: no further drops")
                    break
        report(drops, warmup_runs)


if __name__ == "__main__":
    main()
