"""The supervisor report: its filters and their defaults, the folder named
after them, and what the report holds."""

import re
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
from marts_examples import ASSIGNMENTS, SUPERVISOR
from report_examples import DEFAULT_RANGE, D, expected_points

from assets.reports.errors import FilterError
from assets.reports.export import export_reports
from assets.reports.filters import (
    MAX_FOLDER_NAME,
    agent_filters,
    filters_record,
    monitor_filters,
    report_folder,
)
from assets.reports.report import Report
from assets.reports.snapshot import Snapshot
from assets.reports.supervisor import load_supervisor_report

FOLLOW_UP_TODAY = {"asg-1", "asg-2", "asg-5"}


def _report(serving_file: Path, kind: str = "center", **filters: Any) -> Report:
    with duckdb.connect(str(serving_file), read_only=True) as conn:
        return load_supervisor_report(Snapshot(conn), monitor_filters(D, **filters), kind)


def _assignments(report: Report) -> set[str]:
    return set(report.table("monitor").frame["assignment_id"])


# ---------------------------------------------------------------------------
# Filters


def test_the_default_range_is_the_last_7_days_up_to_as_of(serving_file: Path) -> None:
    filters = monitor_filters(D)
    assert (filters.assigned_from, filters.assigned_to) == (D - timedelta(days=6), D)
    assert filters.follow_up_date is None
    # 03-14 (D-6) is in, 03-13 (D-7) and 03-10 are out.
    assert _assignments(_report(serving_file)) == DEFAULT_RANGE


def test_a_follow_up_date_replaces_the_assigned_range(serving_file: Path) -> None:
    filters = monitor_filters(D, follow_up_date=D)
    assert (filters.assigned_from, filters.assigned_to) == (None, None)
    assert _assignments(_report(serving_file, follow_up_date=D)) == FOLLOW_UP_TODAY


def test_both_date_filters_at_once_are_an_error(serving_file: Path, tmp_path: Path) -> None:
    with pytest.raises(FilterError, match="not both"):
        monitor_filters(D, assigned_from=D - timedelta(days=3), follow_up_date=D)
    with pytest.raises(FilterError, match="not both"):
        export_reports(serving_file, tmp_path, assigned_to=D, follow_up_date=D)
    with pytest.raises(FilterError, match="after"):
        monitor_filters(D, assigned_from=D, assigned_to=D - timedelta(days=1))
    assert not list(tmp_path.iterdir())


def test_one_end_of_the_range_sets_the_other() -> None:
    assert monitor_filters(D, assigned_from=date(2024, 3, 1)).assigned_to == D
    assert monitor_filters(D, assigned_to=date(2024, 3, 10)).assigned_from == date(2024, 3, 4)


def test_an_attribute_filter_keeps_assignments_with_that_attribute(serving_file: Path) -> None:
    report = _report(serving_file, attribute_ids=["compliance"])
    assert _assignments(report) == {"asg-3:agt-03", "asg-3:agt-04"}
    # asg-2 coaches greeting and compliance: only compliance is charted.
    report = _report(serving_file, follow_up_date=D, attribute_ids=["compliance"])
    assert _assignments(report) == {"asg-2"}
    assert set(report.table("progress").frame["attribute_id"]) == {"compliance"}
    assert [(c.assignment_id, c.attribute_id) for c in report.charts] == [("asg-2", "compliance")]


def test_team_and_agent_filters(serving_file: Path) -> None:
    north = _report(serving_file, "team", team="north")
    assert _assignments(north) == {"asg-1", "asg-4"}
    assert set(north.table("monitor").frame["team"]) == {"north"}
    assert _assignments(_report(serving_file, agent_ids=["agt-04"])) == {"asg-3:agt-04"}


def test_an_experience_level_filter(serving_file: Path) -> None:
    # agt-01, agt-03 junior; agt-02 senior; agt-04 none (marts_examples EXPERIENCE).
    assert _assignments(_report(serving_file, experience_levels=["junior"])) == {
        "asg-1",
        "asg-3:agt-03",
        "asg-4",
    }
    # agt-02's only assignment, asg-2 (03-10), is before the default range.
    assert _assignments(_report(serving_file, experience_levels=["senior"])) == set()
    assert _assignments(_report(serving_file, experience_levels=["senior"], follow_up_date=D)) == {
        "asg-2"
    }
    both = _report(serving_file, experience_levels=["senior", "junior"], follow_up_date=D)
    assert _assignments(both) == {"asg-1", "asg-2", "asg-5"}
    assert report_folder("center", monitor_filters(D, experience_levels=["senior", "junior"])) == (
        "center--experience-junior+senior"
    )


def test_the_supervisor_report_has_the_notes_of_its_assignments(serving_file: Path) -> None:
    notes = _report(serving_file).table("notes").frame
    # The default range keeps asg-1, asg-3:* and asg-4 (none on asg-4); n-3 is
    # on asg-5, out of range. The group's note n-1 is on both members' rows;
    # the writer is as recorded, agt-04 for its own note.
    assert [(r["assignment_id"], r["written_by"], r["note"]) for r in notes.to_dicts()] == [
        ("asg-1", SUPERVISOR, "Good progress on empathy"),
        ("asg-3:agt-03", SUPERVISOR, "Walked through the disclosure script"),
        ("asg-3:agt-04", SUPERVISOR, "Walked through the disclosure script"),
        ("asg-3:agt-04", "agt-04", "I read the script aloud before each call"),
    ]
    assert [d.isoformat() for d in notes["occurred_date"]] == [
        "2024-03-16",
        "2024-03-18",
        "2024-03-18",
        "2024-03-19",
    ]
    north = _report(serving_file, "team", team="north").table("notes").frame
    assert north["note"].to_list() == ["Good progress on empathy"]


# ---------------------------------------------------------------------------
# Content


def test_the_spike_dip_summary_counts_each_trend(serving_file: Path) -> None:
    rows = {r["measure"]: r for r in _report(serving_file).table("trend_summary").frame.to_dicts()}
    # asg-1 spike, asg-3:agt-03 spike, asg-3:agt-04 insufficient data, asg-4 flat
    assert rows["Coached attributes"] == {
        "measure": "Coached attributes",
        "spike": 2,
        "dip": 0,
        "flat": 1,
        "insufficient_data": 1,
        "total": 4,
    }
    assert rows["Kore Evaluation Score"]["flat"] == 2


def test_each_coached_attribute_has_its_daily_series(serving_file: Path) -> None:
    report = _report(serving_file)
    by_id = {a[0]: a for a in ASSIGNMENTS}
    expected = [
        (aid, attribute)
        for aid in ("asg-4", "asg-1", "asg-3:agt-03", "asg-3:agt-04")  # by assigned date, agent
        for attribute in by_id[aid][6]
    ]
    assert [(c.assignment_id, c.attribute_id) for c in report.charts] == expected
    for chart in report.charts:
        assert chart.start == chart.assigned_date - timedelta(days=14)
        assert chart.end == D
        assert len(chart.points) == expected_points(
            chart.assigned_date, chart.agent_id, chart.attribute_id
        )
        assert all(chart.start <= p.day <= D for p in chart.points)


def test_the_progress_rows_carry_their_attributes_target(serving_file: Path) -> None:
    progress = _report(serving_file).table("progress").frame
    # marts_examples: empathy 80, compliance 90, greeting 85.
    targets = dict(zip(progress["attribute_id"], progress["target_score"], strict=True))
    assert targets == {"empathy": 80.0, "compliance": 90.0, "greeting": 85.0}


# ---------------------------------------------------------------------------
# The folder named after the filters


def test_a_report_with_default_filters_has_a_plain_folder() -> None:
    assert report_folder("center", monitor_filters(D)) == "center"
    # The default range given explicitly is the same report, in the same folder.
    explicit = monitor_filters(D, assigned_from=date(2024, 3, 14), assigned_to=D)
    assert report_folder("center", explicit) == "center"
    assert report_folder("team", monitor_filters(D, team="north")) == "team-north"
    assert report_folder("agent", agent_filters(D), "agt-01") == "agent-agt-01"


def test_every_filter_that_is_not_the_default_names_the_folder() -> None:
    filters = monitor_filters(D, attribute_ids=["empathy"], agent_ids=["agt-02", "agt-01"])
    assert report_folder("center", filters) == "center--attribute-empathy--agents-agt-01+agt-02"
    wider = monitor_filters(D, assigned_from=date(2024, 3, 1))
    assert report_folder("team", replace(wider, team="south")) == (
        "team-south--assigned-2024-03-01-to-2024-03-20"
    )
    assert report_folder("center", monitor_filters(D, follow_up_date=D)) == (
        "center--follow-up-2024-03-20"
    )
    # An agent export's default is the whole log: any date filter names the folder.
    assert report_folder("agent", agent_filters(D, assigned_from=date(2024, 3, 1)), "agt-01") == (
        "agent-agt-01--assigned-from-2024-03-01"
    )


def test_a_value_that_is_not_plain_gives_a_hashed_folder() -> None:
    odd = monitor_filters(D, attribute_ids=["a b"])
    near = monitor_filters(D, attribute_ids=["a_b"])
    folder = report_folder("center", odd)
    assert folder.startswith("center--filters-") and len(folder) == len("center--filters-") + 12
    # Two values a slug would make alike stay apart.
    assert report_folder("center", near) == "center--attribute-a_b"
    assert folder != report_folder("center", monitor_filters(D, attribute_ids=["a/b"]))
    many = monitor_filters(D, agent_ids=[f"agt-{k:04d}" for k in range(40)])
    assert len(report_folder("center", many)) <= MAX_FOLDER_NAME
    assert report_folder("center", many).startswith("center--filters-")


def test_filters_json_holds_every_filter() -> None:
    assert filters_record("team", monitor_filters(D, team="north", agent_ids=["agt-01"])) == {
        "report": "team",
        "team": "north",
        "as_of": "2024-03-20",
        "assigned_from": "2024-03-14",
        "assigned_to": "2024-03-20",
        "follow_up_date": None,
        "attribute_ids": [],
        "agent_ids": ["agt-01"],
        "experience_levels": [],
    }
    # An agent's own export names no other agent: no agents filter in it.
    assert "agent_ids" not in filters_record("agent", agent_filters(D), "agt-01")
    assert "experience_levels" not in filters_record("agent", agent_filters(D), "agt-01")


def test_the_supervisor_page_lists_the_notes_by_assignment(center_files: dict[str, Path]) -> None:
    page = center_files["2024-03-20/center/coaching-report.html"].read_text()
    section = page.split('<section id="notes">', 1)[1].split("</section>", 1)[0]
    assert re.findall(r"<h3>(.*?)</h3>", section) == [
        "Empathy - Ann Lee · Ann Lee (agt-01)",
        "Compliance crew: coaching · Cy Diaz (agt-03)",
        "Compliance crew: coaching · Dee Fox (agt-04)",
    ]
    # agt-04's share holds both of its notes, in date order.
    last = section.rsplit("<h3>", 1)[1]
    assert last.index("Walked through the disclosure script") < last.index(
        "I read the script aloud before each call"
    )
