"""Fixtures of the report tests: one snapshot of the hand-made warehouse and
its default export, shared by the package's tests."""

from pathlib import Path

import pytest
from report_examples import GENERATED, publish

from assets.reports.export import export_reports


@pytest.fixture(scope="package")
def serving_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return publish(tmp_path_factory.mktemp("reports"))


@pytest.fixture(scope="package")
def center_files(serving_file: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The default export (the center and each team), by path under exports/."""
    exports = tmp_path_factory.mktemp("exports")
    paths = export_reports(serving_file, exports, generated_at=GENERATED)
    return {str(p.relative_to(exports)): p for p in paths}
