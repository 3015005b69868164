"""Configuration: every setting has an environment variable and a default that
works with no configuration (DESIGN.md section 8).

Paths are resolved to absolute paths once, here, so Python and dbt (which runs
with its project as working directory) always open the same files. A value
that is not allowed is a :class:`SettingError`: one line that names the
setting and says what is allowed.
"""

import os
import sys
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, Field, PrivateAttr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Neither dbt nor Dagster may wait on the network for telemetry.
QUIET_ENV = {"DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "DAGSTER_DISABLE_TELEMETRY": "true"}

ENV_PREFIX = "COACHWH_"

# DuckDB's memory budget for the pipeline (dbt_project/profiles.yml repeats it
# for a plain `dbt build`).
DEFAULT_MEMORY_LIMIT = "1500MB"

# How long a run waits for a warehouse another process holds (COACHWH_LOCK_TIMEOUT).
DEFAULT_LOCK_TIMEOUT_S = 600.0

# The settings that are paths, each a folder but the working file.
PATH_SETTINGS = ("home", "landing", "warehouse", "serving", "exports", "dagster_home")


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


def env_name(setting: str) -> str:
    """The environment variable of a setting (Dagster's own for its instance)."""
    return "DAGSTER_HOME" if setting == "dagster_home" else ENV_PREFIX + setting.upper()


class SettingError(ValueError):
    """A setting's value is not allowed. ``str()`` names its environment
    variable; :meth:`describe` names it as the caller knows it (a flag)."""

    def __init__(
        self, setting: str, value: object, problem: str, variable: str | None = None
    ) -> None:
        self.setting = setting
        self.value = value
        self.problem = problem
        self.variable = variable or env_name(setting)
        super().__init__(self.describe(self.variable))

    def named(self, name: str) -> str:
        """``NAME=value``: the setting under the name given, and its value."""
        return f"{name}={_number(self.value)}"

    def describe(self, name: str) -> str:
        return f"{self.named(name)}: {self.problem}"


class Settings(BaseSettings):
    """Where the data lives, how the center keeps time, and the rules' settings."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore")

    home: Path = Path("coachwh_data")
    landing: str | None = Field(default=None, description="a folder, or s3://bucket/prefix")
    warehouse: Path | None = None
    serving: Path | None = None
    exports: Path | None = None
    # The Dagster instance that `coachwh run`, the daemon and the UI share.
    dagster_home: Path | None = Field(
        default=None, validation_alias=AliasChoices("dagster_home", "DAGSTER_HOME")
    )
    timezone: str = "UTC"
    as_of: date | None = Field(default=None, description="default: today in the center's zone")
    min_samples: int = Field(default=3, ge=1, description="fewest scores a window needs")
    trend_threshold: float = Field(
        default=2.0, gt=0, le=100, description="score points a delta needs to be a spike or dip"
    )
    accept_and_dispute: bool = Field(
        default=True, description="pending evaluation reviews override assignment status"
    )
    max_dispute_rounds: int = Field(
        default=2, ge=1, description="dispute rounds after which a response closes a review"
    )
    min_handle_time_s: float = Field(
        default=0.0, ge=0, description="interactions shorter than this are not scored (0: off)"
    )
    coaching_cycle_days: int = Field(
        default=14, ge=1, le=366, description="days of one cycle of the coaching log"
    )
    memory_limit: str = Field(
        default=DEFAULT_MEMORY_LIMIT, description="DuckDB's memory budget; past it, it spills"
    )
    lock_timeout: float = Field(
        default=DEFAULT_LOCK_TIMEOUT_S,
        ge=0,
        description="seconds a run waits for a warehouse another process holds",
    )
    _derived: set[str] = PrivateAttr(default_factory=set)

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
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(
                "not a known time zone; give an IANA name such as UTC or Europe/Paris"
            ) from error
        return value

    def model_post_init(self, _context: object) -> None:
        home = self.home.expanduser().resolve()
        self.home = home
        self._derived = {name for name in PATH_SETTINGS if getattr(self, name) is None}
        if not (self.landing and is_object_store(self.landing)):
            self.landing = str(Path(self.landing or home / "landing").expanduser().resolve())
        self.warehouse = (self.warehouse or home / "warehouse.duckdb").expanduser().resolve()
        self.serving = (self.serving or home / "serving").expanduser().resolve()
        self.exports = (self.exports or home / "exports").expanduser().resolve()
        self.dagster_home = (self.dagster_home or home / "dagster_home").expanduser().resolve()

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

    @property
    def dagster_home_dir(self) -> Path:
        assert self.dagster_home is not None
        return self.dagster_home

    def effective_as_of(self) -> date:
        """``as_of`` if set, else today in the center's time zone."""
        return self.as_of or today_in(self.timezone)

    def origin(self, setting: str) -> str:
        """The setting a path comes from: its own, or ``home`` it defaults under."""
        return "home" if setting in self._derived else setting

    def _local_path(self, setting: str) -> Path | None:
        """A path setting as a local path; None for an object-store landing zone."""
        value = getattr(self, setting)
        if isinstance(value, str):
            return None if is_object_store(value) else Path(value)
        return value

    def check_writable(self, settings: Iterable[str]) -> None:
        """Raise :class:`SettingError` unless each path setting can be written:
        the working file a file, the others folders, each under folders that
        exist or can be made and that this process may write."""
        for setting in settings:
            path = self._local_path(setting)
            if path is None:  # an object-store prefix: its own service says
                continue
            problem = unwritable(path, folder=setting != "warehouse")
            if problem:
                origin = self.origin(setting)
                raise SettingError(origin, getattr(self, origin), problem)

    def setting_of(self, path: Path) -> str:
        """The path setting a path lies under (the nearest), to name in an error."""
        path = path.resolve()

        def holds(setting: str) -> bool:
            held = self._local_path(setting)
            if held is None:
                return False
            if setting == "warehouse":  # the file, and its lock and journal beside it
                return path.parent == held.parent and held.name in path.name
            return path.is_relative_to(held)

        holding = [setting for setting in PATH_SETTINGS if holds(setting)]
        deepest = max(holding, key=lambda s: len(Path(getattr(self, s)).parts), default="home")
        return self.origin(deepest)

    def environment(self) -> dict[str, str]:
        """These settings as the environment variables a child process (the
        code location) reads them from."""
        env = {}
        for name in type(self).model_fields:
            value = getattr(self, name)
            if value is not None:
                env[env_name(name)] = str(value).lower() if isinstance(value, bool) else str(value)
        return env


def unwritable(path: Path, folder: bool) -> str | None:
    """Why ``path`` cannot be written, or None."""
    if path.exists():
        if folder and not path.is_dir():
            return f"{path} is a file, not a folder"
        if not folder and path.is_dir():
            return f"{path} is a folder, not a file"
        target = path if folder else path.parent
    else:
        target = path.parent
        while not target.exists():
            target = target.parent
        if not target.is_dir():
            return f"{target} is a file, not a folder: give a path under folders"
    if not os.access(target, os.W_OK | os.X_OK):
        return f"{target} is not writable: give a folder this user can write to"
    return None


SettingsT = TypeVar("SettingsT", bound=BaseSettings)


def load_settings(
    values: Mapping[str, Any] | None = None, kind: type[SettingsT] = Settings
) -> SettingsT:
    """Settings of ``kind`` from ``values`` and the environment; a value that
    is not allowed raises :class:`SettingError` naming the first such setting."""
    try:
        return kind(**(values or {}))
    except ValidationError as error:
        first = error.errors()[0]
        setting = str(first["loc"][0]).lower() if first["loc"] else "settings"
        variable = None
        if kind is not Settings:
            variable = f"{kind.model_config.get('env_prefix', '')}{setting.upper()}"
        raise SettingError(setting, first.get("input"), _allowed(first), variable) from None


def _allowed(error: Mapping[str, Any]) -> str:
    """What a setting allows, from pydantic's account of a bad value."""
    limits = error.get("ctx") or {}
    kind = error["type"]
    if kind == "greater_than_equal":
        return f"must be at least {_number(limits['ge'])}"
    if kind == "greater_than":
        return f"must be more than {_number(limits['gt'])}"
    if kind == "less_than_equal":
        return f"must be at most {_number(limits['le'])}"
    if kind in ("int_parsing", "int_from_float"):
        return "must be a whole number"
    if kind == "float_parsing":
        return "must be a number"
    if kind == "bool_parsing":
        return "must be true or false"
    if kind.startswith("date"):
        return "must be a date YYYY-MM-DD"
    if kind == "value_error":
        return str(limits.get("error", error["msg"]))
    return str(error["msg"])


def _number(value: object) -> object:
    """A float as the user would write it (0, not 0.0)."""
    return f"{value:g}" if isinstance(value, float) else value


def setting_default(name: str) -> Any:
    """A setting's default (the one place it is written)."""
    return Settings.model_fields[name].default


class BridgeSettings(BaseSettings):
    """The Kafka bridge (``coachwh bridge``): where the brokers are, which
    topics, and how large a micro-batch grows before it lands."""

    model_config = SettingsConfigDict(env_prefix="COACHWH_KAFKA_", extra="ignore")

    bootstrap: str = Field(default="localhost:9092", min_length=1, description="host:port,...")
    group: str = Field(default="coachwh-bridge", min_length=1, description="consumer group id")
    topic_prefix: str = Field(
        default="coachwh",
        pattern=r"^[A-Za-z0-9._-]*$",
        description="a stream's topic is <prefix>.<stream>",
    )
    batch_messages: int = Field(default=10_000, ge=1, description="most messages in one file")
    batch_seconds: float = Field(
        default=5.0, gt=0, description="longest a message waits before its batch lands"
    )
