"""Supervisor audits and their Accept & Dispute workflow:
``evaluations`` and ``evaluation_reviews``."""

from typing import ClassVar, Literal, Self

from pydantic import model_validator

from models.base import Identifier, Score, StreamRecord, Timestamp

ReviewEventType = Literal["published", "accepted", "disputed", "responded", "closed"]


class Evaluation(StreamRecord):
    """One audited attribute score of one evaluation version."""

    dedup_time: ClassVar[str] = "evaluated_at"

    event_id: Identifier
    evaluation_id: Identifier
    interaction_id: Identifier
    agent_id: Identifier
    evaluator_id: Identifier
    interaction_at: Timestamp
    evaluated_at: Timestamp
    attribute_id: Identifier
    score: Score


class EvaluationReview(StreamRecord):
    """An Accept & Dispute workflow event (an append-only log)."""

    event_id: Identifier
    evaluation_id: Identifier
    event_type: ReviewEventType
    actor_id: Identifier
    occurred_at: Timestamp
    disputed_attribute_ids: list[str] | None = None
    comment: str | None = None

    # The same cross-field rule, as SQL for bulk validation (see models.streams).
    row_rules: ClassVar[tuple[tuple[str, str], ...]] = (
        (
            "event_type <> 'disputed' or len(disputed_attribute_ids) > 0",
            "disputed_attribute_ids: required for a disputed event",
        ),
    )

    @model_validator(mode="after")
    def _dispute_names_attributes(self) -> Self:
        if self.event_type == "disputed" and not self.disputed_attribute_ids:
            raise ValueError("disputed_attribute_ids: required for a disputed event")
        return self
