"""What changed since the last build: the state behind streamed runs (DESIGN.md section 9).

Plain Python and DuckDB, no Dagster. The working file keeps, in schema
``control`` (DDL in :mod:`assets.warehouse_schema`):

- ``build_settings``: the date the next dbt build describes. dbt reads it at
  run time (macro ``as_of_date``), so a new date is a changed source, not a
  changed parse: dbt's partial parse survives it;
- ``source_changes``: when a source other than the raw tables last changed
  (the marks asset's tables); a raw table changes when the ledger records a
  file that added rows to it;
- ``model_builds``: when each dbt model was last built, and under which
  settings (the fingerprint of the dbt vars and the project's files);
- ``publishes``: each serving snapshot, its date and fingerprint.

A model is rebuilt when it was never built, was built under another
fingerprint, or something upstream of it (a source, or a model) changed after
it was built. That one rule gives every behaviour of a streamed run: nothing
new, nothing built; a new file rebuilds what lies downstream of its stream; a
new date rebuilds what reads the date; a failed run is caught up by the next.
"""

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from assets.landing_boundary import LandingZone
from assets.warehouse_schema import ensure_warehouse

DBT_PROJECT_DIR = Path(__file__).resolve().parent.parent / "dbt_project"
# The dbt source of the date a build describes.
AS_OF_SOURCE = "control.build_settings"
NEVER = datetime.min.replace(tzinfo=UTC)


# The center's settings that dbt reads as vars: the rules' settings.
DBT_VAR_SETTINGS = (
    "timezone",
    "min_samples",
    "trend_threshold",
    "accept_and_dispute",
    "max_dispute_rounds",
    "min_handle_time_s",
    "coaching_cycle_days",
)


def dbt_vars(center: object) -> dict[str, object]:
    """The dbt vars of every build: the center's settings, read off the CLI's
    settings or the code location's center resource alike. They change rarely;
    a change re-parses the project once and rebuilds every model. The date is
    not among them (see ``control.build_settings``)."""
    return {name: getattr(center, name) for name in DBT_VAR_SETTINGS}


def project_digest(project_dir: Path = DBT_PROJECT_DIR) -> str:
    """A digest of the dbt project's files: a changed model or macro rebuilds all."""
    digest = hashlib.sha256()
    for path in sorted(project_dir.rglob("*")):
        relative = path.relative_to(project_dir)
        if relative.parts[0] in ("target", "logs", "dbt_packages") or not path.is_file():
            continue
        digest.update(relative.as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def build_fingerprint(vars_: Mapping[str, object], project_dir: Path = DBT_PROJECT_DIR) -> str:
    """The settings a model is built under: the dbt vars and the project's files."""
    text = json.dumps(dict(vars_), sort_keys=True) + project_digest(project_dir)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def write_as_of(conn: duckdb.DuckDBPyConnection, as_of: date) -> bool:
    """Set the date the next build describes; returns whether it changed."""
    ensure_warehouse(conn)
    held = conn.execute("select as_of from control.build_settings").fetchall()
    if held and held[0][0] == as_of:
        return False
    conn.execute("begin transaction")
    conn.execute("delete from control.build_settings")
    conn.execute("insert into control.build_settings values (?, ?)", [as_of, _now()])
    conn.execute("commit")
    return True


def record_source_change(conn: duckdb.DuckDBPyConnection, source: str) -> None:
    """Note that a non-raw source (``schema.table``) was rewritten just now."""
    ensure_warehouse(conn)
    conn.execute("insert or replace into control.source_changes values (?, ?)", [source, _now()])


def source_changes(conn: duckdb.DuckDBPyConnection) -> dict[str, datetime]:
    """When each source (``schema.table``) last changed: a raw table when a file
    added rows to it, the date when it was set to a new value, the others when
    their writer recorded it."""
    ensure_warehouse(conn)
    rows = conn.execute(
        """select 'raw.' || stream, max(ingested_at) from ingest.file_ledger
           where rows_ok > 0 group by stream
           union all
           select ?, changed_at from control.build_settings
           union all
           select source, changed_at from control.source_changes""",
        [AS_OF_SOURCE],
    ).fetchall()
    return dict(rows)


@dataclass(frozen=True)
class ModelBuild:
    fingerprint: str
    built_at: datetime


def model_builds(conn: duckdb.DuckDBPyConnection) -> dict[str, ModelBuild]:
    ensure_warehouse(conn)
    rows = conn.execute("select unique_id, fingerprint, built_at from control.model_builds")
    return {uid: ModelBuild(fp, at) for uid, fp, at in rows.fetchall()}


def record_model_builds(
    conn: duckdb.DuckDBPyConnection,
    unique_ids: Iterable[str],
    fingerprint: str,
    built_at: datetime,
    run_id: str,
) -> None:
    ensure_warehouse(conn)
    rows = [[uid, fingerprint, built_at, run_id] for uid in unique_ids]
    if rows:  # a build whose first model failed built none
        conn.executemany("insert or replace into control.model_builds values (?, ?, ?, ?)", rows)


def models_to_rebuild(
    parents: Mapping[str, Iterable[str]],
    source_names: Mapping[str, str],
    selected: Iterable[str],
    changes: Mapping[str, datetime],
    builds: Mapping[str, ModelBuild],
    fingerprint: str,
) -> list[str]:
    """The selected models that are stale, in the order given.

    ``parents`` maps each model's unique id to its parents' (models and
    sources); ``source_names`` maps a source's unique id to ``schema.table``.
    A model is stale when it has no build under ``fingerprint``, or a parent
    changed after it was built; a stale model counts as changed for the models
    below it, so a change travels down the whole graph.
    """
    chosen = set(selected)
    stale: set[str] = set()
    changed_at: dict[str, datetime] = {}

    def last_change(node: str) -> datetime:
        if node in changed_at:
            return changed_at[node]
        if node in source_names:
            when = changes.get(source_names[node], NEVER)
        else:
            build = builds.get(node)
            upstream = max((last_change(p) for p in parents.get(node, ())), default=NEVER)
            fresh = build is not None and build.fingerprint == fingerprint
            if node in chosen and not (fresh and upstream <= build.built_at):
                stale.add(node)
                when = datetime.max.replace(tzinfo=UTC)  # rebuilt now: newer than anything
            else:
                when = build.built_at if build is not None else NEVER
        changed_at[node] = when
        return when

    for node in chosen:
        last_change(node)
    return [node for node in selected if node in stale]


MARKS_SOURCES = ("coaching.marks", "coaching.refused_events")


def coaching_due(
    parents: Mapping[str, Iterable[str]],
    source_names: Mapping[str, str],
    scores: str,
    changes: Mapping[str, datetime],
    builds: Mapping[str, ModelBuild],
    fingerprint: str,
    publish: "Publish | None",
) -> bool:
    """Whether the coaching run (marks, the marts downstream, the snapshot)
    has work left although nothing upstream changed: a run died after the
    scores were built and before it published. So: the marks are older than
    the scores, or a model is stale, or a model was built after the last
    publish."""
    scores_build = builds.get(scores)
    marks_at = min((changes.get(s, NEVER) for s in MARKS_SOURCES), default=NEVER)
    if scores_build is not None and marks_at < scores_build.built_at:
        return True
    if models_to_rebuild(parents, source_names, list(parents), changes, builds, fingerprint):
        return True
    published_at = publish.published_at if publish is not None else NEVER
    return any(build.built_at > published_at for build in builds.values())


@dataclass(frozen=True)
class Publish:
    as_of: date
    fingerprint: str
    published_at: datetime
    marts: list[str]


def last_publish(conn: duckdb.DuckDBPyConnection) -> Publish | None:
    ensure_warehouse(conn)
    return _read_last_publish(conn)


def _read_last_publish(conn: duckdb.DuckDBPyConnection) -> Publish | None:
    rows = conn.execute(
        "select as_of, fingerprint, published_at, marts from control.publishes "
        "order by published_at desc limit 1"
    ).fetchall()
    return Publish(*rows[0]) if rows else None


def record_publish(
    conn: duckdb.DuckDBPyConnection,
    run_id: str,
    as_of: date,
    fingerprint: str,
    published_at: datetime,
    marts: Iterable[str],
) -> None:
    ensure_warehouse(conn)
    conn.execute(
        "insert into control.publishes values (?, ?, ?, ?, ?)",
        [run_id, as_of, fingerprint, published_at, sorted(marts)],
    )


def build_as_of(conn: duckdb.DuckDBPyConnection) -> date | None:
    """The date the last build was asked to describe."""
    ensure_warehouse(conn)
    rows = conn.execute("select as_of from control.build_settings").fetchall()
    return rows[0][0] if rows else None


def nothing_new(warehouse: Path, landing: LandingZone, as_of: date, fingerprint: str) -> str | None:
    """Why a run would have nothing to do, or None when it has work: the last
    publish describes ``as_of`` under ``fingerprint``, no landing file waits for
    ingest, and nothing changed or was built since. Reads the working file
    read-only, and answers None when it cannot (missing, or held by a writer,
    or the landing zone cannot be listed: the run itself then deals with it)."""
    if not warehouse.exists():
        return None
    try:
        conn = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error:
        return None
    with conn:
        tables = {
            name
            for (name,) in conn.execute(
                "select schema_name || '.' || table_name from duckdb_tables() "
                "where schema_name in ('control', 'ingest')"
            ).fetchall()
        }
        if not {"control.publishes", "ingest.file_ledger"} <= tables:
            return None
        publish = _read_last_publish(conn)  # read-only: no DDL here
        if publish is None or publish.as_of != as_of or publish.fingerprint != fingerprint:
            return None
        published_at = publish.published_at
        ledger = set(conn.execute("select stream, file from ingest.file_ledger").fetchall())
        try:
            files = landing.listing().files
        except OSError:
            return None
        if any((f.stream, f.ledger_name) not in ledger for f in files):
            return None
        (newer,) = conn.execute(
            """select count(*) from (
                   select ingested_at as changed_at from ingest.file_ledger where rows_ok > 0
                   union all select changed_at from control.source_changes
                   union all select built_at from control.model_builds
               ) where changed_at > ?""",
            [published_at],
        ).fetchall()[0]
        if newer:
            return None
    return (
        f"nothing new: no file waiting in {landing}, and the snapshot of "
        f"{published_at:%Y-%m-%d %H:%M:%S} already describes {as_of} with these settings"
    )


def _now() -> datetime:
    return datetime.now(UTC)
