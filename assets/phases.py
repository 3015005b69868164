"""Where a run's time went: seconds per phase, kept on the Dagster run.

Each step adds its phases to the run's tag ``coachwh/phases`` (JSON), so the
run's page in the UI shows the breakdown, and ``coachwh run`` prints it as one
line (:func:`phase_line`) for the runs it executed.
"""

import json
from collections.abc import Iterable, Mapping

from dagster import AssetExecutionContext, DagsterInstance

PHASES_TAG = "coachwh/phases"
PHASES = ("ingest", "dbt parse", "dbt models", "dbt tests", "marks", "publish")


def run_phases(instance: DagsterInstance, run_id: str) -> dict[str, float]:
    """The phases a run recorded so far."""
    run = instance.get_run_by_id(run_id)
    text = run.tags.get(PHASES_TAG) if run is not None else None
    return json.loads(text) if text else {}


def record_phases(context: AssetExecutionContext, seconds: Mapping[str, float]) -> None:
    """Add this step's seconds to the run's phases (and log them)."""
    phases = run_phases(context.instance, context.run.run_id)
    for phase, value in seconds.items():
        phases[phase] = round(phases.get(phase, 0.0) + max(value, 0.0), 3)
    context.instance.add_run_tags(context.run.run_id, {PHASES_TAG: json.dumps(phases)})
    context.log.info("time: " + ", ".join(f"{k} {v:.2f}s" for k, v in seconds.items()))


def phase_line(runs: Iterable[Mapping[str, float]]) -> str:
    """``ingest 0.4s · dbt parse 1.2s · ...`` summed over runs, every phase shown."""
    total = dict.fromkeys(PHASES, 0.0)
    for phases in runs:
        for phase, value in phases.items():
            total[phase] = total.get(phase, 0.0) + value
    return "phases: " + " · ".join(f"{phase} {value:.1f}s" for phase, value in total.items())
