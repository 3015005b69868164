"""Shared test set-up: nothing may wait on the network for telemetry; the
dbt manifest and a real demo, each built once per session."""

import os
from pathlib import Path

os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "true")

import pytest


@pytest.fixture(scope="session")
def dbt_manifest():
    """The dbt project parsed once per session (the prepare step)."""
    from assets.dbt import prepare_dbt_project

    return prepare_dbt_project()


@pytest.fixture(scope="session")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """``coachwh demo`` with its defaults, as ``make demo`` runs it (40 agents,
    28 days ending today, seed 7), in a home of its own; built once per
    session for every test that reads a real demo. Returns the home and what
    the command printed."""
    from coachwh_process import coachwh

    home = tmp_path_factory.mktemp("demo")
    result = coachwh(home, "demo")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return home, result.stdout
