"""Configuration: every setting has an environment variable and a default that
works with no configuration (DESIGN.md section 8).

Paths are resolved to absolute paths once, here, so Python and dbt (which runs
with its project as working directory) always open the same files.
"""

import os
import sys
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Neither dbt nor Dagster may wait on the network for telemetry.
QUIET_ENV = {"DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "DAGSTER_DISABLE_TELEMETRY": "true"}


# DuckDB's memory budget for the pipeline (dbt_project/profiles.yml repeats it
# for a plain `dbt build`).
DEFAULT_MEMORY_LIMIT = "1500MB"

# How long a run waits for a warehouse another process holds (COACHWH_LOCK_TIMEOUT).
DEFAULT_LOCK_TIMEOUT_S = 600.0


# A landing zone on object storage (the S3 API); anything else is a local folder.
OBJECT_STORE_PREFIX = "s3://"


def is_object_store(location: str) -> bool:
    return location.startswith(OBJECT_STORE_PREFIX)


def today_in(timezone: str) -> date:
    """Today's date in a time zone: the default ``as_of``."""
    return datetime.now(ZoneInfo(timezone)).date()


def prepare_tool_environment() -> None:
    """Quiet telemetry, and put this Python's scripts (dbt) on PATH: dbt runs
    as a subprocess, also when the environment is not activated."""
    os.environ.update(QUIET_ENV)
    scripts = str(Path(sys.executable).parent)
    if scripts not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = scripts + os.pathsep + os.environ.get("PATH", "")


class Settings(BaseSettings):
    """Where the data lives and how the center keeps time."""

    model_config = SettingsConfigDict(env_prefix="COACHWH_", extra="ignore")

    home: Path = Path("coachwh_data")
    landing: str | None = Field(default=None, description="a folder, or s3://bucket/prefix")
    warehouse: Path | None = None
    serving: Path | None = None
    exports: Path | None = None
    timezone: str = "UTC"
    as_of: date | None = Field(default=None, description="default: today in the center's zone")
    min_samples: int = Field(default=3, ge=1, description="fewest scores a window needs")
    memory_limit: str = Field(
        default=DEFAULT_MEMORY_LIMIT, description="DuckDB's memory budget; past it, it spills"
    )
    lock_timeout: float = Field(
        default=DEFAULT_LOCK_TIMEOUT_S,
        ge=0,
        description="seconds a run waits for a warehouse another process holds",
    )

    @field_validator("landing", mode="before")
    @classmethod
    def _landing_location(cls, value: object) -> object:
        if isinstance(value, os.PathLike):
            return os.fspath(value)
        if not isinstance(value, str) or not is_object_store(value):
            return value
        bucket, _, prefix = value.removeprefix(OBJECT_STORE_PREFIX).partition("/")
        if not bucket:
            raise ValueError(f"expected {OBJECT_STORE_PREFIX}bucket/prefix, got {value!r}")
        return OBJECT_STORE_PREFIX + "/".join(filter(None, [bucket, prefix.strip("/")]))

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        ZoneInfo(value)  # raises for an unknown zone
        return value

    def model_post_init(self, _context: object) -> None:
        home = self.home.expanduser().resolve()
        self.home = home
        if not (self.landing and is_object_store(self.landing)):
            self.landing = str(Path(self.landing or home / "landing").expanduser().resolve())
        self.warehouse = (self.warehouse or home / "warehouse.duckdb").expanduser().resolve()
        self.serving = (self.serving or home / "serving").expanduser().resolve()
        self.exports = (self.exports or home / "exports").expanduser().resolve()

    @property
    def landing_location(self) -> str:
        """The landing zone: an absolute folder, or an object-store URL."""
        assert self.landing is not None
        return self.landing

    @property
    def landing_dir(self) -> Path:
        """The landing zone's folder, when it is one."""
        if is_object_store(self.landing_location):
            raise ValueError(f"the landing zone {self.landing_location} is not a local folder")
        return Path(self.landing_location)

    @property
    def warehouse_path(self) -> Path:
        assert self.warehouse is not None
        return self.warehouse

    @property
    def serving_dir(self) -> Path:
        assert self.serving is not None
        return self.serving

    @property
    def exports_dir(self) -> Path:
        assert self.exports is not None
        return self.exports

    def effective_as_of(self) -> date:
        """``as_of`` if set, else today in the center's time zone."""
        return self.as_of or today_in(self.timezone)
