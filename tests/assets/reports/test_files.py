"""The files of a report: which are written where, CSV (rows sorted, scores
rounded, byte-identical on a rerun), XLSX (formats and conditional formats)."""

import csv
import re
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
from marts_examples import ASSIGNMENTS
from openpyxl.worksheet.worksheet import Worksheet
from report_examples import DEFAULT_RANGE, D, expected_points, publish

from assets.reports.columns import label
from assets.reports.export import export_reports
from assets.reports.supervisor import MONITOR_COLUMNS

GREEN, RED, AMBER = "FFC6EFCE", "FFFFC7CE", "FFFFEB9C"


def test_a_report_per_team_and_one_for_the_center(center_files: dict[str, Path]) -> None:
    folders = {name.rsplit("/", 1)[0] for name in center_files}
    assert folders == {"2024-03-20/center", "2024-03-20/team-north", "2024-03-20/team-south"}
    files = {name.rsplit("/", 1)[1] for name in center_files if "/center/" in name}
    assert files == {
        "coaching-report.html",
        "coaching-report.xlsx",
        "monitor.csv",
        "progress.csv",
        "notes.csv",
        "trend_summary.csv",
        "daily_scores.csv",
        "filters.json",
    }
    south = center_files["2024-03-20/team-south/monitor.csv"].read_text()
    assert "agt-03" in south and "agt-01" not in south


def test_reports_are_reproducible(
    serving_file: Path, center_files: dict[str, Path], tmp_path: Path
) -> None:
    later = datetime(2024, 4, 2, 17, 30, tzinfo=UTC)
    again = {
        str(p.relative_to(tmp_path)): p
        for p in export_reports(serving_file, tmp_path, generated_at=later)
    }
    assert again.keys() == center_files.keys()
    for name, path in center_files.items():
        if name.endswith(".html"):
            before = path.read_text().splitlines()
            after = again[name].read_text().splitlines()
            assert len(before) == len(after)
            differing = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
            assert len(differing) == 1 and "Generated at" in differing[0][0], name
        else:  # CSV, filters.json, and XLSX with its created date taken from as_of
            assert path.read_bytes() == again[name].read_bytes(), name


def test_csv_holds_the_monitor_rows_sorted(center_files: dict[str, Path]) -> None:
    with center_files["2024-03-20/center/monitor.csv"].open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == list(MONITOR_COLUMNS)
    assert [r["assignment_id"] for r in rows] == ["asg-4", "asg-1", "asg-3:agt-03", "asg-3:agt-04"]
    assert rows[0]["attribute_ids"] == "greeting"


def test_csv_scores_are_rounded_to_2_decimals(tmp_path: Path) -> None:
    serving_file = publish(
        tmp_path,
        """update marts.coaching_progress
           set score_at_assigned = 56.725, current_score = 71.78749999999998,
               p_value = 0.41000000000000003
           where assignment_id = 'asg-1'""",
    )
    paths = export_reports(serving_file, tmp_path / "exports", formats=["csv", "html"])
    progress = next(p for p in paths if p.parent.name == "center" and p.name == "progress.csv")
    with progress.open(newline="") as f:
        (row,) = [r for r in csv.DictReader(f) if r["assignment_id"] == "asg-1"]
    # 71.7874999... is 71.79. 56.725 is halfway as written: half-even keeps
    # 56.72 (the float's binary value lies above it, and would round up).
    assert (row["score_at_assigned"], row["current_score"]) == ("56.72", "71.79")
    assert row["p_value"] == "0.41"  # 4 significant digits
    assert row["delta"] == "7.5"  # marts_examples: 79.5 - 72.0, left as it was
    # The page says the same as the file.
    page = next(p for p in paths if p.parent.name == "center" and p.suffix == ".html")
    assert "56.72 → 71.79" in page.read_text()
    for path in paths:
        if path.suffix == ".csv":
            assert not re.search(r"\d\.\d{3}", path.read_text()), path.name


def test_the_workbook_has_a_formatted_sheet_per_table(center_files: dict[str, Path]) -> None:
    workbook = openpyxl.load_workbook(center_files["2024-03-20/center/coaching-report.xlsx"])
    assert workbook.sheetnames == [
        "About",
        "Trend summary",
        "Coaching Monitor",
        "Progress by attribute",
        "Notes",
        "Daily scores",
    ]
    assert workbook.properties.created == datetime(2024, 3, 20)
    monitor = workbook["Coaching Monitor"]
    assert [c.value for c in monitor[1]] == [label(c) for c in MONITOR_COLUMNS]
    assert monitor.max_row == 1 + len(DEFAULT_RANGE)
    assert monitor.freeze_panes == "A2"
    assert monitor.auto_filter.ref == f"A1:R{1 + len(DEFAULT_RANGE)}"
    header = {c.value: c.column for c in monitor[1]}
    assigned = monitor.cell(row=2, column=header["Assigned"])
    assert assigned.value == datetime(2024, 3, 14) and assigned.number_format == "yyyy-mm-dd"
    score = monitor.cell(row=2, column=header["Scorecard current"])
    assert score.value == 78.0 and score.number_format == "0.00"
    progress = workbook["Progress by attribute"]
    assert progress.max_row == 1 + 4
    assert [c.value for c in progress[1]][:3] == ["Agent ID", "Agent", "Team"]
    daily = workbook["Daily scores"]
    expected = sum(
        expected_points(a[7], a[5], attr)
        for a in ASSIGNMENTS
        if a[0] in DEFAULT_RANGE
        for attr in a[6]
    )
    assert daily.max_row == 1 + expected


# ---------------------------------------------------------------------------
# Conditional formats, applied as a spreadsheet would


def _column(sheet: Worksheet, header: str) -> str:
    return next(c.column_letter for c in sheet[1] if c.value == header)


def _painted(sheet: Worksheet, fill: str) -> set[str]:
    """The cells that the conditional formats of ``fill`` colour: a rule
    ``cell = "text"``, or ``AND(ISNUMBER(X2),ISNUMBER($T2),X2<$T2)`` (a score
    below the target of its row)."""
    below = re.compile(
        r"AND\(ISNUMBER\((?P<score>[A-Z]+)2\),ISNUMBER\(\$(?P<target>[A-Z]+)2\),"
        r"(?P=score)2<\$(?P=target)2\)"
    )
    cells = set()
    for formatting in sheet.conditional_formatting:
        for rule in formatting.rules:
            if rule.dxf.fill.bgColor.rgb != fill:
                continue
            for cell in (
                c for area in formatting.sqref.ranges for row in sheet[area.coord] for c in row
            ):
                if rule.type == "cellIs" and rule.operator == "equal":
                    hit = cell.value == rule.formula[0].strip('"')
                else:
                    match = below.fullmatch(rule.formula[0])
                    assert rule.type == "expression" and match, rule.formula
                    assert match["score"] == cell.column_letter
                    target = sheet[f"{match['target']}{cell.row}"].value
                    numbers = all(isinstance(v, int | float) for v in (cell.value, target))
                    hit = numbers and cell.value < target
                if hit:
                    cells.add(cell.coordinate)
    return cells


def test_the_workbook_colours_spikes_dips_and_scores_below_target(
    serving_file: Path, center_files: dict[str, Path], tmp_path: Path
) -> None:
    workbook = openpyxl.load_workbook(center_files["2024-03-20/center/coaching-report.xlsx"])
    progress = workbook["Progress by attribute"]
    trend, before, now = (
        _column(progress, h) for h in ("Trend", "Score at assigned", "Current score")
    )
    # Rows by agent, assignment, attribute (targets: empathy 80, greeting 85,
    # compliance 90): 2 asg-1 empathy 72 -> 79.5 spike, 3 asg-4 greeting 82 -> 83
    # flat, 4 asg-3:agt-03 compliance 82 -> 86 spike, 5 asg-3:agt-04 compliance
    # 83 -> 99 insufficient data.
    assert _painted(progress, GREEN) == {f"{trend}2", f"{trend}4"}
    assert _painted(progress, RED) == set()
    assert _painted(progress, AMBER) == {f"{before}{r}" for r in (2, 3, 4, 5)} | {
        f"{now}{r}" for r in (2, 3, 4)
    }
    monitor = workbook["Coaching Monitor"]
    # Monitor rows: asg-4 flat/flat, asg-1 spike/spike, asg-3:agt-03 spike/flat,
    # asg-3:agt-04 insufficient data.
    scorecard, evaluation = (_column(monitor, h) for h in ("Scorecard trend", "Evaluation trend"))
    assert _painted(monitor, GREEN) == {f"{scorecard}3", f"{evaluation}3", f"{scorecard}4"}

    # Follow-ups due D: asg-1 empathy spike, asg-2 compliance dip and greeting
    # flat, asg-5 empathy dip.
    paths = export_reports(serving_file, tmp_path, follow_up_date=D, formats=["xlsx"])
    due = openpyxl.load_workbook(next(p for p in paths if p.parent.name.startswith("center")))
    progress = due["Progress by attribute"]
    trend = _column(progress, "Trend")
    assert _painted(progress, RED) == {f"{trend}3", f"{trend}5"}
    assert _painted(progress, GREEN) == {f"{trend}2"}
