"""The asset sensor on the scores, evaluated against a real test instance
after the refresh job materialized ``marts/agent_attribute_scores``; and the
daily schedule that rolls ``as_of`` at the center's midnight."""

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from dagster import (
    DagsterInstance,
    build_schedule_context,
    build_sensor_context,
)

from models.settings import Settings
from pipelines.sample import generate_sample
from pipelines.schedules import daily_as_of_schedule
from pipelines.sensors import requested_runs, scores_refreshed_sensor

AS_OF = date(2026, 11, 10)


def test_one_run_request_per_materialization_and_none_on_a_retick(
    tmp_path: Path, dbt_manifest: Path
) -> None:
    from pipelines.definitions import build_definitions

    settings = Settings(home=tmp_path, as_of=AS_OF)
    generate_sample(settings.landing_dir, agents=6, days=10, start=date(2026, 11, 1), seed=2)
    defs = build_definitions(settings)
    refresh = defs.resolve_job_def("refresh_warehouse")
    config = {"ops": {"warehouse_models": {"config": {"as_of": AS_OF.isoformat()}}}}
    with DagsterInstance.ephemeral() as instance:
        assert refresh.execute_in_process(instance=instance, run_config=config).success

        context = build_sensor_context(instance=instance, definitions=defs)
        first = requested_runs(scores_refreshed_sensor(context))
        assert len(first) == 1
        assert first[0].run_key.startswith("scores:")
        ops = first[0].run_config["ops"]
        assert ops["coaching__marks"]["config"]["as_of"] == AS_OF.isoformat()

        retick = build_sensor_context(instance=instance, definitions=defs, cursor=context.cursor)
        assert requested_runs(scores_refreshed_sensor(retick)) == []

        # The coaching run it asked for has not run: it is still due, so the
        # next refresh rebuilds the scores and asks again.
        assert refresh.execute_in_process(instance=instance, run_config=config).success
        due = build_sensor_context(instance=instance, definitions=defs, cursor=context.cursor)
        (request,) = requested_runs(scores_refreshed_sensor(due))
        coaching = defs.resolve_job_def("refresh_coaching")
        assert coaching.execute_in_process(instance=instance, run_config=request.run_config).success

        # Nothing new once it ran: the refresh rebuilds nothing, and requests nothing.
        assert refresh.execute_in_process(instance=instance, run_config=config).success
        idle = build_sensor_context(instance=instance, definitions=defs, cursor=due.cursor)
        assert requested_runs(scores_refreshed_sensor(idle)) == []

        # A rebuild asked for anyway materializes the scores again: one more request.
        rebuild = {"ops": {"warehouse_models": {"config": {**config["ops"]["warehouse_models"][
            "config"], "only_stale": False}}}}  # fmt: skip
        assert refresh.execute_in_process(instance=instance, run_config=rebuild).success
        again = build_sensor_context(instance=instance, definitions=defs, cursor=idle.cursor)
        (second,) = requested_runs(scores_refreshed_sensor(again))
        assert second.run_key != first[0].run_key


def test_daily_schedule_rolls_as_of_at_the_centers_midnight() -> None:
    schedule = daily_as_of_schedule("Africa/Cairo")
    assert schedule.execution_timezone == "Africa/Cairo"
    midnight = datetime(2026, 11, 11, 0, 0, tzinfo=ZoneInfo("Africa/Cairo"))
    request = schedule.evaluate_tick(build_schedule_context(scheduled_execution_time=midnight))
    (run,) = request.run_requests
    assert run.run_config["ops"]["warehouse_models"]["config"]["as_of"] == "2026-11-11"
