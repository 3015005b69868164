"""Reading the serving snapshot for reports: which tables and columns it
holds, the attributes, teams and agents it knows, and the daily score series
behind the charts. Reports never open the working file: it may be
mid-refresh."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from assets.reports.errors import ReportError

SNAPSHOT_FILE = "warehouse.duckdb"  # in the serving directory (DESIGN.md section 8)
DAILY_SCORES = "reporting.agent_attribute_daily_scores"
# The tables that name agents and teams: what the export's options are checked against.
AGENT_TABLES = (
    "marts.agent_attribute_scores",
    "marts.coaching_monitor",
    "marts.agent_assignments",
    "marts.coaching_log",
)
TEAM_TABLES = ("marts.coaching_monitor", "marts.agent_attribute_scores", "marts.team_performance")


@dataclass(frozen=True)
class DailyScore:
    day: date
    avg_score: float
    scores_n: int


@dataclass(frozen=True)
class Attribute:
    attribute_id: str
    name: str
    target_score: float | None


def open_snapshot(serving_file: Path) -> duckdb.DuckDBPyConnection:
    if not serving_file.exists():
        raise ReportError(
            f"no serving snapshot at {serving_file}: run `coachwh run` to build and publish one"
        )
    return duckdb.connect(str(serving_file), read_only=True)


def _relations(conn: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """``schema.table`` -> its columns, for every table of the snapshot."""
    rows = conn.execute(
        "select schema_name || '.' || table_name, list(column_name order by column_index) "
        "from duckdb_columns() where database_name = current_database() group by all"
    ).fetchall()
    return {name: columns for name, columns in rows}


class Snapshot:
    """A read-only connection on the serving snapshot and what it holds."""

    def __init__(self, conn: duckdb.DuckDBPyConnection) -> None:
        self.conn = conn
        self.relations = _relations(conn)

    def has(self, table: str) -> bool:
        return table in self.relations

    def columns(self, table: str) -> list[str]:
        return self.relations.get(table, [])

    def present(self, table: str, wanted: Sequence[str]) -> list[str]:
        have = set(self.columns(table))
        return [c for c in wanted if c in have]

    def frame(self, sql: str, params: Sequence[Any] = ()) -> pl.DataFrame:
        frame = self.conn.sql(sql, params=list(params)).pl()
        # A decimal is a score like any other in a report.
        return frame.with_columns(pl.col(pl.Decimal).cast(pl.Float64))

    def data_as_of(self) -> date | None:
        for table in ("marts.coaching_monitor", "marts.agent_attribute_scores"):
            if "as_of_date" in self.columns(table):
                (value,) = self.conn.execute(f"select max(as_of_date) from {table}").fetchall()[0]
                if value is not None:
                    return value
        return None

    def attributes_sql(self) -> str:
        """A relation (attribute_id, attribute_name, target_score)."""
        table = "marts.agent_attribute_scores"
        if not self.has(table):
            return (
                "select null::varchar as attribute_id, null::varchar as attribute_name, "
                "null::double as target_score where false"
            )
        name = "max(attribute_name)" if "attribute_name" in self.columns(table) else "attribute_id"
        target = "max(target_score)" if "target_score" in self.columns(table) else "null::double"
        return (
            f"select attribute_id, {name} as attribute_name, {target}::double as target_score "
            f"from {table} group by attribute_id"
        )

    def attributes(self) -> dict[str, Attribute]:
        rows = self.conn.execute(self.attributes_sql() + " order by attribute_id").fetchall()
        return {a: Attribute(a, n or a, t) for a, n, t in rows}

    def teams(self, agent_ids: Sequence[str] = ()) -> list[str]:
        """Every team of the snapshot, or those of ``agent_ids``."""
        sources, params = [], []
        for table in TEAM_TABLES:
            columns = self.columns(table)
            if "team" not in columns or (agent_ids and "agent_id" not in columns):
                continue
            clause = " and list_contains(?::varchar[], agent_id)" if agent_ids else ""
            sources.append(f"select team from {table} where team is not null{clause}")
            params += [list(agent_ids)] if agent_ids else []
        if not sources:
            return []
        rows = self.conn.execute(" union ".join(sources) + " order by team", params).fetchall()
        return [team for (team,) in rows]

    def experience_levels(self) -> list[str]:
        """Every experience level of the Coaching Monitor's agents."""
        if "experience_level" not in self.columns("marts.coaching_monitor"):
            return []
        rows = self.conn.execute(
            "select distinct experience_level from marts.coaching_monitor "
            "where experience_level is not null order by 1"
        ).fetchall()
        return [level for (level,) in rows]

    def agents(self) -> list[str]:
        """Every agent id the snapshot knows (scores, assignments, the log)."""
        sources = [
            f"select agent_id from {t}" for t in AGENT_TABLES if "agent_id" in self.columns(t)
        ]
        if not sources:
            return []
        rows = self.conn.execute(
            f"select distinct agent_id from ({' union '.join(sources)}) "
            "where agent_id is not null order by agent_id"
        ).fetchall()
        return [agent for (agent,) in rows]

    def daily_scores(
        self, agent_ids: Sequence[str], start: date, end: date
    ) -> dict[tuple[str, str], list[DailyScore]]:
        if not self.has(DAILY_SCORES) or not agent_ids:
            return {}
        rows = self.conn.execute(
            f"""select agent_id, attribute_id, day, avg_score, scores_n from {DAILY_SCORES}
                where list_contains(?::varchar[], agent_id) and day between ?::date and ?::date
                order by agent_id, attribute_id, day""",
            [sorted(set(agent_ids)), start, end],
        ).fetchall()
        series: dict[tuple[str, str], list[DailyScore]] = {}
        for agent_id, attribute_id, day, avg_score, scores_n in rows:
            series.setdefault((agent_id, attribute_id), []).append(
                DailyScore(day, avg_score, scores_n)
            )
        return series
