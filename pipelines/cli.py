"""The ``coachwh`` command line (DESIGN.md section 8).

Every option has an environment variable and a default that works with no
configuration; paths default under ``COACHWH_HOME`` (``./coachwh_data``).
"""

import time
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any, NoReturn

import duckdb
import typer

from pipelines.settings import Settings, prepare_tool_environment

app = typer.Typer(
    help="coaching-warehouse: the streamed pipeline behind agent coaching.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

_state: dict[str, Settings] = {}


def _say(message: str) -> None:
    typer.echo(message, err=False)


@app.callback()
def _configure(
    home: Annotated[Path | None, typer.Option(envvar="COACHWH_HOME", help="Data home.")] = None,
    landing: Annotated[Path | None, typer.Option(envvar="COACHWH_LANDING")] = None,
    warehouse: Annotated[Path | None, typer.Option(envvar="COACHWH_WAREHOUSE")] = None,
    serving: Annotated[Path | None, typer.Option(envvar="COACHWH_SERVING")] = None,
    exports: Annotated[Path | None, typer.Option(envvar="COACHWH_EXPORTS")] = None,
    timezone: Annotated[
        str, typer.Option(envvar="COACHWH_TIMEZONE", help="The center's time zone.")
    ] = "UTC",
    min_samples: Annotated[
        int | None, typer.Option(envvar="COACHWH_MIN_SAMPLES", help="Fewest scores of a window.")
    ] = None,
    memory_limit: Annotated[
        str | None, typer.Option(envvar="COACHWH_MEMORY_LIMIT", help="DuckDB's memory budget.")
    ] = None,
    lock_timeout: Annotated[
        float | None,
        typer.Option(
            envvar="COACHWH_LOCK_TIMEOUT",
            help="Seconds a run waits for a warehouse another process holds.",
        ),
    ] = None,
) -> None:
    """Resolve the settings once for every command."""
    values = {
        "home": home,
        "landing": landing,
        "warehouse": warehouse,
        "serving": serving,
        "exports": exports,
        "timezone": timezone,
        "min_samples": min_samples,
        "memory_limit": memory_limit,
        "lock_timeout": lock_timeout,
    }
    _state["settings"] = Settings(**{k: v for k, v in values.items() if v is not None})


def _settings(as_of: date | None = None) -> Settings:
    settings = _state["settings"]
    if as_of is not None:
        settings = settings.model_copy(update={"as_of": as_of})
    prepare_tool_environment()
    return settings


AsOf = Annotated[
    str | None,
    typer.Option(envvar="COACHWH_AS_OF", help="Date the warehouse describes (YYYY-MM-DD)."),
]


def _parse_date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise typer.BadParameter(
            f"expected a date YYYY-MM-DD, got {value!r}", param_hint=option
        ) from error


@app.command()
def prepare() -> None:
    """Parse the dbt project into its manifest (done once after install)."""
    from assets.dbt import prepare_dbt_project

    _settings()
    _say(f"dbt manifest: {prepare_dbt_project()}")


@app.command()
def generate(
    agents: Annotated[int, typer.Option(min=1, help="Number of agents.")] = 40,
    days: Annotated[int, typer.Option(min=1, help="Number of days.")] = 28,
    start: Annotated[str | None, typer.Option(help="First day (default: days ago)")] = None,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 7,
) -> None:
    """Write a seeded sample stream into the landing zone."""
    from assets.sample_stream import generate_sample

    settings = _settings()
    started = time.perf_counter()
    summary = generate_sample(
        settings.landing_dir,
        agents=agents,
        days=days,
        start=_parse_date(start, "--start"),
        seed=seed,
        progress=_say,
    )
    _say(
        f"wrote {summary.files} files, {sum(summary.rows.values()):,} rows to "
        f"{settings.landing_dir} in {time.perf_counter() - started:.1f}s"
    )


def run_pipeline(settings: Settings, full_refresh: bool = False) -> bool:
    """Ingest pending files and build everything downstream, through Dagster,
    in this process, with no daemon: the refresh job, then every run the
    scores' asset sensor requests for it, as the daemon would start them.
    Prints where the time went. Returns whether every run succeeded."""
    from dagster import DagsterInstance, build_sensor_context

    from assets.dbt import dbt_manifest_path, prepare_dbt_project

    if not dbt_manifest_path().exists():
        _say("parsing the dbt project (first run)")
        prepare_dbt_project()
    # Imported once the manifest exists: the code location builds the dbt assets from it.
    from assets.phases import phase_line, run_phases
    from pipelines.definitions import build_definitions
    from pipelines.jobs import refresh_job
    from pipelines.sensors import requested_runs, scores_refreshed_sensor

    defs = build_definitions(settings)
    as_of = settings.effective_as_of().isoformat()
    dbt_config = {"as_of": as_of, "full_refresh": full_refresh}
    logging = {"console": {"config": {"log_level": "INFO"}}}
    with DagsterInstance.ephemeral() as instance:
        run_ids: list[str] = []

        def execute(job_name: str, run_config: dict) -> bool:
            _say(f"running {job_name} for as_of {as_of} on {settings.warehouse_path}")
            job = defs.resolve_job_def(job_name)
            ops = dict(run_config.get("ops", {}))
            ops["warehouse_models"] = {"config": {**dbt_config, **_op_config(ops)}}
            ops = {name: config for name, config in ops.items() if job.graph.has_node_named(name)}
            result = job.execute_in_process(
                instance=instance,
                run_config={**run_config, "ops": ops, "loggers": logging},
                raise_on_error=False,
            )
            run_ids.append(result.run_id)
            return result.success

        ok = execute(refresh_job.name, {})
        if ok:
            context = build_sensor_context(instance=instance, definitions=defs)
            for request in requested_runs(scores_refreshed_sensor(context)):
                job_name = request.job_name or scores_refreshed_sensor.job_name
                ok = execute(job_name, dict(request.run_config))
                if not ok:
                    break
        _say(phase_line(run_phases(instance, run_id) for run_id in run_ids))
    return ok


def _op_config(ops: dict) -> dict:
    return dict(ops.get("warehouse_models", {}).get("config", {}))


@app.command()
def run(
    as_of: AsOf = None,
    full_refresh: Annotated[bool, typer.Option(help="Rebuild incremental models.")] = False,
) -> None:
    """Ingest pending files, build the warehouse for --as-of, and summarise."""
    settings = _settings(_parse_date(as_of, "--as-of"))
    started = time.perf_counter()
    from assets.build_state import build_fingerprint, dbt_vars, nothing_new
    from assets.warehouse_lock import WarehouseBusyError, hold_warehouse

    try:
        # One writer at a time: wait for a run (or a reader) holding the file.
        with hold_warehouse(settings.warehouse_path, settings.lock_timeout, say=_say):
            # Answered before Dagster and dbt are even imported: a run with
            # nothing to do costs next to nothing.
            fingerprint = build_fingerprint(dbt_vars(settings.timezone, settings.min_samples))
            reason = None
            if not full_refresh:
                reason = nothing_new(
                    settings.warehouse_path,
                    settings.landing_dir,
                    settings.effective_as_of(),
                    fingerprint,
                )
            if reason:
                _say(f"{reason}: no dbt work, no publish ({time.perf_counter() - started:.2f}s)")
                return
            ok = run_pipeline(settings, full_refresh=full_refresh)
    except WarehouseBusyError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from error
    _say(f"run {'succeeded' if ok else 'FAILED'} in {time.perf_counter() - started:.1f}s")
    _print_summary(settings)
    if not ok:
        raise typer.Exit(1)


@app.command()
def demo(
    agents: Annotated[int, typer.Option(min=1)] = 40,
    days: Annotated[int, typer.Option(min=1)] = 28,
    seed: Annotated[int, typer.Option()] = 7,
) -> None:
    """Generate a sample stream, run the whole pipeline, print a summary."""
    generate(agents=agents, days=days, start=None, seed=seed)
    run(as_of=None, full_refresh=False)
    from assets.reports.errors import ReportError

    settings = _settings()
    as_of = settings.effective_as_of()
    # The sample's assignments span its days: the demo reports show them all.
    since = as_of - timedelta(days=days - 1)
    _say(f"\nreports (assignments made {since} to {as_of}, from the serving snapshot)")
    try:
        paths = _export(settings, as_of=as_of, assigned_from=since, assigned_to=as_of)
    except ReportError as error:
        _report_error(error)
    for path in paths:
        _say(f"  {path}")


def _split(values: list[str] | None) -> list[str]:
    return [v.strip() for value in values or [] for v in value.split(",") if v.strip()]


def _export(settings: Settings, **options: Any) -> list[Path]:
    """Reports from the serving snapshot into the exports folder; ``as_of``
    defaults to the settings' (else the date the snapshot describes)."""
    from assets.reports.export import export_reports
    from assets.reports.snapshot import SNAPSHOT_FILE

    options.setdefault("as_of", settings.as_of)
    return export_reports(settings.serving_dir / SNAPSHOT_FILE, settings.exports_dir, **options)


def _report_error(error: Exception) -> NoReturn:
    """One line on stderr; exit 2 for options the snapshot refuses, 1 otherwise."""
    from assets.reports.errors import FilterError

    typer.echo(f"error: {error}", err=True)
    raise typer.Exit(2 if isinstance(error, FilterError) else 1) from error


@app.command()
def export(
    team: Annotated[
        list[str] | None,
        typer.Option(help="Only these teams' reports, one folder each (repeat or comma-separate)."),
    ] = None,
    agent: Annotated[
        str | None, typer.Option(help="One agent's own coaching log (that agent's rows only).")
    ] = None,
    formats: Annotated[
        list[str] | None,
        typer.Option("--format", help="html, xlsx or csv; repeat for several (default: all)."),
    ] = None,
    as_of: AsOf = None,
    assigned_from: Annotated[
        str | None, typer.Option(help="Assigned on or after (default: as_of - 6 days).")
    ] = None,
    assigned_to: Annotated[str | None, typer.Option(help="Assigned on or before.")] = None,
    follow_up_date: Annotated[
        str | None,
        typer.Option(help="Follow-ups due that day (YYYY-MM-DD or 'today'), instead of the range."),
    ] = None,
    attribute: Annotated[
        list[str] | None, typer.Option(help="Only assignments coaching this attribute id.")
    ] = None,
    agents_filter: Annotated[
        list[str] | None, typer.Option(help="Only these agent ids (repeat or comma-separate).")
    ] = None,
) -> None:
    """Write supervisor reports (the center and every team, or --team) or one
    agent's coaching log (--agent) from the serving snapshot, and print the
    paths. Each report's folder is named after its filters (README)."""
    from assets.reports.errors import ReportError
    from assets.reports.export import FORMATS

    settings = _settings(_parse_date(as_of, "--as-of"))
    follow_up = (
        settings.effective_as_of()
        if follow_up_date == "today"
        else _parse_date(follow_up_date, "--follow-up-date")
    )
    try:
        paths = _export(
            settings,
            teams=_split(team),
            agent=agent,
            formats=_split(formats) or FORMATS,
            assigned_from=_parse_date(assigned_from, "--assigned-from"),
            assigned_to=_parse_date(assigned_to, "--assigned-to"),
            follow_up_date=follow_up,
            attribute_ids=_split(attribute),
            agent_ids=_split(agents_filter),
        )
    except ReportError as error:
        _report_error(error)
    for path in paths:
        _say(str(path))


@app.command()
def catalogue(
    check: Annotated[
        bool, typer.Option(help="Only check that docs/catalogue.md is up to date.")
    ] = False,
) -> None:
    """Write docs/catalogue.md, the serving tables, from the marts' dbt YAML."""
    from assets.serving import CATALOGUE_PATH, render_catalogue, write_catalogue

    if check:
        current = CATALOGUE_PATH.read_text(encoding="utf-8") if CATALOGUE_PATH.exists() else ""
        if current != render_catalogue():
            typer.echo(f"{CATALOGUE_PATH} is out of date: run `coachwh catalogue`", err=True)
            raise typer.Exit(1)
        _say(f"{CATALOGUE_PATH} is up to date")
        return
    _say(f"wrote {write_catalogue()}")


@app.command()
def status() -> None:
    """The ledger, row counts, rejected rows by reason, and what the landing zone ignores."""
    _print_summary(_settings())


IGNORED_SHOWN = 20


def _print_ignored(landing: Path) -> None:
    """The landing zone's entries that are not read, with the reason."""
    from assets.landing_boundary import list_landing

    ignored = list_landing(landing).ignored
    _say("\nignored in the landing zone (not read)")
    _rows(["entry", "reason"], [(e.path, e.reason) for e in ignored[:IGNORED_SHOWN]])
    if len(ignored) > IGNORED_SHOWN:
        _say(f"  ... and {len(ignored) - IGNORED_SHOWN:,} more")


def _print_summary(settings: Settings) -> None:
    if not settings.warehouse_path.exists():
        _say(f"no warehouse at {settings.warehouse_path} yet: run `coachwh run`")
        _print_ignored(settings.landing_dir)
        return
    try:
        conn = duckdb.connect(str(settings.warehouse_path), read_only=True)
    except duckdb.IOException as error:
        _say(f"the warehouse is busy (a run is writing it): {error}")
        _print_ignored(settings.landing_dir)
        return
    with conn:
        _say("\nfiles ingested per stream")
        _table(
            conn,
            """select stream, count(*) filter (where status = 'ingested') as files,
                      count(*) filter (where status = 'rejected') as files_rejected,
                      sum(rows_total) as rows_total, sum(rows_ok) as rows_ok,
                      sum(rows_rejected) as rows_rejected, sum(rows_duplicate) as rows_duplicate
               from ingest.file_ledger group by stream order by stream""",
        )
        _say("\nrejected rows by reason")
        _table(
            conn,
            """select stream, reason, count(*) as rows from ingest.rejected_rows
               group by all order by rows desc, stream, reason limit 20""",
        )
        _say("\nrejected files")
        _table(
            conn,
            "select stream, file, error from ingest.file_ledger where status = 'rejected' "
            "order by stream, file limit 20",
        )
        _print_ignored(settings.landing_dir)
        _say("\nrow counts")
        tables = conn.execute(
            "select schema_name || '.' || table_name from duckdb_tables() "
            "where schema_name in ('raw', 'marts') order by schema_name, table_name"
        ).fetchall()
        counts = " union all ".join(
            f"select '{name}' as \"table\", count(*) as rows from {name}" for (name,) in tables
        )
        if counts:
            _table(conn, counts)
        present = {name for (name,) in tables}
        if "marts.coaching_marks" in present:
            _say("\ncoaching marks by state")
            _table(
                conn,
                "select state, source, reason, count(*) as marks from marts.coaching_marks "
                "group by all order by state, source, reason",
            )
        if "marts.coaching_monitor" in present:
            _say("\ncoaching monitor (latest assignments)")
            _table(
                conn,
                """select assignment_id, agent_name, array_to_string(attribute_ids, ', ')
                          as attributes, assigned_date, scorecard_score_at_assigned as at_assigned,
                          scorecard_score_current as current, scorecard_trend as trend, status
                   from marts.coaching_monitor
                   order by assigned_date desc, assignment_id limit 10""",
            )
            columns = {c for (c,) in conn.execute(
                "select column_name from duckdb_columns() "
                "where schema_name = 'marts' and table_name = 'coaching_monitor'"
            ).fetchall()}  # fmt: skip
            if "follow_up_due" in columns:
                _say("\nfollow-ups due")
                _table(
                    conn,
                    """select assignment_id, agent_name, follow_up_date, status
                       from marts.coaching_monitor where follow_up_due
                       order by follow_up_date, assignment_id""",
                )


def _table(conn: duckdb.DuckDBPyConnection, sql: str) -> None:
    result = conn.execute(sql)
    _rows([d[0] for d in result.description], result.fetchall())


def _rows(names: list[str], rows: list[tuple]) -> None:
    if not rows:
        _say("  (none)")
        return
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max(len(n), *(len(r[i]) for r in cells)) for i, n in enumerate(names)]
    _say("  " + "  ".join(n.ljust(w) for n, w in zip(names, widths, strict=True)))
    for row in cells:
        _say("  " + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    text = "" if value is None else str(value)
    return text if len(text) <= 80 else text[:77] + "..."
