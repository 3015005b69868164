"""An agent's own export: that agent's rows only, no group context, the
coaching log with its evidence, and the leak check before anything is kept."""

import csv
import json
from pathlib import Path

import openpyxl
import pytest
from marts_examples import AGENTS, GROUP_ID, GROUP_NAME, agent_facing_id
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
