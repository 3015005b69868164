"""Time in the sample: the generated period, working hours, and the columns
(timestamps, ids) every stream's frame is built from."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import polars as pl

DAY_S = 86_400
HOUR_S = 3_600
_WORK_OPENS_S = 7 * HOUR_S
_WORKDAY_S = 16 * HOUR_S


@dataclass(frozen=True)
class Clock:
    """The generated period: days 0 .. days-1 from ``start``, in UTC seconds."""

    start: date
    days: int

    @property
    def last_day(self) -> int:
        """The day the sample ends on: the warehouse's as_of for a demo."""
        return self.days - 1

    @property
    def epoch0(self) -> int:
        return int(
            datetime(self.start.year, self.start.month, self.start.day, tzinfo=UTC).timestamp()
        )

    @property
    def end(self) -> int:
        """The last second of the last day; later events have not happened yet."""
        return self.epoch0 + self.days * DAY_S - 1

    def at(self, day: int, hours: float) -> int:
        return self.epoch0 + day * DAY_S + int(hours * HOUR_S)

    def day_of(self, seconds: np.ndarray | int) -> Any:
        return (np.asarray(seconds) - self.epoch0) // DAY_S

    def iso_day(self, day: int) -> str:
        return (self.start + timedelta(days=day)).isoformat()


def later(at: Any, seconds: Any) -> Any:
    """``seconds`` of working time (07:00-23:00 UTC) after ``at``.

    People answer reviews and coaching during their shifts, not at 3 am.
    Monotone in ``at``, so a chain of steps never runs out of order.
    """
    at, seconds = np.asarray(at, dtype=np.int64), np.asarray(seconds, dtype=np.int64)
    day, clock_time = np.divmod(at, DAY_S)
    worked = day * _WORKDAY_S + np.clip(clock_time - _WORK_OPENS_S, 0, _WORKDAY_S) + seconds
    day, into = np.divmod(worked, _WORKDAY_S)
    result = day * DAY_S + _WORK_OPENS_S + into
    return int(result) if result.ndim == 0 else result


def timestamps(seconds: np.ndarray) -> pl.Series:
    """UTC timestamps; polars writes them to JSON as ``2026-11-01T09:13:05+00:00``."""
    return (pl.Series(np.asarray(seconds, dtype=np.int64)) * 1_000_000).cast(
        pl.Datetime("us", "UTC")
    )


def iso(seconds: int) -> str:
    return datetime.fromtimestamp(int(seconds), UTC).isoformat()


def strings(values: np.ndarray) -> pl.Series:
    """A string column from a numpy object array (which may hold None)."""
    return pl.Series(values.tolist(), dtype=pl.String)


def id_prefix(kind: str, site: str) -> str:
    """The start of an id: ``kind-``, or ``kind-site-`` when the sample is one
    site of a center simulated site by site (ids stay unique across sites)."""
    return f"{kind}-{site}-" if site else f"{kind}-"


def ids(prefix: str, numbers: np.ndarray, width: int) -> pl.Series:
    return pl.select(
        pl.concat_str(pl.lit(prefix), pl.lit(pl.Series(numbers)).cast(pl.String).str.zfill(width))
    ).to_series()
