"""Writing reports: :func:`export_reports`, which ``coachwh export``, the demo
and the ``reports/supervisor_reports`` asset call.

:func:`export_reports` checks every option against the snapshot (an unknown
team, agent, attribute or experience level is a :class:`FilterError` that lists the known
ones), loads the reports, and writes each under
``exports/<as_of>/<folder named after its filters>/`` with its
``filters.json``. Every file is written to a temporary name and renamed, so
a reader never sees half a file; an agent export is searched for what the
agent may not see before any of it is renamed into place. A folder that
cannot be written is one :class:`ReportError` naming it and why.
"""

import html
import json
import os
import re
import uuid
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from assets.reports.agent import load_agent_report
from assets.reports.csv_files import write_csv
from assets.reports.errors import ExportLeakError, FilterError, ReportError, check_known
from assets.reports.filters import agent_filters, distinct, monitor_filters
from assets.reports.page import render_html
from assets.reports.report import Report
from assets.reports.snapshot import Snapshot, open_snapshot
from assets.reports.supervisor import load_supervisor_report
from assets.reports.workbook import write_xlsx
from models.settings import unwritable

FORMATS: tuple[str, ...] = ("html", "xlsx", "csv")
FILTERS_FILE = "filters.json"

Writer = Callable[[Path], Any]


def _check_formats(formats: Sequence[str]) -> None:
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown:
        raise FilterError(
            f"unknown --format {', '.join(unknown)}: choose from {', '.join(FORMATS)}"
        )


def _staged(
    report: Report, out_dir: Path, formats: Sequence[str], generated_at: datetime
) -> list[tuple[Path, Writer]]:
    """(path, writer) of every file of ``report``."""
    stem = "coaching-log" if report.kind == "agent" else "coaching-report"
    staged: list[tuple[Path, Writer]] = []
    if "html" in formats:
        page = render_html(report, generated_at)
        staged.append((out_dir / f"{stem}.html", lambda p: p.write_text(page, encoding="utf-8")))
    if "xlsx" in formats:
        staged.append((out_dir / f"{stem}.xlsx", lambda p: write_xlsx(report, p)))
    if "csv" in formats:
        for table in report.tables:
            staged.append((out_dir / f"{table.name}.csv", lambda p, t=table: write_csv(t, p)))
    record = json.dumps(report.record, indent=2, ensure_ascii=False) + "\n"
    staged.append((out_dir / FILTERS_FILE, lambda p: p.write_text(record, encoding="utf-8")))
    return staged


def write_report(
    report: Report,
    out_dir: Path,
    formats: Sequence[str] = FORMATS,
    generated_at: datetime | None = None,
) -> list[Path]:
    """Write ``report`` under ``out_dir``: each file to a temporary name, then
    renamed; an agent export only once every file has been searched."""
    _check_formats(formats)
    staged = _staged(report, out_dir, formats, generated_at or datetime.now(UTC))
    tmps: list[tuple[Path, Path]] = []
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        for path, write in staged:
            tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
            tmps.append((tmp, path))
            write(tmp)
        if report.forbidden:
            for tmp, path in tmps:
                found = find_forbidden(_file_text(tmp), report.forbidden)
                if found:
                    what, value = found[0]
                    raise ExportLeakError(
                        f"{path.name} would contain the {what} {value!r}: "
                        "the agent export is not written"
                    )
        for tmp, path in tmps:
            os.replace(tmp, path)
    except OSError as error:
        problem = unwritable(out_dir, folder=True) or error.strerror or str(error)
        raise ReportError(f"cannot write reports to {out_dir}: {problem}") from error
    finally:
        for tmp, _ in tmps:
            tmp.unlink(missing_ok=True)
    return [path for _, path in tmps]


def _file_text(path: Path) -> str:
    if zipfile.is_zipfile(path):  # XLSX: search every part of the archive
        with zipfile.ZipFile(path) as archive:
            return html.unescape(
                "\n".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist())
            )
    return html.unescape(path.read_text(encoding="utf-8"))


def find_forbidden(text: str, forbidden: dict[str, frozenset[str]]) -> list[tuple[str, str]]:
    """Every forbidden value found in ``text`` as a whole token. Values that
    cannot be told apart from ordinary text (purely numeric, or shorter than
    3 characters) are not searched."""
    found = []
    for what, values in forbidden.items():
        for value in sorted(values):
            if len(value) < 3 or value.replace(".", "").isdigit():
                continue
            pattern = r"(?<![A-Za-z0-9_])" + re.escape(value) + r"(?![A-Za-z0-9_])"
            if re.search(pattern, text):
                found.append((what, value))
    return found


def export_reports(
    serving_file: Path,
    exports_dir: Path,
    *,
    teams: Iterable[str] = (),
    agent: str | None = None,
    formats: Sequence[str] = FORMATS,
    as_of: date | None = None,
    assigned_from: date | None = None,
    assigned_to: date | None = None,
    follow_up_date: date | None = None,
    attribute_ids: Iterable[str] = (),
    agent_ids: Iterable[str] = (),
    experience_levels: Iterable[str] = (),
    generated_at: datetime | None = None,
) -> list[Path]:
    """Write reports from the serving snapshot under ``exports/<as_of>/``:
    one agent's export (``agent``), one report per team of ``teams``, or with
    neither the center's report and one per team. ``as_of`` defaults to the
    date the snapshot describes. Returns the paths written."""
    teams, attribute_ids, agent_ids = distinct(teams), distinct(attribute_ids), distinct(agent_ids)
    experience_levels = distinct(experience_levels)
    if teams and agent is not None:
        raise FilterError("give either --team or --agent, not both")
    if agent is not None and agent_ids:
        raise FilterError("--agents-filter is for supervisor reports: --agent is one agent")
    if agent is not None and experience_levels:
        raise FilterError("--experience-level is for supervisor reports: --agent is one agent")
    _check_formats(formats)
    with open_snapshot(serving_file) as conn:
        snapshot = Snapshot(conn)
        check_known("--attribute", list(attribute_ids), "attributes", list(snapshot.attributes()))
        as_of = as_of or snapshot.data_as_of() or date.today()
        out = exports_dir / as_of.isoformat()
        if agent is not None:
            filters = agent_filters(
                as_of,
                assigned_from=assigned_from,
                assigned_to=assigned_to,
                follow_up_date=follow_up_date,
                attribute_ids=attribute_ids,
            )
            reports = [load_agent_report(snapshot, agent, filters)]
        else:
            filters = monitor_filters(
                as_of,
                assigned_from=assigned_from,
                assigned_to=assigned_to,
                follow_up_date=follow_up_date,
                attribute_ids=attribute_ids,
                agent_ids=agent_ids,
                experience_levels=experience_levels,
            )
            check_known("--team", list(teams), "teams", snapshot.teams())
            check_known("--agents-filter", list(agent_ids), "agents", snapshot.agents())
            check_known(
                "--experience-level",
                list(experience_levels),
                "experience levels",
                snapshot.experience_levels(),
            )
            reports = []
            if not teams:
                reports.append(load_supervisor_report(snapshot, filters, "center"))
                teams = tuple(snapshot.teams(agent_ids))
            reports += [
                load_supervisor_report(snapshot, replace(filters, team=t), "team") for t in teams
            ]
    paths: list[Path] = []
    for report in reports:
        paths += write_report(report, out / report.directory, formats, generated_at)
    return paths
