"""The Dagster code location: Definitions, resources, jobs, sensors, schedules,
and the configuration they share. Business logic lives in ``assets/``."""
