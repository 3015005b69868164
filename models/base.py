"""Shared building blocks of the stream contracts.

A value is coerced to its field's type where that is unambiguous (``"80"`` is
a score of 80, ``5`` an id ``"5"``); a value that cannot be read as its type is
refused. Unknown fields are ignored, so producers may add fields without
breaking ingest.
"""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Annotated, Any, ClassVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    ValidationInfo,
)
from pydantic_core import CoreSchema, core_schema


def _assume_utc(value: datetime) -> datetime:
    """A timestamp without an offset is UTC (DESIGN.md section 2)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def null_means_default(cls: type[BaseModel], value: Any, info: ValidationInfo) -> Any:
    """A null for a field that has a default takes the default, as a missing
    field does. Used as a before-validator of the fields that have defaults."""
    if value is None and info.field_name is not None:
        return cls.model_fields[info.field_name].get_default(call_default_factory=True)
    return value


def _not_a_bool(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("a number is required, not a boolean")
    return value


def _iso_8601(value: Any) -> Any:
    if isinstance(value, date):  # already parsed (a row built in Python)
        return value
    if not isinstance(value, str) or not _ISO_DATE.match(value):
        raise ValueError("an ISO 8601 date or timestamp text is required")
    return value


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

# Timestamps and dates are ISO 8601 text: a number is not read as epoch time.
Timestamp = Annotated[datetime, BeforeValidator(_iso_8601), AfterValidator(_assume_utc)]
Day = Annotated[date, BeforeValidator(_iso_8601)]
Identifier = Annotated[str, Field(min_length=1)]
Number = Annotated[float, BeforeValidator(_not_a_bool)]


@dataclass(frozen=True)
class HalfEven:
    """A number kept to ``decimals`` places, rounded half-even (DESIGN.md
    section 3). What is rounded is the number as written: the shortest text
    that reads back as the same float, so 71.2345 is 71.234 and 71.2355 is
    71.236, as on paper. The range is checked before rounding. Ingest's bulk
    SQL reads this marker and rounds the same way (models.streams)."""

    decimals: int

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return core_schema.no_info_after_validator_function(self.round, handler(source))

    def round(self, value: float) -> float:
        kept = Decimal(repr(value)).quantize(Decimal(1).scaleb(-self.decimals), ROUND_HALF_EVEN)
        return float(kept) + 0.0  # + 0.0: a -0.0 is 0, as in SQL


# Auto QA engines and audit forms do not score finer than 3 decimals.
SCORE_DECIMALS = 3
Score = Annotated[Number, Field(ge=0, le=100), HalfEven(SCORE_DECIMALS)]


class StreamRecord(BaseModel):
    """One row of a landing-zone stream."""

    model_config = ConfigDict(extra="ignore", frozen=True, coerce_numbers_to_str=True)

    # Columns whose values identify a re-delivered row (DESIGN.md section 2).
    dedup_key: ClassVar[tuple[str, ...]] = ("event_id",)
    # The row's own time, a required timestamp that every re-delivery of the
    # row repeats. A batch's keys are looked up among the raw rows within the
    # batch's span of it, which the raw table's zone maps find without reading
    # the rest: a day's batch does not read a year of history.
    dedup_time: ClassVar[str] = "occurred_at"
    # Cross-field rules as (SQL predicate that must hold, reason); each one
    # mirrors a pydantic validator of the same model.
    row_rules: ClassVar[tuple[tuple[str, str], ...]] = ()
