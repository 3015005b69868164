"""The same dbt project on Spark: the sample's marts built by ``dbt build
--target spark`` (dbt-spark's session method, a local SparkSession in a
process of its own) equal the DuckDB build of the same sources with the same
vars, mart by mart: the same columns, the same rows in any order, floats to
1e-9 and timestamps as the same instants.

Both builds start from the demo's warehouse (its raw, coaching and control
tables), in a time zone other than UTC so that local days are put to the
test. Spark needs Java: without it, or without pyspark, the test skips (and
fails where COACHWH_REQUIRE_SPARK is set, as in CI)."""

import importlib.util
import json
import math
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from assets.build_state import dbt_vars
from assets.spark_target import DBT_PROJECT_DIR as PROJECT_DIR
from models.settings import load_settings

pytestmark = pytest.mark.slow

REPO = PROJECT_DIR.parent
REQUIRED = "COACHWH_REQUIRE_SPARK"
MARTS = tuple(sorted(path.stem for path in (PROJECT_DIR / "models" / "marts").glob("*.sql")))
TOLERANCE = 1e-9
# A zone with daylight saving: a local day is not a UTC day.
TIMEZONE = "America/Chicago"


def _require_spark() -> None:
    reason = None
    if shutil.which("java") is None:
        reason = "Java is not installed (Spark needs Java 17; .ci/run installs it)"
    elif importlib.util.find_spec("pyspark") is None:
        reason = "pyspark is not installed: `make install` installs it"
    if reason is None:
        return
    if os.environ.get(REQUIRED):
        pytest.fail(f"Spark is required here, but {reason}")
    pytest.skip(reason)


def _normal(value: Any) -> Any:
    """A value as both engines' results can be compared: exact numbers and
    floats as floats, instants as naive UTC, lists and structs element-wise."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, list):
        return [_normal(item) for item in value]
    if isinstance(value, dict):
        return {key: _normal(item) for key, item in value.items()}
    return value


def _sort_key(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """Rows sorted by every column; floats rounded so that the two engines'
    last bits cannot reorder them."""

    def key(value: Any) -> tuple[Any, ...]:
        if value is None:
            return (0, "")
        if isinstance(value, float):
            return (1, f"{value:.6e}")
        return (1, repr(value))

    return tuple(key(value) for value in row)


def _difference(duck: Any, spark: Any) -> float:
    """The largest float difference between two values; inf where they differ
    otherwise (a float's tolerance is relative past 1)."""
    if isinstance(duck, float) and isinstance(spark, float | int):
        if math.isnan(duck) and math.isnan(spark):
            return 0.0
        return abs(duck - spark) / max(1.0, abs(duck))
    if isinstance(duck, list) and isinstance(spark, list) and len(duck) == len(spark):
        return max((_difference(a, b) for a, b in zip(duck, spark, strict=True)), default=0.0)
    if isinstance(duck, dict) and isinstance(spark, dict) and duck.keys() == spark.keys():
        return max((_difference(duck[k], spark[k]) for k in duck), default=0.0)
    return 0.0 if duck == spark else math.inf


def _rows(conn: duckdb.DuckDBPyConnection, relation: str) -> tuple[list[str], list[tuple]]:
    result = conn.execute(f"select * from {relation}")
    columns = [column[0] for column in result.description]
    rows = [tuple(_normal(value) for value in row) for row in result.fetchall()]
    return columns, sorted(rows, key=_sort_key)


def _run(args: list[str], **env: str) -> None:
    outcome = subprocess.run(
        args,
        cwd=REPO,
        env={**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", **env},
        capture_output=True,
        text=True,
        timeout=3600,
    )
    assert outcome.returncode == 0, outcome.stdout[-5000:] + outcome.stderr[-3000:]


@pytest.fixture(scope="module")
def builds(demo_home: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory):
    """The DuckDB build and the Spark build of the demo's sources, with the
    same vars: the DuckDB file, and the folder of Spark's parquet marts."""
    _require_spark()
    home, _ = demo_home
    work = tmp_path_factory.mktemp("spark_parity")
    warehouse = work / "warehouse.duckdb"
    with duckdb.connect(str(home / "warehouse.duckdb")) as conn:
        conn.execute("checkpoint")
        (as_of,) = conn.execute("select max(as_of) from control.build_settings").fetchone()
    shutil.copyfile(home / "warehouse.duckdb", warehouse)
    vars_ = json.dumps({**dbt_vars(load_settings()), "timezone": TIMEZONE, "as_of": str(as_of)})

    dbt = str(Path(sys.executable).parent / "dbt")
    paths = ["--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR)]
    paths += ["--target-path", str(work / "target"), "--log-path", str(work / "logs")]
    _run(
        [dbt, "build", *paths, "--full-refresh", "--vars", vars_], COACHWH_WAREHOUSE=str(warehouse)
    )
    spark_dir = work / "spark"
    _run(
        [
            sys.executable,
            "-m",
            "assets.spark_target",
            str(warehouse),
            str(spark_dir),
            "--vars",
            vars_,
        ]
    )
    return warehouse, spark_dir / "warehouse" / "marts.db"


@pytest.mark.parametrize("mart", MARTS)
def test_spark_builds_the_mart_duckdb_builds(builds, mart: str) -> None:
    warehouse, spark_marts = builds
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        duck_columns, duck_rows = _rows(conn, f"marts.{mart}")
        spark_columns, spark_rows = _rows(conn, f"read_parquet('{spark_marts / mart}/*.parquet')")
    assert spark_columns == duck_columns
    assert len(spark_rows) == len(duck_rows)
    assert duck_rows, f"the sample leaves {mart} empty: nothing compared"
    worst = max(
        _difference(duck, spark)
        for duck_row, spark_row in zip(duck_rows, spark_rows, strict=True)
        for duck, spark in zip(duck_row, spark_row, strict=True)
    )
    assert worst <= TOLERANCE, [
        (duck_row, spark_row)
        for duck_row, spark_row in zip(duck_rows, spark_rows, strict=True)
        if any(_difference(a, b) > TOLERANCE for a, b in zip(duck_row, spark_row, strict=True))
    ][:5]
    print(f"{mart}: {len(duck_rows)} rows equal, largest float difference {worst:.2g}")
