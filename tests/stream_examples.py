"""A valid example row of every stream and coaching event type."""

TS = "2026-11-02T09:30:00+00:00"

VALID_ROWS: dict[str, dict] = {
    "agents": {"agent_id": "a1", "name": "Ana", "team": "t1", "updated_at": TS},
    "attributes": {
        "attribute_id": "empathy",
        "name": "Empathy",
        "target_score": 80,
        "weight": 1.5,
        "updated_at": TS,
    },
    "interactions": {
        "interaction_id": "i1",
        "agent_id": "a1",
        "queue": "billing",
        "channel": "voice",
        "started_at": TS,
        "handle_time_s": 300,
        "sentiment_score": 7,
    },
    "auto_qa_scores": {
        "event_id": "q1",
        "interaction_id": "i1",
        "agent_id": "a1",
        "attribute_id": "empathy",
        "interaction_at": TS,
        "score": 72.5,
        "scored_at": "2026-11-02T10:00:00Z",
        "evidence_quote": "I understand",
        "evidence_offset_s": 12.0,
    },
    "evaluations": {
        "event_id": "v1",
        "evaluation_id": "ev1",
        "interaction_id": "i1",
        "agent_id": "a1",
        "evaluator_id": "s1",
        "interaction_at": TS,
        "evaluated_at": "2026-11-03T10:00:00",
        "attribute_id": "empathy",
        "score": 60,
    },
    "evaluation_reviews": {
        "event_id": "r1",
        "evaluation_id": "ev1",
        "event_type": "disputed",
        "actor_id": "a1",
        "occurred_at": TS,
        "disputed_attribute_ids": ["empathy"],
    },
}

_EVENT = {"occurred_at": TS, "actor_id": "s1"}
VALID_COACHING_EVENTS: dict[str, dict] = {
    "mark_created": {"agent_id": "a1", "attribute_ids": ["empathy"], "interaction_ids": ["i1"]},
    "mark_dismissed": {"agent_id": "a1", "attribute_id": "empathy"},
    "group_created": {
        "group_id": "g1",
        "name": "Empathy boost",
        "description": "",
        "attribute_ids": ["empathy"],
    },
    "group_member_added": {"group_id": "g1", "agent_id": "a1"},
    "group_member_removed": {"group_id": "g1", "agent_id": "a1"},
    "assignment_created": {
        "assignment_id": "as1",
        "name": "Empathy",
        "agent_id": "a1",
        "attribute_ids": ["empathy"],
        "interaction_ids": ["i1"],
        "best_response_interaction_ids": ["i9"],
        "feedback": "Acknowledge first",
        "action_plan": "Practise",
        "follow_up_date": "2026-11-12",
        "target_score": 80,
        "target_date": "2026-11-20",
    },
    "assignment_acknowledged": {"assignment_id": "as1", "agent_id": "a1"},
    "interaction_reviewed": {"assignment_id": "as1", "agent_id": "a1", "interaction_id": "i1"},
    "best_response_reviewed": {"assignment_id": "as1", "agent_id": "a1", "interaction_id": "i9"},
    "note_added": {"assignment_id": "as1", "note": "Good progress"},
    "assignment_deleted": {"assignment_id": "as1"},
}


def coaching_event(event_type: str, event_id: str = "c1", **changes: object) -> dict:
    return {
        "event_id": event_id,
        "event_type": event_type,
        **_EVENT,
        **VALID_COACHING_EVENTS[event_type],
        **changes,
    }
