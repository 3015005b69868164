"""Shared test set-up: nothing may wait on the network for telemetry."""

import os

os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "true")

import pytest


@pytest.fixture(scope="session")
def dbt_manifest():
    """The dbt project parsed once per session (the prepare step)."""
    from assets.dbt import prepare_dbt_project

    return prepare_dbt_project()
