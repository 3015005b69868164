"""Incremental builds: the same tables as a full refresh, and a late event
recomputes exactly the day it belongs to and the windows that cover it."""

from datetime import UTC, date, datetime

import pytest

LATE_AT = datetime(2024, 3, 22, 0, 30, tzinfo=UTC)


def test_incremental_equals_full_refresh(scenario, mart_tables, tmp_path) -> None:
    """The scenario's warehouse was built in two batches (the second with a
    late score for an old day, re-scores with later and earlier scored_at, a
    re-evaluation, and weight/target/team changes); a full refresh of a copy
    must give every mart, row for row."""
    incremental = scenario.warehouse
    incremental_models = {
        r.node.name
        for r in scenario.build_results[1].result
        if r.node.resource_type == "model" and r.node.config.materialized == "incremental"
    }
    assert incremental_models == {
        "stg_auto_qa_scores",
        "stg_evaluations",
        "int_interaction_scores_resolved",
        "int_agent_attribute_days_aggregated",
        "int_interactions_scored",
        "int_agent_days_aggregated",
        "int_queue_days_aggregated",
        "int_evaluations_scored",
    }
    for r in scenario.build_results[1].result:
        if r.node.name in incremental_models and r.node.resource_type == "model":
            # the second build took the incremental branch (the watermark filter)
            assert "coalesce(max(_ingested_at)" in r.node.compiled_code, r.node.name
    full = incremental.copy(tmp_path / "full")
    full.dbt("run", "--full-refresh")
    for table in (
        *(f"marts.{t}" for t in mart_tables),
        "intermediate.int_agent_attribute_days_aggregated",
        "intermediate.int_agent_days_aggregated",
        "intermediate.int_queue_days_aggregated",
        "intermediate.int_evaluations_scored",
        "intermediate.int_interactions_scored",
    ):
        columns = None
        if table.startswith("intermediate."):
            # _ingested_at is a watermark, not data: a full refresh may stamp
            # rows with an older time than the incremental run that last touched them
            columns = [
                r[0]
                for r in full.query(
                    "select column_name from information_schema.columns "
                    "where table_schema = 'intermediate' and table_name = ? "
                    "and column_name not like '\\_%' escape '\\' order by ordinal_position",
                    [table.split(".")[1]],
                )
            ]
        select = ", ".join(columns) if columns else "*"
        incremental_rows = _rows(incremental, table, select)
        assert incremental_rows, f"{table} is empty: the comparison would prove nothing"
        assert incremental_rows == _rows(full, table, select), table


def _rows(warehouse, table: str, select: str) -> list[tuple]:
    def freeze(value):
        if isinstance(value, list):
            return tuple(freeze(v) for v in value)
        if isinstance(value, float):
            return round(value, 9)
        return value

    rows = [
        tuple(freeze(v) for v in row) for row in warehouse.query(f"select {select} from {table}")
    ]
    return sorted(rows, key=repr)


def _keyed(warehouse, sql: str, key_columns: int) -> dict[tuple, tuple]:
    rows = warehouse.query(sql)
    return {tuple(r[:key_columns]): tuple(r[key_columns:]) for r in rows}


def _changed(before: dict, after: dict) -> set:
    keys = before.keys() | after.keys()
    return {
        k
        for k in keys
        if before.get(k) is None
        or after.get(k) is None
        or any(
            (a != b) if not isinstance(a, float) else a != pytest.approx(b, abs=1e-9)
            for a, b in zip(before[k], after[k], strict=True)
        )
    }


def test_late_event_five_days_back_changes_exactly_the_windows_covering_it(
    scenario, tmp_path
) -> None:
    """A late Auto QA score of a2's EMP for 03-15 (as_of 03-20 minus 5) lands
    after everything was built. Only the (a2, EMP, 03-15) aggregate and the
    windows holding 03-15 may change: a2's current window (03-14 .. 03-20) in
    agent_attribute_scores, coaching_progress and coaching_monitor, T1's EMP
    row of team_performance, and 03-15 in contact_center_metrics. The
    at-assigned windows (up to 03-09 and 03-11) and other agents stay as
    they were."""
    warehouse = scenario.warehouse.copy(tmp_path / "late")
    queries = {
        "days": (
            "select agent_id, attribute_id, interaction_date, scores_n, score_sum "
            "from intermediate.int_agent_attribute_days_aggregated",
            3,
        ),
        "scores": (
            "select agent_id, attribute_id, current_score, current_n "
            "from marts.agent_attribute_scores",
            2,
        ),
        "progress": (
            "select assignment_id, attribute_id, score_at_assigned, n_at_assigned, "
            "current_score, n_current, trend from marts.coaching_progress",
            2,
        ),
        "monitor": (
            "select assignment_id, scorecard_score_at_assigned, "
            "evaluation_score_at_assigned, scorecard_score_current, "
            "evaluation_score_current from marts.coaching_monitor",
            1,
        ),
        "teams": ("select team, attribute_id, avg_score, n from marts.team_performance", 2),
        "metrics": (
            "select day, queue, channel, avg_qa_score, interactions_n "
            "from marts.contact_center_metrics",
            3,
        ),
    }
    before = {name: _keyed(warehouse, sql, keys) for name, (sql, keys) in queries.items()}

    late_at = datetime(2024, 3, 15, 16, 0, tzinfo=UTC)
    warehouse.insert(
        "interactions",
        [
            {
                "interaction_id": "i209",
                "agent_id": "a2",
                "queue": "tech",
                "channel": "voice",
                "started_at": late_at,
                "handle_time_s": 400.0,
                "sentiment_score": 7.0,
            }
        ],
        LATE_AT,
    )
    warehouse.insert(
        "auto_qa_scores",
        [
            {
                "event_id": "q-i209-EMP",
                "interaction_id": "i209",
                "agent_id": "a2",
                "attribute_id": "EMP",
                "interaction_at": late_at,
                "score": 100.0,
                "scored_at": datetime(2024, 3, 21, 23, 0, tzinfo=UTC),
            }
        ],
        LATE_AT,
    )
    warehouse.dbt("run")
    after = {name: _keyed(warehouse, sql, keys) for name, (sql, keys) in queries.items()}

    assert _changed(before["days"], after["days"]) == {("a2", "EMP", date(2024, 3, 15))}
    assert after["days"][("a2", "EMP", date(2024, 3, 15))] == (2, 72.0 + 100.0)
    assert _changed(before["scores"], after["scores"]) == {("a2", "EMP")}
    assert after["scores"][("a2", "EMP")] == pytest.approx(((72 + 74 + 73 + 100) / 4, 4))
    assert _changed(before["progress"], after["progress"]) == {("G1:a2", "EMP")}
    at_assigned = before["progress"][("G1:a2", "EMP")][:2]
    assert after["progress"][("G1:a2", "EMP")][:2] == at_assigned
    assert after["progress"][("G1:a2", "EMP")][2:] == (
        pytest.approx((72 + 74 + 73 + 100) / 4),
        4,
        "spike",
    )
    assert _changed(before["monitor"], after["monitor"]) == {("G1:a2",)}
    assert after["monitor"][("G1:a2",)][:2] == before["monitor"][("G1:a2",)][:2]
    assert _changed(before["teams"], after["teams"]) == {("T1", "EMP")}
    assert _changed(before["metrics"], after["metrics"]) == {(date(2024, 3, 15), "tech", "voice")}


def test_changing_the_time_zone_asks_for_a_full_refresh(scenario, tmp_path) -> None:
    """Stored days were computed in UTC: an incremental run in another zone
    would mix two calendars in one table, so it stops with a clear message."""
    warehouse = scenario.warehouse.copy(tmp_path / "zone")
    result = warehouse.dbt(
        "run", "--select", "int_interaction_scores_resolved", check=False, timezone="Europe/Berlin"
    )
    assert not result.success
    messages = " ".join(str(r.message) for r in result.result)
    assert "--full-refresh" in messages and "timezone=UTC" in messages
