"""The dbt project on Spark, in one process: a local SparkSession whose
catalog holds the warehouse's source tables, then ``dbt build --target spark``
against it (dbt-spark's ``session`` method uses the active session).

Ingest, the ledger, the marks asset, the serving snapshot and the reports stay
on DuckDB; this copies what the dbt sources read (the ``raw``, ``coaching`` and
``control`` tables of dbt_project/models/staging/__sources.yml) from a DuckDB
warehouse into Spark tables as parquet, so the models run on Spark unchanged.

    python -m assets.spark_target WAREHOUSE.duckdb SPARK_DIR [dbt build args...]
"""

import os
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb
import yaml

DBT_PROJECT_DIR = Path(__file__).resolve().parents[1] / "dbt_project"
SOURCES_FILE = DBT_PROJECT_DIR / "models" / "staging" / "__sources.yml"

# Small and single-threaded: the sample fits in one core and a few partitions.
SESSION_SETTINGS = {
    "spark.master": "local[1]",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": "2",
    "spark.sql.session.timeZone": "UTC",
    "spark.driver.memory": "1g",
    # Timestamps as parquet's standard instants, which any reader takes as UTC.
    "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
}


def source_tables() -> list[tuple[str, str]]:
    """Every (schema, table) the dbt sources read."""
    sources = yaml.safe_load(SOURCES_FILE.read_text(encoding="utf-8"))["sources"]
    return [
        (source.get("schema", source["name"]), table["name"])
        for source in sources
        for table in source["tables"]
    ]


def spark_session(spark_dir: Path) -> Any:
    """A local SparkSession whose tables live under ``spark_dir`` (parquet in
    ``warehouse/``). Its catalog is in memory and lasts as long as this
    process, so the tables a previous process left there are removed."""
    from pyspark.sql import SparkSession

    shutil.rmtree(spark_dir / "warehouse", ignore_errors=True)
    builder = SparkSession.builder.appName("coachwh")
    for key, value in SESSION_SETTINGS.items():
        builder = builder.config(key, value)
    builder = builder.config("spark.sql.warehouse.dir", str(spark_dir / "warehouse"))
    builder = builder.config("spark.local.dir", str(spark_dir / "tmp"))
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def load_sources(warehouse: Path, spark: Any, scratch: Path) -> list[tuple[str, str]]:
    """Copy the source tables the warehouse holds into Spark tables of the
    same schema and name (replacing them); returns those copied. A table the
    warehouse does not have yet is left out, as the models allow."""
    copied = []
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        tables = conn.execute("select table_schema, table_name from information_schema.tables")
        present = set(tables.fetchall())
        for schema, table in source_tables():
            if (schema, table) not in present:
                continue
            parquet = scratch / f"{schema}.{table}.parquet"
            conn.execute(f"copy {schema}.{table} to '{parquet}' (format parquet)")
            spark.sql(f"create database if not exists {schema}")
            frame = spark.read.parquet(str(parquet))
            frame.write.mode("overwrite").format("parquet").saveAsTable(f"{schema}.{table}")
            copied.append((schema, table))
    return copied


def dbt_build(spark_dir: Path, args: Sequence[str] = ()) -> bool:
    """``dbt build --target spark`` in this process, on the active session;
    dbt's target and log folders under ``spark_dir``."""
    from dbt.cli.main import dbtRunner

    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    result = dbtRunner().invoke(
        [
            "build",
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--target",
            "spark",
            "--target-path",
            str(spark_dir / "dbt_target"),
            "--log-path",
            str(spark_dir / "dbt_logs"),
            *args,
        ]
    )
    return result.success


def main(argv: Sequence[str]) -> int:
    if len(argv) < 2:
        print(__doc__.strip().splitlines()[-1].strip(), file=sys.stderr)
        return 2
    warehouse, spark_dir, *dbt_args = argv
    if not Path(warehouse).is_file():
        print(f"error: WAREHOUSE {warehouse}: no such DuckDB file", file=sys.stderr)
        return 2
    try:  # before Spark starts: held by a run, or not a DuckDB file
        duckdb.connect(warehouse, read_only=True).close()
    except duckdb.Error as error:
        print(f"error: WAREHOUSE {warehouse}: {str(error).splitlines()[0]}", file=sys.stderr)
        return 2
    spark_dir_path = Path(spark_dir).resolve()
    spark = spark_session(spark_dir_path)
    with tempfile.TemporaryDirectory() as scratch:
        load_sources(Path(warehouse), spark, Path(scratch))
    return 0 if dbt_build(spark_dir_path, dbt_args) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
