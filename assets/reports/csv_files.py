"""The CSV files of a report, one per table: scores rounded to 2 decimals
(:data:`assets.reports.columns.ROUND_SCORE`), p-values to 4 significant
digits, lists joined with ", ", evidence as JSON. Rows come sorted from their
queries and nothing depends on the clock, so the same snapshot and as_of give
the same bytes."""

import math
from pathlib import Path

import polars as pl

from assets.reports.columns import P_VALUE_DIGITS, ROUND_SCORE, column_kind, evidence_json
from assets.reports.report import Table


def csv_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` as the CSV file's cells (module docstring)."""
    converted = []
    for column, dtype in frame.schema.items():
        kind = column_kind(column, dtype)
        if kind == "score":
            rounded = [
                v if v is None or not math.isfinite(v) else ROUND_SCORE(v)
                for v in frame[column].to_list()
            ]
            converted.append(pl.Series(column, rounded, dtype=pl.Float64))
        elif kind == "pvalue":
            converted.append(pl.col(column).round_sig_figs(P_VALUE_DIGITS))
        elif kind == "list":
            converted.append(pl.col(column).list.join(", "))
        elif kind == "evidence":
            texts = [evidence_json(items) for items in frame[column].to_list()]
            converted.append(pl.Series(column, texts, dtype=pl.String))
    return frame.with_columns(converted)


def write_csv(table: Table, path: Path) -> None:
    csv_frame(table.frame).write_csv(path)
