"""Serving: the read-only snapshot of the marts that BI tools and exports read
(DESIGN.md section 7).

After every successful refresh, :func:`publish_snapshot` copies every table of
schema ``marts`` from the working DuckDB file into a new DuckDB file, writes one
Parquet file per table, and renames the new file onto
``<serving>/warehouse.duckdb``. The rename replaces the directory entry only: a
reader holding the old file keeps reading it, whole, until it reconnects, and a
new connection sees the new snapshot, whole. Nothing of ``raw``, ``ingest``,
``staging`` or ``intermediate`` is published, apart from the daily score series
of the report charts (schema ``reporting``, derived, see :data:`SUPPORT_TABLES`).

The table catalogue of the snapshot (``docs/catalogue.md``) is generated here
from the marts' dbt YAML, so it cannot drift from the models.
"""

import os
import shutil
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import yaml
from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    ConfigurableResource,
    MaterializeResult,
    asset,
)
from dagster_duckdb import DuckDBResource

from assets import build_state
from assets.phases import record_phases
from assets.resources import DUCKDB_WRITER_POOL, CenterResource, memory_limit_of
from assets.warehouse_lock import hold_warehouse
from models.settings import DEFAULT_MEMORY_LIMIT

SERVING_FILE = "warehouse.duckdb"
PARQUET_DIR = "parquet"
MARTS_SCHEMA = "marts"
SUPPORT_SCHEMA = "reporting"
SNAPSHOT_KEY = AssetKey(["serving", "snapshot"])

MARTS_YAML_DIR = Path(__file__).resolve().parent.parent / "dbt_project" / "models" / "marts"
CATALOGUE_PATH = Path(__file__).resolve().parent.parent / "docs" / "catalogue.md"


@dataclass(frozen=True)
class SupportTable:
    """A serving-only table derived at publish time from the working file."""

    name: str
    source: tuple[str, str]  # (schema, table) it is derived from in the working file
    select: str  # the query over ``source``, aliased ``src``
    grain: tuple[str, ...]  # its key columns
    description: str
    columns: tuple[tuple[str, str, str], ...]  # (name, type, description)


# The report charts need an agent's score day by day; the marts hold windows
# only, so the snapshot carries the per-day series of the intermediate model.
SUPPORT_TABLES: tuple[SupportTable, ...] = (
    SupportTable(
        name="agent_attribute_daily_scores",
        source=("intermediate", "int_agent_attribute_days_aggregated"),
        select="""
            select agent_id, attribute_id, interaction_date as day, scores_n,
                   score_sum / scores_n as avg_score, below_target_n, _ingested_at
            from src
            where scores_n > 0
            order by agent_id, attribute_id, day
        """,
        grain=("agent_id", "attribute_id", "day"),
        description=(
            "Per agent, attribute and local day: the mean of the latest Auto QA scores of "
            "that day (avg_score), their count (scores_n) and how many fell below the "
            "attribute's target (below_target_n). The series behind the report charts."
        ),
        columns=(
            ("agent_id", "varchar", "the agent"),
            ("attribute_id", "varchar", "the scorecard attribute"),
            ("day", "date", "local date of the interactions"),
            ("scores_n", "bigint", "scores that day"),
            ("avg_score", "double", "mean score that day"),
            ("below_target_n", "bigint", "scores under the attribute's target"),
            ("_ingested_at", "timestamp with time zone", "when the newest score of the day landed"),
        ),
    ),
)


@dataclass(frozen=True)
class SnapshotResult:
    """What one publish wrote."""

    path: Path
    tables: dict[str, int]  # mart -> rows
    parquet: dict[str, Path]  # mart -> its Parquet file
    support_tables: dict[str, int] = field(default_factory=dict)
    copied: list[str] = field(default_factory=list)  # marts copied anew (the rest carried over)


def serving_path(serving_dir: Path) -> Path:
    """The snapshot file that readers open (read-only)."""
    return serving_dir / SERVING_FILE


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def publish_snapshot(
    warehouse: Path,
    serving_dir: Path,
    tables: list[str] | None = None,
    changed: Iterable[str] | None = None,
    memory_limit: str = DEFAULT_MEMORY_LIMIT,
) -> SnapshotResult:
    """Publish the marts of ``warehouse`` (every table, or ``tables``) as the
    serving snapshot in ``serving_dir``, atomically.

    With ``changed``, only those marts (and any the previous snapshot lacks)
    are copied anew: the new file starts as a copy of the previous snapshot,
    which no one writes, and the daily series is brought up to date by the
    days whose inputs landed since. Either way the new file replaces the old
    one in one rename, so a reader sees one whole refresh or the other.

    The working file is attached READ_ONLY from a connection on the new file:
    the snapshot never writes the working file, and it runs in the writer pool
    after the run's dbt build has finished and closed it, so no writer is
    active (a read-only open fails while another process writes). The copy is
    one transaction over the attached file: one consistent state of the marts.
    It runs within ``memory_limit``, as the build does (DuckDB's own default,
    80% of the machine's memory, took a year's copy to 4.5 GiB).
    """
    serving_dir.mkdir(parents=True, exist_ok=True)
    parquet_dir = serving_dir / PARQUET_DIR
    parquet_dir.mkdir(exist_ok=True)
    remove_leftovers(serving_dir)
    tag = uuid.uuid4().hex
    tmp = serving_dir / f".{SERVING_FILE}.{tag}.tmp"
    previous = serving_path(serving_dir)
    carry_over = changed is not None and previous.exists()
    written: list[Path] = []
    try:
        if carry_over:
            shutil.copyfile(previous, tmp)
        with duckdb.connect(str(tmp), config={"memory_limit": memory_limit}) as conn:
            (own,) = conn.execute("select current_database()").fetchall()[0]
            conn.execute(f"attach {_literal(str(warehouse))} as working (read_only)")
            available = _relations(conn, "working", MARTS_SCHEMA)
            if not available:
                raise ValueError(f"{warehouse} has no table in schema {MARTS_SCHEMA!r}")
            selected = sorted(available) if tables is None else list(dict.fromkeys(tables))
            unknown = sorted(set(selected) - set(available))
            if unknown:
                raise ValueError(f"not in {MARTS_SCHEMA} of {warehouse}: {', '.join(unknown)}")
            held = _relations(conn, own, MARTS_SCHEMA)
            fresh = set(changed or ()) if carry_over else set(selected)
            copied = [name for name in selected if name in fresh or name not in held]
            support = [
                t for t in SUPPORT_TABLES if t.source[1] in _relations(conn, "working", t.source[0])
            ]

            conn.execute("begin")
            conn.execute(f"create schema if not exists {MARTS_SCHEMA}")
            for name in sorted(held - set(selected)):
                conn.execute(f"drop table {MARTS_SCHEMA}.{_quote(name)}")
            for name in copied:
                conn.execute(
                    f"create or replace table {MARTS_SCHEMA}.{_quote(name)} as "
                    f"select * from working.{MARTS_SCHEMA}.{_quote(name)}"
                )
            if support:
                conn.execute(f"create schema if not exists {SUPPORT_SCHEMA}")
            held_support = _relations(conn, own, SUPPORT_SCHEMA)
            for table in support:
                _refresh_support_table(conn, table, incremental=table.name in held_support)
            conn.execute("commit")
            conn.execute("detach working")
            _comment_from_dbt_yaml(conn, copied)

            counts = {name: _count(conn, f"{MARTS_SCHEMA}.{_quote(name)}") for name in selected}
            support_counts = {
                t.name: _count(conn, f"{SUPPORT_SCHEMA}.{_quote(t.name)}") for t in support
            }
            parquet: dict[str, Path] = {}
            for name in selected:
                final = parquet_dir / f"{name}.parquet"
                parquet[name] = final
                if name not in copied and final.exists():
                    continue
                part = parquet_dir / f".{name}.parquet.{tag}.tmp"
                written.append(part)
                conn.execute(
                    f"copy {MARTS_SCHEMA}.{_quote(name)} to {_literal(str(part))} "
                    "(format parquet, compression zstd)"
                )
                os.replace(part, final)
            conn.execute("checkpoint")
        target = serving_path(serving_dir)
        os.replace(tmp, target)
        _fsync_dir(serving_dir)
    finally:
        for leftover in (tmp, Path(f"{tmp}.wal"), *written):
            leftover.unlink(missing_ok=True)
    if tables is None:
        # A mart dropped from the project leaves no stale Parquet file behind.
        for stale in parquet_dir.glob("*.parquet"):
            if stale.stem not in counts:
                stale.unlink()
    return SnapshotResult(
        path=target,
        tables=counts,
        parquet=parquet,
        support_tables=support_counts,
        copied=copied,
    )


def remove_leftovers(serving_dir: Path) -> list[Path]:
    """Remove the temporary files a killed publish left behind (the new file,
    its WAL, Parquet parts). Only one publish runs at a time (the writer
    holds the warehouse), so no temporary file here belongs to a live one."""
    leftovers = [
        *serving_dir.glob(f".{SERVING_FILE}.*.tmp"),
        *serving_dir.glob(f".{SERVING_FILE}.*.tmp.wal"),
        *(serving_dir / PARQUET_DIR).glob(".*.parquet.*.tmp"),
    ]
    for leftover in leftovers:
        leftover.unlink(missing_ok=True)
    return leftovers


def _refresh_support_table(
    conn: duckdb.DuckDBPyConnection, table: SupportTable, incremental: bool
) -> None:
    """Derive a support table from the attached working file: whole, or, when
    the snapshot already holds it, only the rows whose inputs landed since its
    newest ``_ingested_at`` (and without the groups the source no longer has)."""
    name = f"{SUPPORT_SCHEMA}.{_quote(table.name)}"
    source = f"working.{_quote(table.source[0])}.{_quote(table.source[1])}"
    derived = f"with src as (select * from {source}) {table.select}"
    if not incremental:
        conn.execute(f"create or replace table {name} as {derived}")
        conn.execute(f"comment on table {name} is {_literal(table.description)}")
        return
    keys = " and ".join(f"held.{_quote(k)} = new.{_quote(k)}" for k in table.grain)
    conn.execute(
        f"create or replace temp table support_rows as "
        f"select * from ({derived}) where _ingested_at > "
        f"(select coalesce(max(_ingested_at), '-infinity'::timestamptz) from {name})"
    )
    conn.execute(f"delete from {name} as held using support_rows as new where {keys}")
    conn.execute(f"insert into {name} select * from support_rows")
    conn.execute("drop table support_rows")
    (held_n,) = conn.execute(f"select count(*) from {name}").fetchall()[0]
    (source_n,) = conn.execute(f"select count(*) from ({derived})").fetchall()[0]
    if held_n != source_n:  # a group left the source (its scores moved): drop it
        conn.execute(
            f"delete from {name} as held where not exists "
            f"(select 1 from ({derived}) as new where {keys})"
        )


def _relations(conn: duckdb.DuckDBPyConnection, database: str, schema: str) -> set[str]:
    rows = conn.execute(
        """select table_name from duckdb_tables()
           where database_name = $1 and schema_name = $2
           union
           select view_name from duckdb_views()
           where database_name = $1 and schema_name = $2 and not internal""",
        [database, schema],
    ).fetchall()
    return {name for (name,) in rows}


def _count(conn: duckdb.DuckDBPyConnection, table: str) -> int:
    return conn.execute(f"select count(*) from {table}").fetchall()[0][0]


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _comment_from_dbt_yaml(conn: duckdb.DuckDBPyConnection, tables: Iterable[str]) -> None:
    """Table and column descriptions from the dbt YAML, so BI tools show them."""
    models = {m["name"]: m for m in marts_models()}
    for table in tables:
        model = models.get(table)
        if model is None:
            continue
        if model.get("description"):
            conn.execute(
                f"comment on table {MARTS_SCHEMA}.{_quote(table)} is "
                f"{_literal(_one_line(model['description']))}"
            )
        existing = {
            name
            for (name,) in conn.execute(
                "select column_name from duckdb_columns() where schema_name = $1 "
                "and table_name = $2",
                [MARTS_SCHEMA, table],
            ).fetchall()
        }
        for column in model.get("columns", []):
            if column.get("description") and column["name"] in existing:
                conn.execute(
                    f"comment on column {MARTS_SCHEMA}.{_quote(table)}.{_quote(column['name'])} "
                    f"is {_literal(_one_line(column['description']))}"
                )


# ----------------------------------------------------------------------------
# The table catalogue, generated from the marts' dbt YAML.


def marts_models(yaml_dir: Path = MARTS_YAML_DIR) -> list[dict[str, Any]]:
    """Every model described in the marts' YAML files, sorted by name."""
    models: list[dict[str, Any]] = []
    for path in sorted(yaml_dir.glob("*.yml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        models.extend(document.get("models", []))
    return sorted(models, key=lambda m: m["name"])


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _cell(text: str) -> str:
    """Text for a Markdown table cell."""
    return _one_line(text).replace("|", "\\|")


def _key(columns: Sequence[str]) -> str:
    return "one row per (" + ", ".join(f"`{c}`" for c in columns) + ")"


def model_grain(model: dict[str, Any]) -> str:
    """The grain of a model as declared by its uniqueness tests."""
    for column in model.get("columns", []):
        if "unique" in _test_names(column.get("data_tests", [])):
            return f"one row per `{column['name']}`"
    for test in model.get("data_tests", []):
        if isinstance(test, dict) and "unique_combination" in test:
            arguments = test["unique_combination"].get("arguments", test["unique_combination"])
            return _key(arguments["columns"])
    return "no key declared"


def _test_names(tests: Sequence[Any]) -> set[str]:
    return {t if isinstance(t, str) else next(iter(t)) for t in tests}


def render_catalogue(yaml_dir: Path = MARTS_YAML_DIR) -> str:
    """``docs/catalogue.md``: every table a reader finds in the snapshot."""
    lines = [
        "# Serving catalogue",
        "",
        "<!-- Generated by `coachwh catalogue` from dbt_project/models/marts/*.yml;",
        "     edit the YAML, then regenerate. A test fails when this file drifts. -->",
        "",
        "The tables of the serving snapshot: `serving/warehouse.duckdb` (schema",
        f"`{MARTS_SCHEMA}`) and `serving/parquet/<table>.parquet`. Column names are the",
        "contract of DESIGN.md section 5; types are DuckDB's.",
        "",
    ]
    models = marts_models(yaml_dir)
    lines += ["| table | grain |", "|---|---|"]
    lines += [
        f"| [`{MARTS_SCHEMA}.{m['name']}`](#{m['name']}) | {model_grain(m)} |" for m in models
    ]
    lines += [
        f"| [`{SUPPORT_SCHEMA}.{t.name}`](#{t.name}) | {_key(t.grain)} |" for t in SUPPORT_TABLES
    ]
    for model in models:
        lines += ["", f"## {model['name']}", ""]
        lines += [f"`{MARTS_SCHEMA}.{model['name']}`: {model_grain(model)}.", ""]
        if model.get("description"):
            lines += [_one_line(model["description"]), ""]
        lines += ["| column | type | description |", "|---|---|---|"]
        for column in model.get("columns", []):
            lines.append(
                f"| `{column['name']}` | {column.get('data_type', '')} | "
                f"{_cell(column.get('description', ''))} |"
            )
    for table in SUPPORT_TABLES:
        lines += ["", f"## {table.name}", ""]
        lines += [
            f"`{SUPPORT_SCHEMA}.{table.name}` (DuckDB file only): {_key(table.grain)}.",
            "",
            f"{table.description} Derived at publish time from `{'.'.join(table.source)}`.",
            "",
            "| column | type | description |",
            "|---|---|---|",
        ]
        lines += [f"| `{name}` | {kind} | {_cell(text)} |" for name, kind, text in table.columns]
    return "\n".join(lines) + "\n"


def write_catalogue(path: Path = CATALOGUE_PATH) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_catalogue(), encoding="utf-8")
    return path


# ----------------------------------------------------------------------------
# Dagster


class ServingResource(ConfigurableResource):
    """Where the serving snapshot and the supervisor exports are written."""

    serving: str
    exports: str

    @property
    def serving_dir(self) -> Path:
        return Path(self.serving)

    @property
    def exports_dir(self) -> Path:
        return Path(self.exports)


def mart_keys(assets: Iterable[AssetsDefinition]) -> list[AssetKey]:
    """The keys ``marts/<name>`` among ``assets``: what the snapshot waits for."""
    keys = {key for a in assets for key in a.keys if key.path[0] == MARTS_SCHEMA}
    return sorted(keys, key=lambda k: k.to_user_string())


def build_serving_snapshot_asset(upstream_marts: Sequence[AssetKey]) -> AssetsDefinition:
    """The ``serving/snapshot`` asset, downstream of every mart: it runs after
    every successful refresh of the run, and not when a mart failed. It copies
    anew the marts built since the last publish, and carries the rest over."""

    @asset(
        key=SNAPSHOT_KEY,
        deps=list(upstream_marts),
        group_name="serving",
        # In the writer pool: it opens the working file, which no other
        # process may be writing at that moment.
        pool=DUCKDB_WRITER_POOL,
        kinds={"duckdb", "parquet"},
        description=(
            "The marts published as a read-only snapshot: serving/warehouse.duckdb, "
            "replaced atomically, and serving/parquet/<table>.parquet."
        ),
    )
    def serving_snapshot(
        context: AssetExecutionContext,
        duckdb: DuckDBResource,
        serving: ServingResource,
        center: CenterResource,
    ) -> MaterializeResult:
        started = time.perf_counter()
        context.log.info(f"publishing the serving snapshot to {serving.serving_dir}")
        with hold_warehouse(Path(duckdb.database), center.lock_timeout, context.log.info):
            result, as_of = _publish_changed(context, duckdb, serving, center)
        context.log.info(
            f"published {len(result.tables)} marts for {as_of} to {result.path}: "
            f"{len(result.copied)} copied anew ({', '.join(result.copied) or 'none'}), "
            "the rest carried over"
        )
        record_phases(context, {"publish": time.perf_counter() - started})
        return MaterializeResult(
            metadata={
                "path": str(result.path),
                "as_of": as_of.isoformat(),
                "tables": len(result.tables),
                "copied": len(result.copied),
                "dagster/row_count": sum(result.tables.values()),
                **{f"rows/{name}": rows for name, rows in result.tables.items()},
            }
        )

    return serving_snapshot


def _publish_changed(
    context: AssetExecutionContext,
    duckdb: DuckDBResource,
    serving: ServingResource,
    center: CenterResource,
) -> tuple[SnapshotResult, date]:
    """Publish the marts built since the last publish, and record the publish."""
    published_at = datetime.now(UTC)
    with duckdb.get_connection() as conn:
        previous = build_state.last_publish(conn)
        as_of = build_state.build_as_of(conn) or center.effective_as_of()
        built = {
            uid.rsplit(".", 1)[-1]
            for uid, build in build_state.model_builds(conn).items()
            if previous is None or build.built_at > previous.published_at
        }
    result = publish_snapshot(
        Path(duckdb.database),
        serving.serving_dir,
        changed=built,
        memory_limit=memory_limit_of(duckdb),
    )
    fingerprint = build_state.build_fingerprint(build_state.dbt_vars(center))
    with duckdb.get_connection() as conn:
        build_state.record_publish(
            conn, context.run.run_id, as_of, fingerprint, published_at, result.copied
        )
    return result, as_of
