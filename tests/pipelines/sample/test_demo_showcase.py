"""The demo is a showcase to build dashboards on: on the marts of ``coachwh
demo`` with its defaults (the session's ``demo_home``, as ``make demo``
builds it), every assignment status, plan status, review status and trend
value appears, assignment_warnings has rows, and coaching is not uniformly
rosy."""

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

# DESIGN.md section 6 (statuses) and section 3 (the trend)
STATUSES = {
    "Yet to Start",
    "In Progress",
    "Completed",
    "Pending Agent Review",
    "Pending Supervisor Review",
}
PLAN_STATUSES = {"Shared", "Working On It", "Improvement", "Action Required"}
REVIEW_STATUSES = {"Pending Agent Review", "Pending Supervisor Review", "Resolved", "Closed"}
TRENDS = {"spike", "dip", "flat", "insufficient_data"}


@pytest.fixture(scope="module")
def snapshot(demo_home: tuple[Path, str]) -> Iterator[duckdb.DuckDBPyConnection]:
    home, _ = demo_home
    with duckdb.connect(str(home / "serving" / "warehouse.duckdb"), read_only=True) as conn:
        yield conn


def _values(conn: duckdb.DuckDBPyConnection, column: str, table: str) -> set[str]:
    return {value for (value,) in conn.execute(f"select distinct {column} from {table}").fetchall()}


@pytest.mark.parametrize(
    ("column", "table", "expected"),
    [
        ("status", "marts.coaching_assignments", STATUSES),
        ("plan_status", "marts.coaching_assignments", PLAN_STATUSES),
        ("review_status", "marts.review_queue", REVIEW_STATUSES),
        ("trend", "marts.coaching_progress", TRENDS),
        ("scorecard_trend", "marts.coaching_monitor", TRENDS),
        ("evaluation_trend", "marts.coaching_monitor", TRENDS),
    ],
)
def test_every_value_appears(
    snapshot: duckdb.DuckDBPyConnection, column: str, table: str, expected: set[str]
) -> None:
    assert _values(snapshot, column, table) == expected


def test_assignment_warnings_fire_for_areas_and_interactions(
    snapshot: duckdb.DuckDBPyConnection,
) -> None:
    assert _values(snapshot, "item_type", "marts.assignment_warnings") == {
        "attribute",
        "interaction",
    }


def test_coaching_is_not_uniformly_rosy(snapshot: duckdb.DuckDBPyConnection) -> None:
    rows = snapshot.execute(
        "select attribute_id, assignments_n, improved_share, plateau_agents_n "
        "from marts.coaching_effectiveness"
    ).fetchall()
    shares = [share for _, _, share, _ in rows]
    # Coaching helps somewhere, and not every coached agent improves ...
    assert max(shares) > 0.0
    assert min(shares) < 1.0
    # ... some agents plateau on an area they were coached on twice ...
    assert sum(plateaus for *_, plateaus in rows) >= 1
    # ... and some coached attributes dip or stay flat.
    (not_up,) = snapshot.execute(
        "select count(*) from marts.coaching_progress where trend in ('dip', 'flat')"
    ).fetchall()[0]
    assert not_up >= 1
