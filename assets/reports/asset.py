"""The ``reports/supervisor_reports`` asset: the supervisors' weekly reports,
written from the serving snapshot (:mod:`assets.reports.export`)."""

from datetime import date

from dagster import AssetExecutionContext, AssetKey, Config, MaterializeResult, asset

from assets.reports.export import FORMATS, export_reports
from assets.reports.snapshot import SNAPSHOT_FILE
from assets.resources import CenterResource
from assets.serving import SNAPSHOT_KEY, ServingResource

REPORTS_KEY = AssetKey(["reports", "supervisor_reports"])
REPORTS_GROUP = "reports"


class SupervisorReportsConfig(Config):
    """Run configuration of the weekly reports."""

    as_of: str | None = None  # YYYY-MM-DD; default: the center's setting, else the snapshot's
    formats: list[str] = list(FORMATS)


@asset(
    key=REPORTS_KEY,
    deps=[SNAPSHOT_KEY],
    group_name=REPORTS_GROUP,
    kinds={"html", "xlsx", "csv"},
    description=(
        "One report for the whole center and one per team (Coaching Monitor of the "
        "assignments made in the last 7 days, progress by attribute, spike/dip summary, "
        "daily score charts) under exports/<as_of>/, read from the serving snapshot."
    ),
)
def supervisor_reports(
    context: AssetExecutionContext,
    serving: ServingResource,
    center: CenterResource,
    config: SupervisorReportsConfig,
) -> MaterializeResult:
    # Only the snapshot is read: the working file may be mid-refresh.
    as_of = config.as_of or center.as_of
    paths = export_reports(
        serving.serving_dir / SNAPSHOT_FILE,
        serving.exports_dir,
        formats=config.formats,
        # Default: the date the snapshot describes, so the windows match its scores.
        as_of=date.fromisoformat(as_of) if as_of else None,
    )
    directories = sorted({str(p.parent) for p in paths})
    context.log.info(f"wrote {len(paths)} files in {len(directories)} report folders")
    return MaterializeResult(
        metadata={
            "files": len(paths),
            "reports": len(directories),
            "folder": str(paths[0].parent.parent) if paths else "",
        }
    )
