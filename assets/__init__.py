"""Dagster asset definitions, one module per stage of the flow, and the plain
Python modules they call (ingest engine, sample generator, reports)."""
