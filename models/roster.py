"""Roster and scorecard streams: ``agents`` and ``attributes`` (upserts)."""

from typing import Annotated, ClassVar

from pydantic import Field, field_validator

from models.base import Identifier, Number, Score, StreamRecord, Timestamp, null_means_default


class Agent(StreamRecord):
    """A roster upsert; the latest ``updated_at`` of an agent_id wins."""

    dedup_key: ClassVar[tuple[str, ...]] = ("agent_id", "updated_at")
    dedup_time: ClassVar[str] = "updated_at"

    agent_id: Identifier
    name: str
    team: Identifier
    supervisor_id: str | None = None
    experience_level: str | None = None
    active: bool = True
    updated_at: Timestamp

    _defaults = field_validator("active", mode="before")(classmethod(null_means_default))


class Attribute(StreamRecord):
    """A scorecard attribute upsert; the latest ``updated_at`` wins."""

    dedup_key: ClassVar[tuple[str, ...]] = ("attribute_id", "updated_at")
    dedup_time: ClassVar[str] = "updated_at"

    attribute_id: Identifier
    name: str
    target_score: Score
    weight: Annotated[Number, Field(gt=0)] = 1.0
    is_compliance: bool = False
    active: bool = True
    updated_at: Timestamp

    _defaults = field_validator("weight", "is_compliance", "active", mode="before")(
        classmethod(null_means_default)
    )
