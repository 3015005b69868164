"""The hand-made scenario of conftest.py, built in two batches: every figure of
coaching_monitor and coaching_progress for as_of 2024-03-20, worked out here
from the formulas of DESIGN.md section 3 and the rules of section 6.

Windows: current = 03-14 .. 03-20 for both assignments; at-assigned = 03-05 ..
03-11 for A-IND (assigned 03-12) and 03-03 .. 03-09 for G1 (assigned 03-10).
Final weights: EMP 2, CMP 1, PRD 1. Kore Evaluation Score of an interaction =
weighted mean of its Auto QA scores; Agent Scorecard score = the same with the
latest audit of an attribute in place of its Auto QA score.
"""

import hashlib
from datetime import UTC, date, datetime
from statistics import mean

import pytest
from scipy import stats

AS_OF = date(2024, 3, 20)  # the scenario's as_of (conftest.py)

TOLERANCE = 0.01


def welch_p(current: list[float], at_assigned: list[float]) -> float:
    return float(stats.ttest_ind(current, at_assigned, equal_var=False).pvalue)


def kore(emp: float, cmp: float, prd: float | None = None) -> float:
    """Weighted mean by attribute weight (EMP 2, CMP 1, PRD 1)."""
    if prd is None:
        return (2 * emp + 1 * cmp) / 3
    return (2 * emp + 1 * cmp + 1 * prd) / 4


# (assignment, agent, attribute):
#     (score_at_assigned, n_at_assigned, current_score, n_current, delta, trend, p_value)
# fmt: off
EXPECTED_PROGRESS = {
    # a1 EMP: at-assigned i101 60 (re-scored from 40), i102 70, i103 65; i100 on
    # 03-04 and i104 on 03-12 (A) are out. Current i106 75 (03-14 = D-6),
    # i107 80 (re-scored from 50), i108 82 (03-20 = D); i105 (03-13 = D-7) is out.
    ("A-IND", "a1", "EMP"): (
        (60 + 70 + 65) / 3, 3, (75 + 80 + 82) / 3, 3,
        (75 + 80 + 82) / 3 - (60 + 70 + 65) / 3, "spike",
        welch_p([75, 80, 82], [60, 70, 65]),
    ),
    # a1 CMP: i102's 80 arrived late (batch 2); i103's stale 0 lost to its 100.
    ("A-IND", "a1", "CMP"): (
        (90 + 80 + 100) / 3, 3, (95 + 85 + 100) / 3, 3,
        (95 + 85 + 100) / 3 - (90 + 80 + 100) / 3, "spike",
        welch_p([95, 85, 100], [90, 80, 100]),
    ),
    # a2 EMP: 75 -> 73, delta exactly -2 = -threshold: dip.
    ("G1:a2", "a2", "EMP"): (
        (70 + 80 + 75) / 3, 3, (72 + 74 + 73) / 3, 3, -2.0, "dip",
        welch_p([72, 74, 73], [70, 80, 75]),
    ),
    # a2 PRD: 65 -> 67, delta exactly +2 = threshold: spike.
    ("G1:a2", "a2", "PRD"): (
        (60 + 70 + 65) / 3, 3, (68 + 66 + 67) / 3, 3, 2.0, "spike",
        welch_p([68, 66, 67], [60, 70, 65]),
    ),
    # a3 EMP: two scores a side (< min_samples 3): insufficient_data.
    ("G1:a3", "a3", "EMP"): (
        (60 + 64) / 2, 2, (70 + 72) / 2, 2, 9.0, "insufficient_data",
        welch_p([70, 72], [60, 64]),
    ),
    # a3 PRD: mapped by the manual mark only, no score on either side.
    ("G1:a3", "a3", "PRD"): (None, 0, None, 0, None, "insufficient_data", None),
}

# assignment: (agent, name, team, scorecard at / current / trend,
#              evaluation (Kore) at / current / trend, status)
EXPECTED_MONITOR = {
    "A-IND": (
        "a1", "Ann", "T1",
        # scorecard: i103's audit (ev1: EMP 75 after re-evaluation, CMP 100) and
        # i106's audit (ev2: EMP 88, CMP 95) replace their Auto QA scores.
        mean([kore(60, 90), kore(70, 80), kore(75, 100)]),
        mean([kore(88, 95), kore(80, 85), kore(82, 100)]),
        "spike",
        mean([kore(60, 90), kore(70, 80), kore(65, 100)]),
        mean([kore(75, 95), kore(80, 85), kore(82, 100)]),
        "spike",
        # In Progress by reviews (1 of 3 items), but ev1 of the listed i103 is
        # disputed (round 2) and waits for the supervisor.
        "Pending Supervisor Review",
    ),
    "G1:a2": (
        "a2", "Ben", "T1",
        mean([kore(70, 90, 60), kore(80, 100, 70), kore(75, 95, 65)]),
        # ev3 audits i205's EMP at 60 (not linked to G1: i205 is not listed).
        mean([kore(60, 90, 68), kore(74, 90, 66), kore(73, 90, 67)]),
        "dip",  # 77.5 -> 73.75
        mean([kore(70, 90, 60), kore(80, 100, 70), kore(75, 95, 65)]),
        mean([kore(72, 90, 68), kore(74, 90, 66), kore(73, 90, 67)]),
        "flat",  # 77.5 -> 75.75
        "Completed",  # i201 and the best response i202 both reviewed
    ),
    "G1:a3": (
        "a3", "Cat", "T2",
        # i302 has a CMP score only: its Kore score is that score.
        mean([kore(60, 70), 80.0, kore(64, 90)]),
        mean([kore(70, 90), kore(72, 80)]),
        "insufficient_data",  # 2 interactions in the current window
        mean([kore(60, 70), 80.0, kore(64, 90)]),
        mean([kore(70, 90), kore(72, 80)]),
        "insufficient_data",
        "Yet to Start",
    ),
}
# fmt: on


def assert_close(actual, expected, label: str) -> None:
    if expected is None or isinstance(expected, str):
        assert actual == expected, label
    else:
        assert actual == pytest.approx(expected, abs=TOLERANCE), label


def test_coaching_progress_every_figure(scenario) -> None:
    rows = scenario.warehouse.records(
        "select * from marts.coaching_progress order by assignment_id, attribute_position"
    )
    actual = {(r["assignment_id"], r["agent_id"], r["attribute_id"]): r for r in rows}
    assert set(actual) == set(EXPECTED_PROGRESS)
    columns = (
        "score_at_assigned",
        "n_at_assigned",
        "current_score",
        "n_current",
        "delta",
        "trend",
        "p_value",
    )
    for key, expected in EXPECTED_PROGRESS.items():
        for column, value in zip(columns, expected, strict=True):
            assert_close(actual[key][column], value, f"{key} {column}")
        assert actual[key]["as_of_date"] == AS_OF


def test_coaching_monitor_every_figure(scenario) -> None:
    rows = scenario.warehouse.records("select * from marts.coaching_monitor")
    actual = {r["assignment_id"]: r for r in rows}
    assert set(actual) == set(EXPECTED_MONITOR)
    columns = (
        "agent_id",
        "agent_name",
        "team",
        "scorecard_score_at_assigned",
        "scorecard_score_current",
        "scorecard_trend",
        "evaluation_score_at_assigned",
        "evaluation_score_current",
        "evaluation_trend",
        "status",
    )
    for assignment_id, expected in EXPECTED_MONITOR.items():
        for column, value in zip(columns, expected, strict=True):
            assert_close(actual[assignment_id][column], value, f"{assignment_id} {column}")
        assert actual[assignment_id]["as_of_date"] == AS_OF
    assert actual["A-IND"]["assigned_date"] == date(2024, 3, 12)
    assert actual["G1:a2"]["assigned_date"] == date(2024, 3, 10)
    assert actual["A-IND"]["coaching_type"] == "Individual"
    assert actual["G1:a3"]["coaching_type"] == "Group"
    # the monitor reports n on both sides: interactions per window
    assert (
        actual["A-IND"]["evaluation_n_at_assigned"],
        actual["A-IND"]["evaluation_n_current"],
    ) == (3, 3)
    assert (actual["G1:a3"]["scorecard_n_at_assigned"], actual["G1:a3"]["scorecard_n_current"]) == (
        3,
        2,
    )


def test_coaching_assignments_fan_out_and_statuses(scenario) -> None:
    rows = scenario.warehouse.records("select * from marts.coaching_assignments")
    actual = {r["assignment_id"]: r for r in rows}
    # A-DEL was deleted, A-FUT is created after as_of; a1 left g1 before G1.
    assert set(actual) == {"A-IND", "G1:a2", "G1:a3"}
    columns = (
        "agent_id",
        "coaching_type",
        "parent_assignment_id",
        "group_id",
        "attribute_ids",
        "interactions_n",
        "interactions_reviewed_n",
        "best_responses_n",
        "best_responses_reviewed_n",
        "status",
        "agent_status",
        "plan_status",
    )
    # fmt: off
    expected = {
        # follow-up 03-19 has passed; target 80: EMP's current 79 misses it.
        "A-IND": ("a1", "Individual", None, None, ["EMP", "CMP"], 2, 1, 1, 0,
                  "Pending Supervisor Review", "Pending Supervisor Review", "Action Required"),
        "G1:a2": ("a2", "Group", "G1", "g1", ["EMP", "PRD"], 1, 1, 1, 1,
                  "Completed", "Completed", "Working On It"),
        "G1:a3": ("a3", "Group", "G1", "g1", ["EMP", "PRD"], 1, 0, 1, 0,
                  "Yet to Start", "Start Now", "Shared"),
    }
    # fmt: on
    for assignment_id, values in expected.items():
        assert tuple(actual[assignment_id][c] for c in columns) == values, assignment_id

    agent_columns = {
        r[0]
        for r in scenario.warehouse.query(
            "select column_name from information_schema.columns "
            "where table_schema = 'marts' and table_name = 'agent_assignments'"
        )
    }
    assert not agent_columns & {"group_id", "parent_assignment_id", "coaching_type", "status"}


def agent_facing_id(assignment_id: str) -> str:
    """The rule of agent_assignments.assignment_id: `ca-` and the first 16 hex
    digits of the md5 of the agent assignment's id."""
    return "ca-" + hashlib.md5(assignment_id.encode()).hexdigest()[:16]


def test_agent_assignments_show_no_group(scenario, group_context_hits) -> None:
    rows = scenario.warehouse.records(
        "select assignment_id, agent_id, name, attribute_ids from marts.agent_assignments"
    )
    # G1 was made for g1 "Empathy and product"; each member reads it named
    # after its areas mapped to them (EMP and PRD for both: a3's PRD by its
    # manual mark), in the listed order. A-IND keeps its given name.
    assert {(r["assignment_id"], r["agent_id"], r["name"]) for r in rows} == {
        (agent_facing_id("A-IND"), "a1", "Empathy for Ann"),
        (agent_facing_id("G1:a2"), "a2", "Empathy & Product knowledge coaching"),
        (agent_facing_id("G1:a3"), "a3", "Empathy & Product knowledge coaching"),
    }
    # The supervisor's table maps each agent-facing id back.
    assert set(
        scenario.warehouse.query(
            "select assignment_id, agent_assignment_id from marts.coaching_assignments"
        )
    ) == {(a, agent_facing_id(a)) for a in ("A-IND", "G1:a2", "G1:a3")}
    assert group_context_hits(scenario.warehouse, "agent_assignments") == []


def test_the_group_context_search_finds_what_the_supervisor_sees(
    scenario, group_context_hits
) -> None:
    # coaching_assignments does carry the group: the search must say so.
    hits = {(row, column, what) for row, column, what, _ in
            group_context_hits(scenario.warehouse, "coaching_assignments")}  # fmt: skip
    assert {
        ("G1:a2", "assignment_id", "group assignment"),
        ("G1:a2", "parent_assignment_id", "group assignment"),
        ("G1:a2", "group_id", "group id"),
        ("G1:a3", "name", "group name"),
    } <= hits


def test_assignment_notes_reach_every_member(scenario, group_context_hits) -> None:
    rows = scenario.warehouse.records("select * from marts.assignment_notes")
    # c18, the supervisor's note on G1, reaches both members; c19, a2's own
    # note on G1, reaches a2 only (to a3 its author is another agent); c16 is
    # on A-IND.
    assert {(r["note_id"], r["assignment_id"], r["agent_id"], r["actor_id"]) for r in rows} == {
        ("c16", agent_facing_id("A-IND"), "a1", "s1"),
        ("c18", agent_facing_id("G1:a2"), "a2", "s1"),
        ("c18", agent_facing_id("G1:a3"), "a3", "s1"),
        ("c19", agent_facing_id("G1:a2"), "a2", "a2"),
    }
    c19 = next(r for r in rows if r["note_id"] == "c19")
    assert (c19["note"], c19["occurred_at"], c19["occurred_date"]) == (
        "I will listen first",
        datetime(2024, 3, 15, 12, tzinfo=UTC),
        date(2024, 3, 15),
    )
    assert group_context_hits(scenario.warehouse, "assignment_notes") == []


def test_agent_directory(scenario) -> None:
    rows = {
        r["agent_id"]: r for r in scenario.warehouse.records("select * from marts.agent_directory")
    }
    assert set(rows) == {"a1", "a2", "a3"}
    a1, a2, a3 = rows["a1"], rows["a2"], rows["a3"]
    # a1: A-IND is active (Pending Supervisor Review), and its EMP rose 65 -> 79
    # with p < 0.05: improving.
    emp_p = welch_p([75, 80, 82], [60, 70, 65])
    assert emp_p < 0.05
    assert (a1["coaching_state"], a1["active_assignments_n"]) == ("improving", 1)
    assert (a1["latest_assignment_id"], a1["latest_assignment_status"]) == (
        "A-IND",
        "Pending Supervisor Review",
    )
    assert (a1["last_coached_date"], a1["latest_assignment_plan_status"]) == (
        date(2024, 3, 12),
        "Action Required",
    )
    # The current window, 03-14 .. 03-20: i106, i107, i108, as in the monitor.
    assert a1["evaluation_score_current"] == pytest.approx(
        mean([kore(75, 95), kore(80, 85), kore(82, 100)]), abs=TOLERANCE
    )
    assert a1["scorecard_score_current"] == pytest.approx(
        mean([kore(88, 95), kore(80, 85), kore(82, 100)]), abs=TOLERANCE
    )
    assert (a1["evaluation_n_current"], a1["scorecard_n_current"], a1["interactions_n"]) == (
        3,
        3,
        3,
    )
    assert a1["avg_handle_time_s"] == pytest.approx(mean([300 + 14, 300 + 17, 300 + 20]))
    assert a1["avg_sentiment"] == pytest.approx(6.0)
    assert (a1["name"], a1["team"], a1["supervisor_id"], a1["experience_level"]) == (
        "Ann",
        "T1",
        "s1",
        "senior",
    )
    # a2: G1:a2 is Completed, and no mark is live: on_track. a3: G1:a3 is
    # Yet to Start, its EMP trend insufficient_data: being_coached. The one
    # mark (a3 PRD) is assigned, not live.
    assert (a2["coaching_state"], a2["active_assignments_n"], a2["open_marks_n"]) == (
        "on_track",
        0,
        0,
    )
    assert (a3["coaching_state"], a3["active_assignments_n"], a3["open_marks_n"]) == (
        "being_coached",
        1,
        0,
    )
    # a3 moved to T2 under s2 in batch 2; a2 gave no experience level.
    assert (a3["team"], a3["supervisor_id"], a3["experience_level"]) == ("T2", "s2", "junior")
    assert a2["experience_level"] is None
    monitor = dict(
        scenario.warehouse.query(
            "select assignment_id, experience_level from marts.coaching_monitor"
        )
    )
    assert monitor == {"A-IND": "senior", "G1:a2": None, "G1:a3": "junior"}


def test_assignment_warnings_and_interactions(scenario) -> None:
    warnings = scenario.warehouse.query(
        "select assignment_id, agent_id, item_type, item_id, reason from marts.assignment_warnings"
    )
    assert set(warnings) == {
        ("A-IND", "a1", "attribute", "PRD", "area_not_mapped"),
        ("A-IND", "a1", "interaction", "i201", "not_agents_interaction"),
        ("A-IND", "a1", "interaction", "i999", "not_agents_interaction"),
        ("G1", None, "interaction", "i100", "not_a_members_interaction"),
        ("G1:a3", "a3", "interaction", "i302", "no_score_in_areas"),
    }
    items = {
        (r["assignment_id"], r["interaction_id"], r["kind"]): r
        for r in scenario.warehouse.records("select * from marts.assignment_interactions")
    }
    assert set(items) == {
        ("A-IND", "i102", "marked"),
        ("A-IND", "i103", "marked"),
        ("A-IND", "i202", "best_response"),
        ("G1:a2", "i201", "marked"),
        ("G1:a2", "i202", "best_response"),
        ("G1:a3", "i301", "marked"),
        ("G1:a3", "i202", "best_response"),
    }
    i103 = items[("A-IND", "i103", "marked")]
    assert i103["kore_evaluation_score"] == pytest.approx(kore(65, 100), abs=TOLERANCE)
    assert i103["audit_score"] == pytest.approx(kore(75, 100), abs=TOLERANCE)
    assert i103["interaction_date"] == date(2024, 3, 11)
    assert i103["interaction_at"] == datetime(2024, 3, 11, 10, tzinfo=UTC)
    assert (i103["channel"], i103["topic"], i103["intent"]) == (
        "voice",
        "billing dispute",
        "refund",
    )
    assert items[("A-IND", "i102", "marked")]["channel"] == "chat"
    assert items[("A-IND", "i102", "marked")]["topic"] is None
    assert i103["attribute_ids"] == ["EMP", "CMP"]
    assert items[("A-IND", "i102", "marked")]["reviewed"] is True
    assert items[("G1:a3", "i301", "marked")]["attribute_ids"] == ["EMP"]
    assert items[("G1:a2", "i202", "best_response")]["reviewed"] is True


def test_review_queue(scenario) -> None:
    rows = scenario.warehouse.records("select * from marts.review_queue")
    actual = {
        r["evaluation_id"]: (
            r["interaction_id"],
            r["agent_id"],
            r["interaction_date"],
            r["queue"],
            round(r["audit_score"], 2),
            r["review_status"],
            r["dispute_rounds"],
            r["tab"],
        )
        for r in rows
    }
    assert actual == {
        "ev1": (
            "i103",
            "a1",
            date(2024, 3, 11),
            "billing",
            round(kore(75, 100), 2),
            "Pending Supervisor Review",
            2,
            "Disputes",
        ),
        "ev2": (
            "i106",
            "a1",
            date(2024, 3, 14),
            "billing",
            round(kore(88, 95), 2),
            "Resolved",
            0,
            "Resolved",
        ),
        "ev3": (
            "i205",
            "a2",
            date(2024, 3, 15),
            "tech",
            60.0,
            "Pending Agent Review",
            0,
            "Pending Review",
        ),
    }
    times = {r["evaluation_id"]: r for r in rows}
    # ev1: published 03-12 10:00, disputed twice naming EMP, pending: no
    # resolution; its last event is the second dispute (03-20 10:00), after
    # its re-evaluation (03-19 09:00).
    # ev2: published 03-15 10:00, accepted 03-16 10:00: resolved in 24 hours.
    # ev3: published 03-16 10:00, an hour after it was evaluated; pending.
    expected = {  # interaction_at, evaluated_at, disputed, last_event_at, resolution_hours
        "ev1": (datetime(2024, 3, 11, 10, tzinfo=UTC), datetime(2024, 3, 19, 9, tzinfo=UTC),
                ["EMP"], datetime(2024, 3, 20, 10, tzinfo=UTC), None),
        "ev2": (datetime(2024, 3, 14, 10, tzinfo=UTC), datetime(2024, 3, 15, 9, tzinfo=UTC),
                [], datetime(2024, 3, 16, 10, tzinfo=UTC), 24.0),
        "ev3": (datetime(2024, 3, 15, 10, tzinfo=UTC), datetime(2024, 3, 16, 9, tzinfo=UTC),
                [], datetime(2024, 3, 16, 10, tzinfo=UTC), None),
    }  # fmt: skip
    columns = ("interaction_at", "evaluated_at", "disputed_attribute_ids", "last_event_at",
               "resolution_hours")  # fmt: skip
    assert {e: tuple(r[c] for c in columns) for e, r in times.items()} == expected


def test_agent_attribute_scores_and_team_performance(scenario) -> None:
    rows = scenario.warehouse.records("select * from marts.agent_attribute_scores")
    actual = {(r["agent_id"], r["attribute_id"]): r for r in rows}
    expected = {  # current_score, current_n, target_score, below_target_n
        ("a1", "EMP"): ((75 + 80 + 82) / 3, 3, 80, 1),
        ("a1", "CMP"): ((95 + 85 + 100) / 3, 3, 90, 1),
        ("a2", "EMP"): ((72 + 74 + 73) / 3, 3, 80, 3),
        ("a2", "CMP"): (90.0, 3, 90, 0),
        ("a2", "PRD"): ((68 + 66 + 67) / 3, 3, 70, 3),
        ("a3", "EMP"): ((70 + 72) / 2, 2, 80, 2),
        ("a3", "CMP"): ((90 + 80) / 2, 2, 90, 1),
    }
    assert set(actual) == set(expected)
    for key, (score, n, target, below) in expected.items():
        row = actual[key]
        assert row["current_score"] == pytest.approx(score, abs=TOLERANCE), key
        assert (row["current_n"], row["target_score"], row["below_target_n"]) == (n, target, below)
        assert row["gap"] == pytest.approx(target - score, abs=TOLERANCE), key

    teams = {
        (r["team"], r["attribute_id"]): r
        for r in scenario.warehouse.records("select * from marts.team_performance")
    }
    t1_emp = teams[("T1", "EMP")]
    assert t1_emp["avg_score"] == pytest.approx((75 + 80 + 82 + 72 + 74 + 73) / 6, abs=TOLERANCE)
    assert (t1_emp["n"], t1_emp["agents_n"], t1_emp["outlier_agent_ids"]) == (6, 2, [])


def test_contact_center_metrics(scenario) -> None:
    rows = scenario.warehouse.records(
        "select * from marts.contact_center_metrics where day = date '2024-03-14'"
    )
    assert len(rows) == 1
    row = rows[0]
    assert (row["queue"], row["channel"], row["interactions_n"]) == ("billing", "voice", 1)
    assert row["avg_qa_score"] == pytest.approx(kore(75, 95), abs=TOLERANCE)
    assert row["avg_handle_time_s"] == pytest.approx(300 + 14)
    # i109 (03-21) is after as_of
    assert scenario.warehouse.query("select max(day) from marts.contact_center_metrics") == [
        (date(2024, 3, 20),)
    ]


def test_dbt_build_passes_with_tests(scenario) -> None:
    """Both builds (batch 1 full, batch 2 incremental) ran every model, data
    test and unit test successfully."""
    for result in scenario.build_results:
        assert result.success
        kinds = {r.node.resource_type for r in result.result}
        assert {"model", "test", "unit_test"} <= {str(k) for k in kinds}
        assert all(str(r.status) in ("success", "pass") for r in result.result)
