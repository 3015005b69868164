"""The code location that ``dagster dev -w workspace.yaml`` loads."""

from dagster import Definitions, in_process_executor

from assets.dbt import DBT_PROJECT_DIR, build_dbt_assets, dbt_project
from assets.ingest import ingest_assets
from pipelines.jobs import refresh_job
from pipelines.resources import build_resources
from pipelines.sensors import landing_zone_sensor
from pipelines.settings import Settings


def build_definitions(settings: Settings) -> Definitions:
    """Definitions for one configuration (the CLI and tests pass their own)."""
    project = dbt_project()
    return Definitions(
        assets=[*ingest_assets, build_dbt_assets(project.manifest_path)],
        jobs=[refresh_job],
        sensors=[landing_zone_sensor],
        resources=build_resources(settings, DBT_PROJECT_DIR),
        # Steps run one after another in one process: every writer of the
        # DuckDB file is serialised, whatever the instance's pool limits.
        executor=in_process_executor,
    )


defs = build_definitions(Settings())
