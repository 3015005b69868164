"""Contracts: valid examples pass; each kind of invalid value is refused with a
message naming the field."""

import json

import pytest
from stream_examples import VALID_COACHING_EVENTS, VALID_ROWS, coaching_event

from models.streams import STREAMS


@pytest.mark.parametrize("stream", sorted(VALID_ROWS))
def test_valid_example_of_every_stream_passes(stream: str) -> None:
    assert STREAMS[stream].rejection_reason(json.dumps(VALID_ROWS[stream])) is None


@pytest.mark.parametrize("event_type", sorted(VALID_COACHING_EVENTS))
def test_valid_example_of_every_coaching_event_passes(event_type: str) -> None:
    event = STREAMS["coaching_events"].validate(coaching_event(event_type))
    assert event.event_type == event_type


def test_every_event_type_of_the_contract_has_an_example() -> None:
    assert set(STREAMS["coaching_events"].variants) == set(VALID_COACHING_EVENTS)


def _reason(stream: str, **changes: object) -> str | None:
    row = {**VALID_ROWS[stream], **changes}
    row = {k: v for k, v in row.items() if v is not _MISSING}
    return STREAMS[stream].rejection_reason(json.dumps(row))


_MISSING = object()


@pytest.mark.parametrize(
    ("stream", "changes", "field"),
    [
        ("auto_qa_scores", {"score": 100.5}, "score"),
        ("auto_qa_scores", {"score": -1}, "score"),
        ("auto_qa_scores", {"score": "eighty"}, "score"),
        ("auto_qa_scores", {"score": [80]}, "score"),
        ("auto_qa_scores", {"attribute_id": _MISSING}, "attribute_id"),
        ("auto_qa_scores", {"interaction_at": "yesterday"}, "interaction_at"),
        ("auto_qa_scores", {"agent_id": ""}, "agent_id"),
        ("interactions", {"channel": "fax"}, "channel"),
        ("interactions", {"sentiment_score": 11}, "sentiment_score"),
        ("interactions", {"handle_time_s": -5}, "handle_time_s"),
        ("attributes", {"weight": 0}, "weight"),
        ("attributes", {"is_compliance": "maybe"}, "is_compliance"),
        ("agents", {"active": "sometimes"}, "active"),
        ("evaluation_reviews", {"event_type": "escalated"}, "event_type"),
        ("evaluation_reviews", {"disputed_attribute_ids": []}, "disputed_attribute_ids"),
    ],
)
def test_invalid_value_is_refused_naming_the_field(stream: str, changes: dict, field: str) -> None:
    reason = _reason(stream, **changes)
    assert reason is not None
    assert reason.startswith(f"{field}")


@pytest.mark.parametrize(
    ("event", "field"),
    [
        ({**coaching_event("note_added"), "event_type": "dance"}, "event_type"),
        (coaching_event("mark_created", attribute_ids=[]), "attribute_ids"),
        (coaching_event("assignment_created", group_id="g1"), "agent_id/group_id"),
        (coaching_event("assignment_created", follow_up_date="12/11/2026"), "follow_up_date"),
        (coaching_event("note_added", note=None), "note"),
        (coaching_event("assignment_created", agent_facing_name=""), "agent_facing_name"),
    ],
)
def test_invalid_coaching_event_is_refused_naming_the_field(event: dict, field: str) -> None:
    reason = STREAMS["coaching_events"].rejection_reason(json.dumps(event))
    assert reason is not None and reason.startswith(field)


def test_timestamp_without_offset_is_utc() -> None:
    row = STREAMS["evaluations"].validate(VALID_ROWS["evaluations"])
    assert row.evaluated_at.utcoffset().total_seconds() == 0
    assert row.evaluated_at.hour == 10


def test_unambiguous_values_are_coerced_to_their_type() -> None:
    row = STREAMS["auto_qa_scores"].validate({**VALID_ROWS["auto_qa_scores"], "score": "80"})
    assert row.score == 80.0
    agent = STREAMS["agents"].validate({**VALID_ROWS["agents"], "agent_id": 5})
    assert agent.agent_id == "5"


def test_unknown_fields_are_ignored() -> None:
    assert _reason("agents", shoe_size=42) is None


def test_raw_columns_derive_from_the_contract() -> None:
    scores = {c.name: c.sql_type for c in STREAMS["auto_qa_scores"].columns}
    assert scores["score"] == "DOUBLE"
    assert scores["interaction_at"] == "TIMESTAMPTZ"
    events = {c.name: c.sql_type for c in STREAMS["coaching_events"].columns}
    assert events["attribute_ids"] == "VARCHAR[]"
    assert events["follow_up_date"] == "DATE"
