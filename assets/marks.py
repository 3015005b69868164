"""The coaching-marks asset: raises coaching-required marks after the scores
refresh (requested by the asset sensor on ``marts/agent_attribute_scores``),
and writes ``coaching.marks`` and ``coaching.refused_events`` for the marts
downstream. The rules are in :mod:`assets.coaching_marks`."""

import time
from datetime import date
from pathlib import Path

from dagster import AssetExecutionContext, AssetKey, Config, MaterializeResult, asset
from dagster_duckdb import DuckDBResource

from assets.build_state import record_source_change
from assets.coaching_marks import MarkRules, raise_marks
from assets.phases import record_phases
from assets.resources import DUCKDB_WRITER_POOL, CenterResource
from assets.warehouse_lock import hold_warehouse

MARKS_KEY = AssetKey(["coaching", "marks"])
SCORES_KEY = AssetKey(["marts", "agent_attribute_scores"])


class MarksConfig(Config):
    """The date whose window the marks describe; default: the date the
    scores were last built for."""

    as_of: str | None = None


@asset(
    key=MARKS_KEY,
    deps=[
        SCORES_KEY,
        AssetKey(["intermediate", "int_agent_attribute_days_aggregated"]),
        AssetKey(["intermediate", "int_interaction_scores_resolved"]),
        AssetKey(["staging", "stg_coaching_events"]),
        AssetKey(["staging", "stg_attributes"]),
        AssetKey(["staging", "stg_auto_qa_scores"]),
        AssetKey(["staging", "stg_interactions"]),
    ],
    group_name="coaching",
    pool=DUCKDB_WRITER_POOL,
    kinds={"duckdb", "python"},
    description="Coaching-required marks (auto and manual) with their states, and the "
    "coaching events refused by the workflow rules.",
)
def coaching_marks(
    context: AssetExecutionContext,
    duckdb: DuckDBResource,
    center: CenterResource,
    config: MarksConfig,
) -> MaterializeResult:
    started = time.perf_counter()
    context.log.info("raising the coaching marks")
    warehouse = Path(duckdb.database)
    with (
        hold_warehouse(warehouse, center.lock_timeout, context.log.info),
        duckdb.get_connection() as conn,
    ):
        if config.as_of:
            as_of = date.fromisoformat(config.as_of)
        else:
            ((as_of,),) = conn.execute(
                "select max(as_of_date) from marts.agent_attribute_scores"
            ).fetchall()
        if as_of is None:
            context.log.info("no scores yet: nothing to mark")
            as_of = center.effective_as_of()
        rules = MarkRules(as_of=as_of, timezone=center.timezone, min_samples=center.min_samples)
        result = raise_marks(conn, rules)
        # Both tables are rewritten whole: the marts that read them are stale.
        for table in ("marks", "refused_events"):
            record_source_change(conn, f"coaching.{table}")
    record_phases(context, {"marks": time.perf_counter() - started})
    context.log.info(
        f"marks for {as_of}: {result.raised} raised, {result.refreshed} refreshed, "
        f"{result.cleared} cleared, {result.refused} events refused, {result.marks} marks in all"
    )
    return MaterializeResult(
        metadata={
            "as_of": as_of.isoformat(),
            "raised": result.raised,
            "refreshed": result.refreshed,
            "cleared": result.cleared,
            "refused_events": result.refused,
            "dagster/row_count": result.marks,
        }
    )
