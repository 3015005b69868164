"""Shared building blocks of the stream contracts.

A value is coerced to its field's type where that is unambiguous (``"80"`` is
a score of 80, ``5`` an id ``"5"``); a value that cannot be read as its type is
refused. Unknown fields are ignored, so producers may add fields without
breaking ingest.
"""

from datetime import UTC, datetime
from typing import Annotated, ClassVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field


def _assume_utc(value: datetime) -> datetime:
    """A timestamp without an offset is UTC (DESIGN.md section 2)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


Timestamp = Annotated[datetime, AfterValidator(_assume_utc)]
Identifier = Annotated[str, Field(min_length=1)]
Score = Annotated[float, Field(ge=0, le=100)]


class StreamRecord(BaseModel):
    """One row of a landing-zone stream."""

    model_config = ConfigDict(extra="ignore", frozen=True, coerce_numbers_to_str=True)

    # Columns whose values identify a re-delivered row (DESIGN.md section 2).
    dedup_key: ClassVar[tuple[str, ...]] = ("event_id",)
    # Cross-field rules as (SQL predicate that must hold, reason); each one
    # mirrors a pydantic validator of the same model.
    row_rules: ClassVar[tuple[tuple[str, str], ...]] = ()
