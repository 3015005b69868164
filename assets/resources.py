"""Resources shared by the assets, built from :mod:`models.settings`."""

from datetime import date
from pathlib import Path

from dagster import ConfigurableResource
from dagster_duckdb import DuckDBResource

from assets.landing_boundary import LandingZone
from assets.landing_objects import open_landing
from models.settings import (
    DEFAULT_MEMORY_LIMIT,
    Settings,
    prepare_tool_environment,
    setting_default,
    today_in,
)

# Every asset that writes the working DuckDB file runs in this pool, limited
# to one at a time: DuckDB takes one writing process per file.
DUCKDB_WRITER_POOL = "duckdb_writer"


class CenterResource(ConfigurableResource):
    """Where the landing zone is, how the contact center keeps time, and the
    rules' settings (their defaults are those of :class:`Settings`)."""

    landing: str  # a folder, or s3://bucket/prefix
    timezone: str = setting_default("timezone")
    as_of: str | None = None
    min_samples: int = setting_default("min_samples")
    trend_threshold: float = setting_default("trend_threshold")
    accept_and_dispute: bool = setting_default("accept_and_dispute")
    max_dispute_rounds: int = setting_default("max_dispute_rounds")
    min_handle_time_s: float = setting_default("min_handle_time_s")
    coaching_cycle_days: int = setting_default("coaching_cycle_days")
    # seconds a writer waits for the warehouse
    lock_timeout: float = setting_default("lock_timeout")

    def landing_zone(self, copies: Path | None = None) -> LandingZone:
        """The landing zone; ``copies`` is where objects are copied for their read."""
        return open_landing(self.landing, copies)

    def effective_as_of(self) -> date:
        """``as_of`` if set, else today in the center's time zone."""
        return date.fromisoformat(self.as_of) if self.as_of else today_in(self.timezone)


def memory_limit_of(duckdb: DuckDBResource) -> str:
    """The DuckDB memory budget of the runs (``COACHWH_MEMORY_LIMIT``), for
    every DuckDB the run opens besides the resource's own connections: dbt's,
    the serving snapshot's."""
    return str(duckdb.connection_config.get("memory_limit", DEFAULT_MEMORY_LIMIT))


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
            trend_threshold=settings.trend_threshold,
            accept_and_dispute=settings.accept_and_dispute,
            max_dispute_rounds=settings.max_dispute_rounds,
            min_handle_time_s=settings.min_handle_time_s,
            coaching_cycle_days=settings.coaching_cycle_days,
            lock_timeout=settings.lock_timeout,
        ),
    }
