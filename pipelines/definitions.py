"""The code location that ``dagster dev -w workspace.yaml`` loads.

It reads the same environment variables as ``coachwh`` (``coachwh dev``
passes on its own flags as those variables); a value that is not allowed
stops the load with the one-line message of :class:`SettingError`.
"""

from dagster import Definitions, ScheduleDefinition, in_process_executor

from assets.dbt import build_dbt_assets, dbt_project
from assets.ingest import ingest_assets
from assets.marks import coaching_marks
from assets.reports.asset import supervisor_reports
from assets.resources import build_resources
from assets.serving import ServingResource, build_serving_snapshot_asset, mart_keys
from models.settings import Settings, load_settings
from pipelines.jobs import coaching_job, refresh_job, supervisor_reports_job
from pipelines.schedules import daily_as_of_schedule
from pipelines.sensors import landing_zone_sensor, scores_refreshed_sensor


def build_definitions(settings: Settings) -> Definitions:
    """Definitions for one configuration (the CLI and tests pass their own)."""
    project = dbt_project()
    warehouse_assets = [ingest_assets, build_dbt_assets(project.manifest_path), coaching_marks]
    serving = ServingResource(serving=str(settings.serving_dir), exports=str(settings.exports_dir))
    return Definitions(
        assets=[
            *warehouse_assets,
            build_serving_snapshot_asset(mart_keys(warehouse_assets)),
            supervisor_reports,
        ],
        jobs=[refresh_job, coaching_job, supervisor_reports_job],
        schedules=[
            daily_as_of_schedule(settings.timezone),
            ScheduleDefinition(
                name="weekly_supervisor_reports",
                job=supervisor_reports_job,
                cron_schedule="0 6 * * 1",  # Mondays 06:00 in the center's zone
                execution_timezone=settings.timezone,
            ),
        ],
        sensors=[landing_zone_sensor, scores_refreshed_sensor],
        resources={**build_resources(settings), "serving": serving},
        # Steps run one after another in one process: every writer of the
        # DuckDB file is serialised, whatever the instance's pool limits.
        executor=in_process_executor,
    )


defs = build_definitions(load_settings())
