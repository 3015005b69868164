"""Shared test set-up: nothing may wait on the network for telemetry."""

import os

os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "true")
