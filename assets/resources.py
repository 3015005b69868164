"""Resources shared by the assets, built from :mod:`models.settings`."""

from datetime import date
from pathlib import Path

from dagster import ConfigurableResource
from dagster_duckdb import DuckDBResource

from assets.landing_boundary import LandingZone
from assets.landing_objects import open_landing
from models.settings import DEFAULT_LOCK_TIMEOUT_S, Settings, prepare_tool_environment, today_in

# Every asset that writes the working DuckDB file runs in this pool, limited
# to one at a time: DuckDB takes one writing process per file.
DUCKDB_WRITER_POOL = "duckdb_writer"


class CenterResource(ConfigurableResource):
    """Where the landing zone is, and how the contact center keeps time."""

    landing: str  # a folder, or s3://bucket/prefix
    timezone: str = "UTC"
    as_of: str | None = None
    min_samples: int = 3
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT_S  # seconds a writer waits for the warehouse

    def landing_zone(self, copies: Path | None = None) -> LandingZone:
        """The landing zone; ``copies`` is where objects are copied for their read."""
        return open_landing(self.landing, copies)

    def effective_as_of(self) -> date:
        """``as_of`` if set, else today in the center's time zone."""
        return date.fromisoformat(self.as_of) if self.as_of else today_in(self.timezone)


def build_resources(settings: Settings) -> dict[str, object]:
    prepare_tool_environment()
    return {
        "duckdb": DuckDBResource(
            database=str(settings.warehouse_path),
            connection_config={"memory_limit": settings.memory_limit},
        ),
        "center": CenterResource(
            landing=settings.landing_location,
            timezone=settings.timezone,
            as_of=settings.as_of.isoformat() if settings.as_of else None,
            min_samples=settings.min_samples,
            lock_timeout=settings.lock_timeout,
        ),
    }
