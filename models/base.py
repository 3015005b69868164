"""Shared building blocks of the stream contracts.

A value is coerced to its field's type where that is unambiguous (``"80"`` is
a score of 80, ``5`` an id ``"5"``); a value that cannot be read as its type is
refused. Unknown fields are ignored, so producers may add fields without
breaking ingest.
"""

import re
from datetime import UTC, date, datetime
from typing import Annotated, Any, ClassVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
)


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
Score = Annotated[Number, Field(ge=0, le=100)]


class StreamRecord(BaseModel):
    """One row of a landing-zone stream."""

    model_config = ConfigDict(extra="ignore", frozen=True, coerce_numbers_to_str=True)

    # Columns whose values identify a re-delivered row (DESIGN.md section 2).
    dedup_key: ClassVar[tuple[str, ...]] = ("event_id",)
    # Cross-field rules as (SQL predicate that must hold, reason); each one
    # mirrors a pydantic validator of the same model.
    row_rules: ClassVar[tuple[tuple[str, str], ...]] = ()
