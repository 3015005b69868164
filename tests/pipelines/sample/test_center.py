"""The simulated center: a queue-specific scorecard, teams taking calls from
two queues, audits on the same scorecard with an Accept & Dispute workflow."""

from collections import defaultdict
from typing import Any

from sample_landing import Generated


def _scored_attributes(rows: dict[str, list[dict[str, Any]]]) -> dict[str, set[str]]:
    scored: dict[str, set[str]] = defaultdict(set)
    for score in rows["auto_qa_scores"]:
        scored[score["interaction_id"]].add(score["attribute_id"])
    return scored


def test_scorecard_has_one_compliance_attribute(small: Generated) -> None:
    attributes = small.rows["attributes"]
    assert 6 <= len(attributes) <= 12
    assert sum(a["is_compliance"] for a in attributes) == 1
    for attribute in attributes:
        assert 0.5 <= attribute["weight"] <= 2.0
        low, high = (90, 100) if attribute["is_compliance"] else (70, 85)
        assert low <= attribute["target_score"] <= high


def test_an_interaction_is_scored_on_its_queues_attributes_only(center: Generated) -> None:
    rows = center.rows
    interactions = {row["interaction_id"]: row for row in rows["interactions"]}
    scored = _scored_attributes(rows)
    assert scored.keys() == interactions.keys()
    pairs = [(s["interaction_id"], s["attribute_id"]) for s in rows["auto_qa_scores"]]
    assert len(pairs) == len(set(pairs))  # one score per interaction and attribute

    # One scorecard per queue: every interaction of a queue has the same attributes.
    scorecards: dict[str, set[frozenset[str]]] = defaultdict(set)
    for interaction_id, attributes in scored.items():
        scorecards[interactions[interaction_id]["queue"]].add(frozenset(attributes))
    assert len(scorecards) == 4
    assert all(len(cards) == 1 for cards in scorecards.values())
    cards = [next(iter(c)) for c in scorecards.values()]
    active = {a["attribute_id"] for a in rows["attributes"] if a["active"]}
    assert set().union(*cards) == active
    assert len(set(cards)) == 4  # no two queues share a scorecard
    only_one_queue = {a for a in active if sum(a in card for card in cards) == 1}
    assert only_one_queue  # e.g. troubleshooting, on technical support calls only

    for score in rows["auto_qa_scores"][:500]:
        interaction = interactions[score["interaction_id"]]
        assert score["agent_id"] == interaction["agent_id"]
        assert score["interaction_at"] == interaction["started_at"].isoformat()
        assert score["scored_at"] > score["interaction_at"]


def test_a_team_takes_calls_from_two_queues_so_some_agents_are_never_scored_in_an_area(
    center: Generated,
) -> None:
    rows = center.rows
    team_changes = {a["agent_id"] for a in rows["agents"] if a["_file_day"] != center.period[0]}
    queues: dict[str, set[str]] = defaultdict(set)
    for interaction in rows["interactions"]:
        queues[interaction["agent_id"]].add(interaction["queue"])
    assert all(len(q) <= 2 for agent, q in queues.items() if agent not in team_changes)
    areas: dict[str, set[str]] = defaultdict(set)
    for score in rows["auto_qa_scores"]:
        areas[score["agent_id"]].add(score["attribute_id"])
    every_area = set().union(*areas.values())
    assert any(agent_areas < every_area for agent_areas in areas.values())


def test_roster_has_teams_with_supervisors_and_one_team_change(small: Generated) -> None:
    agents = small.rows["agents"]
    first = [a for a in agents if a["_file_day"] == small.period[0]]
    assert len(first) == small.agents
    assert len({a["team"] for a in first}) >= 2
    assert all(a["supervisor_id"] for a in first)
    (change,) = [a for a in agents if a["_file_day"] != small.period[0]]
    before = next(a for a in first if a["agent_id"] == change["agent_id"])
    assert change["team"] != before["team"]
    assert change["updated_at"] > before["updated_at"]


def test_audits_score_the_queues_attributes_and_follow_the_review_workflow(
    small: Generated,
) -> None:
    rows = small.rows
    scored = _scored_attributes(rows)
    first_versions: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows["evaluations"]:
        if row["event_id"].endswith("-v1"):
            first_versions[row["evaluation_id"]].append(row)
    for versions in first_versions.values():
        attributes = [v["attribute_id"] for v in versions]
        assert sorted(attributes) == sorted(scored[versions[0]["interaction_id"]])
    assert 0.02 < len(first_versions) / len(rows["interactions"]) < 0.1

    logs: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for event in sorted(rows["evaluation_reviews"], key=lambda e: e["occurred_at"]):
        logs[event["evaluation_id"]].append(event)
    assert set(logs) <= set(first_versions)
    # Only an audit finished late on the last day may still wait to be published.
    unpublished = set(first_versions) - set(logs)
    assert all(first_versions[e][0]["evaluated_at"][:10] == small.period[-1] for e in unpublished)
    for log in logs.values():
        assert log[0]["event_type"] == "published"
        assert [e["event_type"] for e in log].count("published") == 1
    types = {e["event_type"] for e in rows["evaluation_reviews"]}
    assert types == {"published", "accepted", "disputed", "responded", "closed"}


def test_a_dispute_leads_to_a_re_evaluation_that_changes_the_score(small: Generated) -> None:
    rows = small.rows
    by_key = {
        (r["evaluation_id"], r["attribute_id"], r["event_id"][-2:]): r for r in rows["evaluations"]
    }
    first_disputes: dict[str, dict[str, Any]] = {}
    for event in sorted(rows["evaluation_reviews"], key=lambda e: e["occurred_at"]):
        if event["event_type"] == "disputed":
            first_disputes.setdefault(event["evaluation_id"], event)
    re_evaluated = 0
    for dispute in first_disputes.values():
        for attribute_id in dispute["disputed_attribute_ids"]:
            # Only an audited attribute can be disputed.
            assert (dispute["evaluation_id"], attribute_id, "v1") in by_key
            second = by_key.get((dispute["evaluation_id"], attribute_id, "v2"))
            if second is None:
                continue
            first = by_key[(dispute["evaluation_id"], attribute_id, "v1")]
            assert second["evaluated_at"] > dispute["occurred_at"] > first["evaluated_at"]
            assert second["score"] != first["score"]
            re_evaluated += 1
    assert re_evaluated >= 1
    versions = [r for r in rows["evaluations"] if r["event_id"].endswith("-v2")]
    assert re_evaluated >= len(versions)  # no re-evaluation without a dispute
