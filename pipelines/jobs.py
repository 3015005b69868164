"""Jobs of the code location."""

from dagster import AssetSelection, define_asset_job

from assets.marks import MARKS_KEY

REPORTS = AssetSelection.groups("reports")
# The marks and everything downstream of them (the assignment marts, the
# monitor, the coaching log, the serving snapshot).
COACHING = AssetSelection.assets(MARKS_KEY).downstream() - REPORTS

# Ingest every pending file, then build the models up to the scores: the run
# that the landing sensor and the daily schedule request.
refresh_job = define_asset_job(
    "refresh_warehouse",
    selection=AssetSelection.all() - COACHING - REPORTS,
    description="Ingest pending landing-zone files and rebuild the scores.",
)

# Raise coaching marks, then refresh what reads them and publish the serving
# snapshot: the run the asset sensor requests when the scores are rebuilt.
coaching_job = define_asset_job(
    "refresh_coaching",
    selection=COACHING,
    description="Raise coaching marks, refresh the marts downstream, publish the snapshot.",
)

# The supervisors' reports, from the serving snapshot (weekly schedule).
supervisor_reports_job = define_asset_job(
    "supervisor_reports",
    selection=AssetSelection.groups("reports"),
    description="Write the center's and every team's coaching report from the serving snapshot.",
)
