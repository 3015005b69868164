"""Resources shared by the assets, built from :mod:`models.settings`."""

from datetime import date
from pathlib import Path

from dagster import ConfigurableResource
from dagster_duckdb import DuckDBResource

from models.settings import DEFAULT_LOCK_TIMEOUT_S, Settings, prepare_tool_environment, today_in

# Every asset that writes the working DuckDB file runs in this pool, limited
# to one at a time: DuckDB takes one writing process per file.
DUCKDB_WRITER_POOL = "duckdb_writer"


class CenterResource(ConfigurableResource):
    """Where the landing zone is, and how the contact center keeps time."""

    landing: str
    timezone: str = "UTC"
    as_of: str | None = None
    min_samples: int = 3
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT_S  # seconds a writer waits for the warehouse

    @property
    def landing_dir(self) -> Path:
        return Path(self.landing)

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
            landing=str(settings.landing_dir),
            timezone=settings.timezone,
            as_of=settings.as_of.isoformat() if settings.as_of else None,
            min_samples=settings.min_samples,
            lock_timeout=settings.lock_timeout,
        ),
    }
