"""Interaction metadata and Auto QA scores: ``interactions``, ``auto_qa_scores``."""

from typing import Annotated, ClassVar, Literal

from pydantic import Field

from models.base import Identifier, Number, Score, StreamRecord, Timestamp

Channel = Literal["voice", "chat", "email", "messaging"]


class Interaction(StreamRecord):
    """An interaction's metadata, keyed by interaction_id."""

    dedup_key: ClassVar[tuple[str, ...]] = ("interaction_id",)
    dedup_time: ClassVar[str] = "started_at"

    interaction_id: Identifier
    agent_id: Identifier
    queue: str
    channel: Channel
    started_at: Timestamp
    handle_time_s: Annotated[Number, Field(ge=0)]
    sentiment_score: Annotated[Number, Field(ge=1, le=10)]
    topic: str | None = None
    intent: str | None = None


class AutoQaScore(StreamRecord):
    """One Auto QA score of one attribute of one interaction."""

    dedup_time: ClassVar[str] = "interaction_at"

    event_id: Identifier
    interaction_id: Identifier
    agent_id: Identifier
    attribute_id: Identifier
    interaction_at: Timestamp
    score: Score
    scored_at: Timestamp
    evidence_quote: str | None = None
    evidence_offset_s: Annotated[Number, Field(ge=0)] | None = None
    model_version: str | None = None
