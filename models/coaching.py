"""Coaching-app events: one discriminated union on ``event_type``."""

from typing import Annotated, ClassVar, Literal, Self

from pydantic import Field, TypeAdapter, field_validator, model_validator

from models.base import Day, Identifier, Score, StreamRecord, Timestamp, null_means_default

IdList = Annotated[list[Identifier], Field(min_length=1)]


class _CoachingEvent(StreamRecord):
    event_id: Identifier
    occurred_at: Timestamp
    actor_id: Identifier


class MarkCreated(_CoachingEvent):
    """A manual mark from the audit screen."""

    event_type: Literal["mark_created"]
    agent_id: Identifier
    attribute_ids: IdList
    interaction_ids: list[Identifier] = []

    _defaults = field_validator("interaction_ids", mode="before")(classmethod(null_means_default))


class MarkDismissed(_CoachingEvent):
    event_type: Literal["mark_dismissed"]
    agent_id: Identifier
    attribute_id: Identifier


class GroupCreated(_CoachingEvent):
    event_type: Literal["group_created"]
    group_id: Identifier
    name: Identifier
    description: str | None = None
    attribute_ids: IdList


class GroupMemberAdded(_CoachingEvent):
    event_type: Literal["group_member_added"]
    group_id: Identifier
    agent_id: Identifier


class GroupMemberRemoved(_CoachingEvent):
    event_type: Literal["group_member_removed"]
    group_id: Identifier
    agent_id: Identifier


class AssignmentCreated(_CoachingEvent):
    """An individual (agent_id) or group (group_id) coaching assignment."""

    event_type: Literal["assignment_created"]
    assignment_id: Identifier
    name: Identifier
    agent_id: Identifier | None = None
    group_id: Identifier | None = None
    attribute_ids: IdList
    interaction_ids: list[Identifier] = []
    best_response_interaction_ids: list[Identifier] = []
    feedback: str | None = None
    action_plan: str | None = None
    follow_up_date: Day
    target_score: Score | None = None
    target_date: Day | None = None
    # The name the agent sees instead of ``name`` (a group assignment's name
    # speaks of the group, which an agent must not see).
    agent_facing_name: Identifier | None = None

    _defaults = field_validator("interaction_ids", "best_response_interaction_ids", mode="before")(
        classmethod(null_means_default)
    )

    row_rules: ClassVar[tuple[tuple[str, str], ...]] = (
        (
            "(agent_id is null) <> (group_id is null)",
            "agent_id/group_id: exactly one of the two is required",
        ),
    )

    @model_validator(mode="after")
    def _one_assignee(self) -> Self:
        if (self.agent_id is None) == (self.group_id is None):
            raise ValueError("agent_id/group_id: exactly one of the two is required")
        return self


class AssignmentAcknowledged(_CoachingEvent):
    event_type: Literal["assignment_acknowledged"]
    assignment_id: Identifier
    agent_id: Identifier


class InteractionReviewed(_CoachingEvent):
    event_type: Literal["interaction_reviewed"]
    assignment_id: Identifier
    agent_id: Identifier
    interaction_id: Identifier


class BestResponseReviewed(_CoachingEvent):
    event_type: Literal["best_response_reviewed"]
    assignment_id: Identifier
    agent_id: Identifier
    interaction_id: Identifier


class NoteAdded(_CoachingEvent):
    event_type: Literal["note_added"]
    assignment_id: Identifier
    note: str


class AssignmentDeleted(_CoachingEvent):
    event_type: Literal["assignment_deleted"]
    assignment_id: Identifier


CoachingEventVariant = (
    MarkCreated
    | MarkDismissed
    | GroupCreated
    | GroupMemberAdded
    | GroupMemberRemoved
    | AssignmentCreated
    | AssignmentAcknowledged
    | InteractionReviewed
    | BestResponseReviewed
    | NoteAdded
    | AssignmentDeleted
)
CoachingEvent = Annotated[CoachingEventVariant, Field(discriminator="event_type")]
coaching_event_adapter: TypeAdapter[CoachingEventVariant] = TypeAdapter(CoachingEvent)
