"""The serving snapshot: what it holds, that it is replaced atomically, and
that readers are never blocked and never see half a refresh."""

import os
import selectors
import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
from dagster import AssetKey, materialize
from dagster_duckdb import DuckDBResource
from marts_examples import ASSIGNMENTS, build_working_warehouse, set_assignment_count

from assets.resources import CenterResource
from assets.serving import (
    CATALOGUE_PATH,
    MARTS_YAML_DIR,
    SNAPSHOT_KEY,
    SUPPORT_TABLES,
    ServingResource,
    build_serving_snapshot_asset,
    marts_models,
    publish_snapshot,
    render_catalogue,
)


@pytest.fixture
def working(tmp_path: Path) -> Path:
    return build_working_warehouse(tmp_path / "warehouse.duckdb")


def _tables(path: Path) -> dict[str, int]:
    with duckdb.connect(str(path), read_only=True) as conn:
        names = conn.execute(
            "select schema_name || '.' || table_name from duckdb_tables() order by 1"
        ).fetchall()
        return {n: conn.execute(f"select count(*) from {n}").fetchall()[0][0] for (n,) in names}


def test_the_snapshot_holds_every_mart_and_nothing_of_raw_or_ingest(
    working: Path, tmp_path: Path
) -> None:
    serving = tmp_path / "serving"
    result = publish_snapshot(working, serving)

    working_marts = {k: v for k, v in _tables(working).items() if k.startswith("marts.")}
    published = _tables(serving / "warehouse.duckdb")
    assert {k: v for k, v in published.items() if k.startswith("marts.")} == working_marts
    # Besides the marts, only the derived daily series of the charts.
    assert set(published) - set(working_marts) == {"reporting.agent_attribute_daily_scores"}
    assert result.tables == {k.removeprefix("marts."): v for k, v in working_marts.items()}
    # Readers find the tables under the schema name they query in the working file.
    with duckdb.connect(str(serving / "warehouse.duckdb"), read_only=True) as conn:
        (rows,) = conn.execute("select count(*) from marts.coaching_monitor").fetchall()[0]
        assert rows == len(ASSIGNMENTS)
        comment = conn.execute(
            "select comment from duckdb_tables() where table_name = 'coaching_monitor'"
        ).fetchall()[0][0]
        # Descriptions from the dbt YAML, for BI tools that show them.
        assert comment.startswith("One row per agent assignment")
    # Nothing temporary is left behind.
    assert sorted(p.name for p in serving.iterdir()) == ["parquet", "warehouse.duckdb"]


def test_parquet_files_match_the_tables(working: Path, tmp_path: Path) -> None:
    serving = tmp_path / "serving"
    result = publish_snapshot(working, serving)
    files = sorted(p.name for p in (serving / "parquet").iterdir())
    assert files == sorted(f"{name}.parquet" for name in result.tables)
    with duckdb.connect() as conn:
        for name, rows in result.tables.items():
            path = serving / "parquet" / f"{name}.parquet"
            (count,) = conn.execute(f"select count(*) from read_parquet('{path}')").fetchall()[0]
            assert count == rows, name


def test_the_daily_series_is_derived_from_the_daily_sums(working: Path, tmp_path: Path) -> None:
    publish_snapshot(working, tmp_path / "serving")
    with duckdb.connect(str(tmp_path / "serving" / "warehouse.duckdb"), read_only=True) as conn:
        conn.execute(f"attach '{working}' as working (read_only)")
        (mismatches,) = conn.execute(
            """select count(*) from working.intermediate.int_agent_attribute_days_aggregated s
               full join reporting.agent_attribute_daily_scores d
                 on d.agent_id = s.agent_id and d.attribute_id = s.attribute_id
                and d.day = s.interaction_date
               where d.avg_score is distinct from s.score_sum / s.scores_n
                  or d.scores_n is distinct from s.scores_n"""
        ).fetchall()[0]
    assert mismatches == 0


def test_a_subset_of_tables_can_be_published(working: Path, tmp_path: Path) -> None:
    result = publish_snapshot(working, tmp_path / "serving", tables=["coaching_monitor"])
    assert result.tables == {"coaching_monitor": len(ASSIGNMENTS)}
    assert [k for k in _tables(result.path) if k.startswith("marts.")] == ["marts.coaching_monitor"]


def test_a_failed_publish_leaves_the_previous_snapshot(working: Path, tmp_path: Path) -> None:
    serving = tmp_path / "serving"
    publish_snapshot(working, serving)
    before = (serving / "warehouse.duckdb").read_bytes()
    with pytest.raises(ValueError, match="no_such_mart"):
        publish_snapshot(working, serving, tables=["no_such_mart"])
    assert (serving / "warehouse.duckdb").read_bytes() == before
    assert sorted(p.name for p in serving.iterdir()) == ["parquet", "warehouse.duckdb"]
    assert not [p for p in (serving / "parquet").iterdir() if p.suffix != ".parquet"]


def test_an_open_reader_keeps_its_snapshot_and_a_new_one_sees_the_next(
    working: Path, tmp_path: Path
) -> None:
    serving = tmp_path / "serving"
    publish_snapshot(working, serving)
    query = (
        "select (select count(*) from marts.coaching_monitor), "
        "(select count(*) from marts.coaching_assignments)"
    )
    old = duckdb.connect(str(serving / "warehouse.duckdb"), read_only=True)
    try:
        set_assignment_count(working, 11)
        publish_snapshot(working, serving)
        assert old.execute(query).fetchall() == [(len(ASSIGNMENTS), len(ASSIGNMENTS))]
    finally:
        # In one process DuckDB shares a database between connections to one
        # path: the old one must close before a new one opens the new file.
        old.close()
    with duckdb.connect(str(serving / "warehouse.duckdb"), read_only=True) as new:
        assert new.execute(query).fetchall() == [(11, 11)]


READER = textwrap.dedent(
    """
    import json, os, sys
    import duckdb

    path, mode, stop = sys.argv[1:4]
    query = ("select (select count(*) from marts.coaching_monitor), "
             "(select count(*) from marts.coaching_assignments)")
    held = duckdb.connect(path, read_only=True) if mode == "hold" else None
    errors, inconsistent, iterations, seen = [], 0, 0, []
    while not os.path.exists(stop):
        try:
            if held is None:
                with duckdb.connect(path, read_only=True) as conn:
                    monitor, assignments = conn.execute(query).fetchall()[0]
            else:
                monitor, assignments = held.execute(query).fetchall()[0]
        except Exception as error:
            errors.append(repr(error))
            continue
        iterations += 1
        inconsistent += monitor != assignments
        if not seen or seen[-1] != monitor:
            seen.append(monitor)
            print(monitor, flush=True)
    print(json.dumps({"errors": errors[:5], "inconsistent": inconsistent,
                      "iterations": iterations, "seen": seen}), flush=True)
    """
)


class Reader:
    """A reader process querying the snapshot in a loop; it prints each row
    count it sees for the first time."""

    def __init__(self, serving_file: Path, mode: str, stop: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", READER, str(serving_file), mode, str(stop)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            bufsize=0,
        )
        self.selector = selectors.DefaultSelector()
        self.selector.register(self.process.stdout, selectors.EVENT_READ)
        self.buffer = b""

    def next_line(self, timeout: float = 60.0) -> str:
        while b"\n" not in self.buffer:
            if not self.selector.select(timeout):
                raise TimeoutError("the reader printed nothing")
            chunk = os.read(self.process.stdout.fileno(), 4096)
            if not chunk:
                raise EOFError(self.process.stderr.read().decode())
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line.decode()

    def wait_for(self, count: int) -> None:
        while (line := self.next_line()) != str(count):
            assert line.isdigit(), line

    def finish(self) -> dict:
        import json

        out, err = self.process.communicate(timeout=60)
        lines = (self.buffer + out).decode().strip().splitlines()
        assert self.process.returncode == 0, err.decode()
        return json.loads(lines[-1])


# The two marts a refresh of set_assignment_count rewrites.
REWRITTEN = ("coaching_assignments", "coaching_monitor")


@pytest.mark.parametrize("partial", [False, True], ids=["whole", "only-what-changed"])
def test_readers_are_never_blocked_and_always_see_one_whole_snapshot(
    working: Path, tmp_path: Path, partial: bool
) -> None:
    serving = tmp_path / "serving"
    counts = [20_000 + 1_111 * k for k in range(6)]
    set_assignment_count(working, counts[0])
    publish_snapshot(working, serving)
    # A partial publish copies the two rewritten marts anew and carries the rest over.
    changed = REWRITTEN if partial else None
    stop = tmp_path / "stop"
    reopening = Reader(serving / "warehouse.duckdb", "reopen", stop)
    holding = Reader(serving / "warehouse.duckdb", "hold", stop)
    try:
        reopening.wait_for(counts[0])
        holding.wait_for(counts[0])
        for count in counts[1:]:
            # Two tables change together in the working file, then publish.
            set_assignment_count(working, count)
            result = publish_snapshot(working, serving, changed=changed)
            assert len(result.copied) == (2 if partial else len(result.tables))
            # The reader reopening the file sees each refresh, whole.
            reopening.wait_for(count)
    finally:
        stop.touch()
        reopened, held = reopening.finish(), holding.finish()

    for report in (reopened, held):
        assert report["errors"] == []
        assert report["inconsistent"] == 0
        assert report["iterations"] > 0
    assert reopened["seen"] == counts
    # A connection held open keeps the snapshot it opened, undisturbed.
    assert held["seen"] == counts[:1]


def test_a_partial_publish_copies_only_the_changed_marts(working: Path, tmp_path: Path) -> None:
    serving = tmp_path / "serving"
    first = publish_snapshot(working, serving)
    untouched = serving / "parquet" / "team_performance.parquet"
    before = untouched.stat().st_mtime_ns
    set_assignment_count(working, 9)
    result = publish_snapshot(working, serving, changed=["coaching_monitor"])
    assert result.copied == ["coaching_monitor"]
    assert result.tables == {**first.tables, "coaching_monitor": 9}
    # coaching_assignments changed in the working file too but was not named:
    # the snapshot carries its previous copy, and the untouched Parquet file stays.
    published = _tables(result.path)
    assert published["marts.coaching_assignments"] == len(ASSIGNMENTS)
    assert published["marts.coaching_monitor"] == 9
    assert untouched.stat().st_mtime_ns == before
    with duckdb.connect() as conn:
        monitor = serving / "parquet" / "coaching_monitor.parquet"
        assert conn.execute(f"select count(*) from '{monitor}'").fetchall() == [(9,)]
    assert sorted(p.name for p in serving.iterdir()) == ["parquet", "warehouse.duckdb"]


def test_the_daily_series_is_brought_up_to_date_by_what_landed_since(
    working: Path, tmp_path: Path
) -> None:
    serving = tmp_path / "serving"
    publish_snapshot(working, serving)
    later = datetime(2024, 3, 21, 6, 0, tzinfo=UTC)
    with duckdb.connect(str(working)) as conn:
        # One day's sums change (they landed later), and one group leaves.
        (agent, attribute, day) = conn.execute(
            "select agent_id, attribute_id, interaction_date "
            "from intermediate.int_agent_attribute_days_aggregated order by all limit 1"
        ).fetchall()[0]
        conn.execute(
            "update intermediate.int_agent_attribute_days_aggregated "
            "set scores_n = 4, score_sum = 300, _ingested_at = ? "
            "where agent_id = ? and attribute_id = ? and interaction_date = ?",
            [later, agent, attribute, day],
        )
        (gone,) = conn.execute(
            "delete from intermediate.int_agent_attribute_days_aggregated "
            "where (agent_id, attribute_id, interaction_date) in ("
            "  select agent_id, attribute_id, interaction_date "
            "  from intermediate.int_agent_attribute_days_aggregated order by all desc limit 1) "
            "returning agent_id || '/' || attribute_id || '/' || interaction_date"
        ).fetchall()[0]
    result = publish_snapshot(working, serving, changed=[])
    with duckdb.connect(str(result.path), read_only=True) as conn:
        series = "reporting.agent_attribute_daily_scores"
        assert conn.execute(
            f"select scores_n, avg_score from {series} "
            "where agent_id = ? and attribute_id = ? and day = ?",
            [agent, attribute, day],
        ).fetchall() == [(4, 75.0)]  # 300 / 4
        keys = conn.execute(
            f"select agent_id || '/' || attribute_id || '/' || day from {series}"
        ).fetchall()
        assert (gone,) not in keys
    # The incremental result equals a whole publish of the same working file.
    whole = publish_snapshot(working, tmp_path / "whole")
    assert result.support_tables == whole.support_tables


def test_bi_tools_connect_with_the_documented_sqlalchemy_url(working: Path, tmp_path: Path) -> None:
    sqlalchemy = pytest.importorskip("sqlalchemy")
    from sqlalchemy.pool import NullPool

    result = publish_snapshot(working, tmp_path / "serving")
    url = f"duckdb:///{result.path.resolve()}?access_mode=read_only"
    assert url.startswith("duckdb:////")
    engine = sqlalchemy.create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sqlalchemy.text("select count(*) from marts.coaching_monitor"))
            assert rows.scalar_one() == len(ASSIGNMENTS)
            with pytest.raises(sqlalchemy.exc.DBAPIError, match="read-only"):
                conn.execute(sqlalchemy.text("create table marts.scratch (x int)"))
    finally:
        engine.dispose()


def test_the_asset_publishes_the_working_file(working: Path, tmp_path: Path) -> None:
    snapshot = build_serving_snapshot_asset([AssetKey(["marts", "coaching_monitor"])])
    result = materialize(
        [snapshot],
        resources={
            "duckdb": DuckDBResource(database=str(working)),
            "serving": ServingResource(
                serving=str(tmp_path / "serving"), exports=str(tmp_path / "exports")
            ),
            "center": CenterResource(landing=str(tmp_path / "landing")),
        },
    )
    assert result.success
    metadata = result.asset_materializations_for_node(snapshot.op.name)[0].metadata
    assert metadata["rows/coaching_monitor"].value == len(ASSIGNMENTS)
    assert (tmp_path / "serving" / "warehouse.duckdb").exists()


def test_the_snapshot_is_published_after_every_mart(tmp_path: Path, dbt_manifest: Path) -> None:
    from models.settings import Settings
    from pipelines.definitions import build_definitions

    defs = build_definitions(Settings(home=tmp_path))
    graph = defs.resolve_asset_graph()
    marts = {key for key in graph.get_all_asset_keys() if key.path[0] == "marts"}
    assert AssetKey(["marts", "coaching_monitor"]) in marts
    assert graph.get(SNAPSHOT_KEY).parent_keys == marts
    assert graph.get(SNAPSHOT_KEY).pools == {"duckdb_writer"}
    selected = {
        job.name: job.asset_layer.executable_asset_keys
        for job in defs.resolve_all_job_defs()
        if not job.name.startswith("__")  # not Dagster's implicit job of every asset
    }
    # A refresh job publishes; the reports job only reads the snapshot.
    publishing = sorted(name for name, keys in selected.items() if SNAPSHOT_KEY in keys)
    assert publishing and "supervisor_reports" not in publishing
    reports = AssetKey(["reports", "supervisor_reports"])
    assert [name for name, keys in selected.items() if reports in keys] == ["supervisor_reports"]


def test_the_committed_catalogue_is_generated_from_the_dbt_yaml() -> None:
    assert CATALOGUE_PATH.read_text(encoding="utf-8") == render_catalogue(), (
        "docs/catalogue.md is out of date: run `coachwh catalogue`"
    )
    catalogue = render_catalogue()
    for name in ("coaching_monitor", "coaching_progress", "agent_assignments"):
        assert f"## {name}" in catalogue
    assert "`marts.coaching_monitor`: one row per `assignment_id`" in catalogue


def _description(column: dict[str, object]) -> str:
    return " ".join(str(column.get("description") or "").split())


def test_every_mart_column_has_a_description() -> None:
    models = marts_models()
    # every mart has its YAML, so no mart's columns escape the check
    marts = {path.stem for path in MARTS_YAML_DIR.glob("*.sql")}
    assert marts == {model["name"] for model in models}
    undocumented = [
        f"{model['name']}.{column['name']}"
        for model in models
        for column in model.get("columns", [])
        if not _description(column)
    ]
    assert not undocumented, (
        "mart columns without a description in dbt_project/models/marts/*.yml: "
        + ", ".join(undocumented)
    )
    # the snapshot's derived tables, described in assets/serving.py
    assert all(text for table in SUPPORT_TABLES for _, _, text in table.columns)


def test_the_snapshot_comments_every_column_from_the_dbt_yaml(
    working: Path, tmp_path: Path
) -> None:
    publish_snapshot(working, tmp_path / "serving")
    described = {
        (model["name"], column["name"]): _description(column)
        for model in marts_models()
        for column in model["columns"]
    }
    with duckdb.connect(str(tmp_path / "serving" / "warehouse.duckdb"), read_only=True) as conn:
        comments = conn.execute(
            "select table_name, column_name, comment from duckdb_columns() "
            "where schema_name = 'marts'"
        ).fetchall()
    assert comments
    for table, column, comment in comments:
        assert comment == described[(table, column)], f"{table}.{column}"


def test_the_dagster_asset_pages_show_the_column_descriptions(
    tmp_path: Path, dbt_manifest: Path
) -> None:
    from models.settings import Settings
    from pipelines.definitions import build_definitions

    specs = {
        spec.key: spec
        for spec in build_definitions(Settings(home=tmp_path)).resolve_all_asset_specs()
    }
    for model in marts_models():
        schema = specs[AssetKey(["marts", model["name"]])].metadata["dagster/column_schema"]
        shown = {
            column.name: " ".join((column.description or "").split()) for column in schema.columns
        }
        assert shown == {column["name"]: _description(column) for column in model["columns"]}, (
            model["name"]
        )
        assert all(shown.values()), [
            f"{model['name']}.{c}" for c, text in shown.items() if not text
        ]


def test_the_snapshot_runs_within_the_memory_budget(
    working: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The copy's own DuckDB takes the runs' budget, not DuckDB's default
    (80% of the machine's memory)."""
    budgets = []
    connect = duckdb.connect

    def recording_connect(*args: object, **kwargs: object) -> duckdb.DuckDBPyConnection:
        conn = connect(*args, **kwargs)
        budgets.append(conn.execute("select current_setting('memory_limit')").fetchall()[0][0])
        return conn

    monkeypatch.setattr(duckdb, "connect", recording_connect)
    publish_snapshot(working, tmp_path / "serving", memory_limit="256MiB")
    assert budgets == ["256.0 MiB"]
