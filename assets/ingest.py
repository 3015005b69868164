"""Ingest assets: one per landing-zone stream, each writing ``raw.<stream>``.

Each materialization ingests every pending file of its stream (files with no
ledger entry yet); the engine is :mod:`assets.landing_zone`. A file that
changed while it was read is counted in ``files_changing`` and read again by
the next run.
"""

import time
from pathlib import Path

from dagster import AssetExecutionContext, AssetKey, AssetsDefinition, MaterializeResult, asset
from dagster_duckdb import DuckDBResource

from assets.landing_zone import CHANGING, ingest_pending
from assets.phases import record_phases
from assets.warehouse_lock import hold_warehouse
from models.streams import STREAMS
from pipelines.resources import DUCKDB_WRITER_POOL, CenterResource


def raw_asset_key(stream: str) -> AssetKey:
    return AssetKey(["raw", stream])


def _ingest_asset(stream: str) -> AssetsDefinition:
    @asset(
        key=raw_asset_key(stream),
        group_name="ingest",
        pool=DUCKDB_WRITER_POOL,
        kinds={"duckdb"},
        description=f"Rows of the `{stream}` landing-zone stream, validated and de-duplicated.",
    )
    def _ingest(
        context: AssetExecutionContext, duckdb: DuckDBResource, center: CenterResource
    ) -> MaterializeResult:
        started = time.perf_counter()
        warehouse = Path(duckdb.database)
        with (
            hold_warehouse(warehouse, center.lock_timeout, context.log.info),
            duckdb.get_connection() as conn,
        ):
            results = ingest_pending(
                conn,
                center.landing_dir,
                [stream],
                run_id=context.run.run_id,
                progress=context.log.info,
            )
            table_rows = conn.execute(f"select count(*) from raw.{stream}").fetchall()[0][0]
        record_phases(context, {"ingest": time.perf_counter() - started})
        return MaterializeResult(
            metadata={
                "files": len(results),
                "files_rejected": sum(r.status == "rejected" for r in results),
                "files_changing": sum(r.status == CHANGING for r in results),
                "rows_ok": sum(r.rows_ok for r in results),
                "rows_rejected": sum(r.rows_rejected for r in results),
                "rows_duplicate": sum(r.rows_duplicate for r in results),
                "dagster/row_count": table_rows,
            }
        )

    return _ingest


ingest_assets: list[AssetsDefinition] = [_ingest_asset(stream) for stream in STREAMS]
