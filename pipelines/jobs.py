"""Jobs of the code location."""

from dagster import AssetSelection, define_asset_job

# Ingest every pending file, then build every model downstream: the run that
# the landing sensor requests and that ``coachwh run`` executes in-process.
refresh_job = define_asset_job(
    "refresh_warehouse",
    selection=AssetSelection.all(),
    description="Ingest pending landing-zone files and rebuild the warehouse.",
)
