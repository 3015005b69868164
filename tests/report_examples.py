"""Serving snapshots of the hand-made warehouse of ``marts_examples`` for the
report tests (its docstring lists which filters keep which assignment)."""

import zipfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
from marts_examples import AS_OF, build_working_warehouse, daily_score

from assets.serving import publish_snapshot

D = AS_OF
GENERATED = datetime(2024, 3, 21, 6, 0, tzinfo=UTC)
# What the default assigned-date range, D-6 .. D, keeps.
DEFAULT_RANGE = {"asg-1", "asg-3:agt-03", "asg-3:agt-04", "asg-4"}


def publish(tmp: Path, *statements: str, **options: Any) -> Path:
    """A snapshot of the hand-made warehouse under ``tmp``, after
    ``statements`` ran on the working file."""
    working = build_working_warehouse(tmp / "warehouse.duckdb", **options)
    if statements:
        with duckdb.connect(str(working)) as conn:
            for statement in statements:
                conn.execute(statement)
    snapshot = publish_snapshot(working, tmp / "serving").path
    # Reports read the snapshot only: the working file may be mid-refresh.
    working.unlink()
    return snapshot


def expected_points(assigned: date, agent: str, attribute: str) -> int:
    """Days with a score from 14 days before the assigned date to D."""
    days = (D - assigned).days + 15
    first = assigned - timedelta(days=14)
    return sum(
        daily_score(agent, attribute, first + timedelta(days=k)) is not None for k in range(days)
    )


def all_text(paths: list[Path]) -> dict[str, str]:
    """The text of each file by name; an XLSX's is every part of the archive."""
    texts = {}
    for path in paths:
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as archive:
                texts[path.name] = "\n".join(archive.read(n).decode() for n in archive.namelist())
        else:
            texts[path.name] = path.read_text()
    return texts
