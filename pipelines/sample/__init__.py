"""The seeded sample stream generator: a simulated contact center writing
every landing-zone stream (plain Python; the CLI, the tests and the
benchmarks call it, Dagster does not)."""

from pipelines.sample.generate import generate_sample
from pipelines.sample.landing import STREAM_NAMES, SampleSummary

__all__ = ["STREAM_NAMES", "SampleSummary", "generate_sample"]
