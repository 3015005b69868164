"""Schedules: the daily roll of ``as_of`` at the center's local midnight."""

from dagster import RunRequest, ScheduleDefinition, ScheduleEvaluationContext, schedule

from pipelines.jobs import refresh_job


def daily_as_of_schedule(timezone: str) -> ScheduleDefinition:
    """Rebuild the warehouse for the new day at local midnight, so the windows
    move even when no new data arrives. The scores' refresh then raises marks
    through the asset sensor, as any refresh does."""

    @schedule(
        name="daily_as_of_roll",
        job=refresh_job,
        cron_schedule="0 0 * * *",
        execution_timezone=timezone,
    )
    def _daily(context: ScheduleEvaluationContext) -> RunRequest:
        as_of = context.scheduled_execution_time.date().isoformat()
        return RunRequest(
            run_key=f"as_of:{as_of}",
            run_config={"ops": {"warehouse_models": {"config": {"as_of": as_of}}}},
            tags={"coachwh/as_of": as_of},
        )

    return _daily
