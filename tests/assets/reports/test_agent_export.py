"""An agent's own export: that agent's rows only, no group context, the
coaching log with its evidence, and the leak check before anything is kept."""

import csv
import json
import re
from datetime import UTC, date, datetime
from pathlib import Path

import openpyxl
import pytest
from marts_examples import AGENTS, ASSIGNMENTS, GROUP_ID, GROUP_NAME, SUPERVISOR, agent_facing_id
from report_examples import GENERATED, all_text, publish

from assets.reports.errors import ExportLeakError
from assets.reports.export import export_reports, find_forbidden


def test_an_agent_export_holds_that_agents_rows_only(serving_file: Path, tmp_path: Path) -> None:
    paths = export_reports(serving_file, tmp_path, agent="agt-03", generated_at=GENERATED)
    assert {p.parent.name for p in paths} == {"agent-agt-03"}
    texts = all_text(paths)
    assert set(texts) == {
        "coaching-log.html",
        "coaching-log.xlsx",
        "assignments.csv",
        "marked_interactions.csv",
        "best_responses.csv",
        "progress.csv",
        "coaching_log.csv",
        "notes.csv",
        "review.csv",
        "daily_scores.csv",
        "filters.json",
    }
    for name, text in texts.items():
        for other in set(AGENTS) - {"agt-03"}:
            assert other not in text, (name, other)
        assert GROUP_ID not in text, name
        assert GROUP_NAME not in text, name
        assert "group" not in text.lower() or name.endswith(".xlsx"), name
    with (tmp_path / "2024-03-20" / "agent-agt-03" / "assignments.csv").open() as f:
        rows = list(csv.DictReader(f))
    # All of the agent's assignments; the group's one named after what it coaches.
    assert [(r["assignment_id"], r["name"]) for r in rows] == [
        (agent_facing_id("asg-5"), "Empathy - Cy Diaz"),
        (agent_facing_id("asg-3:agt-03"), "Compliance coaching"),
    ]
    assert "agent_status" in rows[0] and "status" not in rows[0]
    marked = (tmp_path / "2024-03-20" / "agent-agt-03" / "marked_interactions.csv").read_text()
    assert "int-201" in marked and "int-401" not in marked
    html = texts["coaching-log.html"]
    assert (
        f"Feedback for {agent_facing_id('asg-3:agt-03')}" in html
        and html.count('<svg class="chart"') == 2
    )


def test_an_agent_export_has_the_coaching_log_by_cycle(serving_file: Path, tmp_path: Path) -> None:
    paths = export_reports(serving_file, tmp_path, agent="agt-01", formats=["csv"])
    log = next(p for p in paths if p.name == "coaching_log.csv")
    with log.open() as f:
        rows = list(csv.DictReader(f))
    assert [(r["cycle_start"], r["attribute_id"], r["is_focus"]) for r in rows] == [
        ("2024-03-07", "empathy", "true")
    ]
    assert json.loads(rows[0]["evidence"])[0]["interaction_id"] == "int-101"
    # agt-02 is an outlier of agt-01's team: nothing of it reaches agt-01.
    assert all("agt-02" not in p.read_text() for p in paths)


def test_an_agent_export_without_a_coaching_log_yet(tmp_path: Path) -> None:
    serving_file = publish(tmp_path, with_coaching_log=False)
    paths = export_reports(
        serving_file, tmp_path / "exports", agent="agt-01", formats=["html", "csv"]
    )
    assert "coaching_log.csv" not in {p.name for p in paths}
    assert "not in the warehouse yet" in next(p for p in paths if p.suffix == ".html").read_text()


def test_an_agent_export_that_would_leak_group_context_is_not_written(tmp_path: Path) -> None:
    serving_file = publish(
        tmp_path,
        f"update marts.agent_assignments set feedback = 'Welcome to {GROUP_NAME}!' "
        f"where assignment_id = '{agent_facing_id('asg-3:agt-03')}'",
    )
    with pytest.raises(ExportLeakError, match=GROUP_NAME):
        export_reports(serving_file, tmp_path / "exports", agent="agt-03")
    assert not [p for p in (tmp_path / "exports").rglob("*") if p.is_file()]


def test_forbidden_values_are_found_as_whole_tokens() -> None:
    forbidden = {"agent id": frozenset({"agt-01", "a7"}), "group name": frozenset({"Crew"})}
    assert find_forbidden("asg-3:agt-01 done", forbidden) == [("agent id", "agt-01")]
    assert find_forbidden("agt-010 and a7 and Crewmates", forbidden) == []


def test_the_workbook_reads_evidence_as_quotes(serving_file: Path, tmp_path: Path) -> None:
    paths = export_reports(serving_file, tmp_path, agent="agt-01", formats=["xlsx"])
    log = openpyxl.load_workbook(next(p for p in paths if p.suffix == ".xlsx"))["Coaching log"]
    evidence = next(c.column for c in log[1] if c.value == "Evidence")
    # marts_examples: int-101, score 61, "let me check that" 42 s in.
    assert log.cell(row=2, column=evidence).value == (
        "\u201clet me check that\u201d (int-101, score 61.00, at 0:42)"
    )


def _rows(paths: list[Path], name: str) -> list[dict[str, str]]:
    with next(p for p in paths if p.name == name).open() as f:
        return list(csv.DictReader(f))


def test_an_agent_export_has_the_notes_of_its_assignments(
    serving_file: Path, tmp_path: Path
) -> None:
    paths = export_reports(serving_file, tmp_path / "a3", agent="agt-03", formats=["csv"])
    # marts_examples NOTES: agt-03's own note on asg-5 (03-14), the
    # supervisor's on the group (03-18); agt-04's note on its share is not here.
    assert [tuple(r.values()) for r in _rows(paths, "notes.csv")] == [
        ("2024-03-14", "Empathy - Cy Diaz", "you", "Asked for two calls to listen to"),
        ("2024-03-18", "Compliance coaching", SUPERVISOR, "Walked through the disclosure script"),
    ]
    paths = export_reports(serving_file, tmp_path / "a4", agent="agt-04", formats=["csv"])
    # The group's note reaches the other member too, with agt-04's own.
    assert [tuple(r.values()) for r in _rows(paths, "notes.csv")] == [
        ("2024-03-18", "Compliance coaching", SUPERVISOR, "Walked through the disclosure script"),
        ("2024-03-19", "Compliance coaching", "you", "I read the script aloud before each call"),
    ]
    # A date filter keeps the notes of the assignments it keeps: asg-5 (03-13) is out.
    paths = export_reports(
        serving_file,
        tmp_path / "a3-range",
        agent="agt-03",
        formats=["csv"],
        assigned_from=date(2024, 3, 14),
    )
    assert [r["note"] for r in _rows(paths, "notes.csv")] == [
        "Walked through the disclosure script"
    ]


def test_an_agent_export_has_its_evaluations_in_review_by_tab(
    serving_file: Path, tmp_path: Path
) -> None:
    paths = export_reports(serving_file, tmp_path, agent="agt-03", formats=["csv", "html", "xlsx"])
    rows = _rows(paths, "review.csv")
    # agt-03's ev-2, ev-3, ev-4 in the tabs' order (Pending Review, Disputes,
    # Resolved); agt-04's ev-5 and agt-01's ev-1 are not there.
    assert [
        (
            r["tab"],
            r["interaction_id"],
            r["interaction_date"],
            r["queue"],
            float(r["audit_score"]),
            r["review_status"],
            int(r["dispute_rounds"]),
            r["disputed_attributes"],
            datetime.fromisoformat(r["last_event_at"]),
            r["resolution_hours"],
        )
        for r in rows
    ] == [
        (
            "Pending Review",
            "int-203",
            "2024-03-16",
            "billing",
            72.0,
            "Pending Agent Review",
            0,
            "",
            datetime(2024, 3, 16, 18, tzinfo=UTC),
            "",
        ),
        (
            "Disputes",
            "int-201",
            "2024-03-15",
            "billing",
            66.5,
            "Pending Supervisor Review",
            1,
            "Compliance",
            datetime(2024, 3, 17, 12, tzinfo=UTC),
            "",
        ),
        (
            "Resolved",
            "int-202",
            "2024-03-11",
            "sales",
            88.0,
            "Resolved",
            0,
            "",
            datetime(2024, 3, 12, 9, 30, tzinfo=UTC),
            "20.5",
        ),
    ]
    html = next(p for p in paths if p.suffix == ".html").read_text()
    review = html.split('<section id="review">', 1)[1].split("</section>", 1)[0]
    headings = re.findall(r"<h3>(.*?)</h3>", review)
    assert headings == ["Waiting for my review", "Disputed", "Resolved"]
    # Each tab's table holds its evaluation only.
    tabs = review.split("<h3>")[1:]
    for tab, interaction in zip(tabs, ("int-203", "int-201", "int-202"), strict=True):
        assert re.findall(r"int-\d+", tab) == [interaction]
    workbook = openpyxl.load_workbook(next(p for p in paths if p.suffix == ".xlsx"))
    assert {"Notes", "Review"} <= set(workbook.sheetnames)
    assert workbook["Review"].max_row == 1 + 3


def test_an_agent_export_with_notes_and_review_names_no_group_nor_other_agent(
    serving_file: Path, tmp_path: Path
) -> None:
    # Supervisor-side assignment ids: the group's (asg-3), each member's share
    # (asg-3:agt-03) and each individual one: the agent sees none of them.
    supervisor_ids = {a[0] for a in ASSIGNMENTS} | {a[1] for a in ASSIGNMENTS if a[1]}
    for agent in ("agt-03", "agt-04"):
        paths = export_reports(serving_file, tmp_path / agent, agent=agent)
        texts = all_text(paths)
        assert {"notes.csv", "review.csv"} <= set(texts)
        assert "Walked through the disclosure script" in texts["notes.csv"]
        for name, text in texts.items():
            for other in set(AGENTS) - {agent}:
                assert other not in text, (agent, name, other)
            assert GROUP_ID not in text and GROUP_NAME not in text, (agent, name)
            for assignment_id in supervisor_ids:
                pattern = rf"(?<![A-Za-z0-9_]){re.escape(assignment_id)}(?![A-Za-z0-9_])"
                assert not re.search(pattern, text), (agent, name, assignment_id)


def test_an_agent_export_naming_a_group_assignment_is_not_written(tmp_path: Path) -> None:
    serving_file = publish(
        tmp_path,
        "update marts.assignment_notes set note = 'Same as asg-3 for everyone' "
        "where note_id = 'n-1'",
    )
    with pytest.raises(ExportLeakError, match="group assignment id 'asg-3'"):
        export_reports(serving_file, tmp_path / "exports", agent="agt-03")
    assert not [p for p in (tmp_path / "exports").rglob("*") if p.is_file()]
