"""Ingest assets: one per landing-zone stream, each writing ``raw.<stream>``,
all executed by one step.

A materialization of a stream ingests every pending file of that stream
(files with no ledger entry yet); the engine is :mod:`assets.landing_zone`. A
file that changed while it was read is counted in ``files_changing`` and read
again by the next run. One step for every stream, not one each: a step costs
a run a fixed overhead, and a micro-batch brings a file of every stream.
"""

import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    MaterializeResult,
    multi_asset,
)
from dagster_duckdb import DuckDBResource

from assets.landing_objects import local_copies
from assets.landing_zone import CHANGING, ingest_pending
from assets.phases import record_phases
from assets.resources import DUCKDB_WRITER_POOL, CenterResource
from assets.warehouse_lock import hold_warehouse
from models.streams import STREAMS


def raw_asset_key(stream: str) -> AssetKey:
    return AssetKey(["raw", stream])


@multi_asset(
    name="ingest_landing_zone",
    specs=[
        AssetSpec(
            raw_asset_key(stream),
            group_name="ingest",
            kinds={"duckdb"},
            description=f"Rows of the `{stream}` landing-zone stream, validated and de-duplicated.",
        )
        for stream in STREAMS
    ],
    can_subset=True,
    pool=DUCKDB_WRITER_POOL,
)
def ingest_assets(
    context: AssetExecutionContext, duckdb: DuckDBResource, center: CenterResource
) -> Iterator[MaterializeResult]:
    started = time.perf_counter()
    streams = [s for s in STREAMS if raw_asset_key(s) in context.selected_asset_keys]
    landing = center.landing_zone(copies=local_copies(Path(duckdb.database)))
    with (
        hold_warehouse(Path(duckdb.database), center.lock_timeout, context.log.info),
        duckdb.get_connection() as conn,
        # The resource closes its connection only when the step succeeds; one
        # left open by a failure (a landing zone that cannot be listed) would
        # keep this process from reading the file afterwards.
        closing(conn),
    ):
        for stream in streams:
            results = ingest_pending(
                conn,
                landing,
                [stream],
                run_id=context.run.run_id,
                progress=context.log.info,
            )
            table_rows = conn.execute(f"select count(*) from raw.{stream}").fetchall()[0][0]
            yield MaterializeResult(
                asset_key=raw_asset_key(stream),
                metadata={
                    "files": len(results),
                    "files_rejected": sum(r.status == "rejected" for r in results),
                    "files_changing": sum(r.status == CHANGING for r in results),
                    "rows_ok": sum(r.rows_ok for r in results),
                    "rows_rejected": sum(r.rows_rejected for r in results),
                    "rows_duplicate": sum(r.rows_duplicate for r in results),
                    "dagster/row_count": table_rows,
                },
            )
    record_phases(context, {"ingest": time.perf_counter() - started})
