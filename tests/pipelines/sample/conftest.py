"""Samples the generator's tests read, on fixed dates, each generated once
per session: a small one, one of the demo's size (40 agents, 28 days), and a
crowd (200 agents) whose averages are stable."""

from datetime import date

import pytest
from sample_landing import Generated


@pytest.fixture(scope="session")
def small(tmp_path_factory: pytest.TempPathFactory) -> Generated:
    return Generated.write(tmp_path_factory.mktemp("small"), 12, 21, date(2026, 1, 5))


@pytest.fixture(scope="session")
def center(tmp_path_factory: pytest.TempPathFactory) -> Generated:
    return Generated.write(tmp_path_factory.mktemp("center"), 40, 28, date(2026, 3, 2))


@pytest.fixture(scope="session")
def crowd(tmp_path_factory: pytest.TempPathFactory) -> Generated:
    return Generated.write(tmp_path_factory.mktemp("crowd"), 200, 28, date(2026, 3, 2))
