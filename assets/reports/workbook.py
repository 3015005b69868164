"""The XLSX workbook of a report: an "About" sheet with the filters, then one
sheet per table with a bold frozen header row, number and date formats, an
autofilter, and conditional formats: a trend cell green for a spike and red
for a dip, a score cell amber below the target of its row.

Scores keep their full value (the cell's format shows 2 decimals), so the
amber rule compares exact values: a score equal to its target is at target.
The workbook's created date is as_of, so the same snapshot gives the same
bytes."""

import math
from datetime import datetime, time
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell

from assets.reports.columns import (
    TARGETED_SCORES,
    TREND_COLUMNS,
    ColumnKind,
    cell_text,
    column_kind,
    label,
)
from assets.reports.report import Report

XLSX_FORMATS: dict[ColumnKind, dict[str, Any]] = {
    "score": {"num_format": "0.00"},
    "pvalue": {"num_format": "0.0000"},
    "int": {"num_format": "0"},
    "date": {"num_format": "yyyy-mm-dd"},
    "bool": {},
    "list": {},
    "evidence": {"text_wrap": True, "valign": "top"},
    "text": {},
}
# Excel's own "Good", "Bad" and "Neutral" styles.
SPIKE = {"bg_color": "#C6EFCE", "font_color": "#006100"}
DIP = {"bg_color": "#FFC7CE", "font_color": "#9C0006"}
BELOW_TARGET = {"bg_color": "#FFEB9C", "font_color": "#9C5700"}
MAX_WIDTH = 60


def write_xlsx(report: Report, path: Path) -> None:
    workbook = xlsxwriter.Workbook(
        str(path),
        {
            "strings_to_formulas": False,  # feedback text starting with "=" stays text
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "nan_inf_to_errors": True,
        },
    )
    workbook.set_properties(
        {
            "title": report.title,
            "author": "coaching-warehouse",
            "created": datetime.combine(report.filters.as_of, time()),
        }
    )
    header = workbook.add_format(
        {"bold": True, "font_color": "#FFFFFF", "bg_color": "#1F3A5F", "border": 1, "valign": "top"}
    )
    formats = {kind: workbook.add_format(spec) for kind, spec in XLSX_FORMATS.items()}
    spike, dip, below = (workbook.add_format(spec) for spec in (SPIKE, DIP, BELOW_TARGET))
    about = workbook.add_worksheet("About")
    about.write_string(0, 0, report.title, workbook.add_format({"bold": True, "font_size": 14}))
    for row, (key, value) in enumerate(report.filter_lines(), start=2):
        about.write_string(row, 0, key, header)
        about.write_string(row, 1, value)
    for row, note in enumerate(report.notes, start=len(report.filter_lines()) + 3):
        about.write_string(row, 0, note)
    about.set_column(0, 0, 22)
    about.set_column(1, 1, 40)
    for table in report.tables:
        sheet = workbook.add_worksheet(table.title[:31])
        frame = table.frame
        last_row = max(len(frame), 1)
        for col, column in enumerate(frame.columns):
            kind = column_kind(column, frame.schema[column])
            sheet.write_string(0, col, label(column), header)
            values = frame[column].to_list()
            texts = [cell_text(v, kind) for v in values]
            if kind == "date":
                values = [v if v is None else datetime.combine(v, time()) for v in values]
            elif kind in ("score", "pvalue"):
                values = [v if v is None or math.isfinite(v) else None for v in values]
            elif kind in ("list", "evidence"):
                values = [None if v is None else t for v, t in zip(values, texts, strict=True)]
            sheet.write_column(1, col, values, formats[kind])
            width = max([len(label(column))] + [len(ln) for t in texts for ln in t.splitlines()])
            sheet.set_column(col, col, min(max(width, 8) + 2, MAX_WIDTH))
            if column in TREND_COLUMNS:
                for value, style in (("spike", spike), ("dip", dip)):
                    sheet.conditional_format(
                        1,
                        col,
                        last_row,
                        col,
                        {"type": "cell", "criteria": "==", "value": f'"{value}"', "format": style},
                    )
            if column in TARGETED_SCORES and "target_score" in frame.columns:
                target = xl_col_to_name(frame.columns.index("target_score"))
                cell = xl_rowcol_to_cell(1, col)
                sheet.conditional_format(
                    1,
                    col,
                    last_row,
                    col,
                    {
                        "type": "formula",
                        "criteria": f"=AND(ISNUMBER({cell}),ISNUMBER(${target}2),"
                        f"{cell}<${target}2)",
                        "format": below,
                    },
                )
        sheet.freeze_panes(1, 0)
        if frame.columns:
            sheet.autofilter(0, 0, last_row, len(frame.columns) - 1)
    workbook.close()
