"""The ``coachwh`` command line (DESIGN.md section 8).

Every option has an environment variable and a default that works with no
configuration; paths default under ``COACHWH_HOME`` (``./coachwh_data``). A
value the user can fix (a bad flag or variable, a path that cannot be
written, a warehouse another process holds) is one line on stderr that names
it, and a non-zero exit: never a traceback.
"""

import signal
import sys
import threading
import time
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import duckdb
import typer
from typer.core import TyperGroup

from models.settings import (
    SettingError,
    Settings,
    env_name,
    load_settings,
    prepare_tool_environment,
)

if TYPE_CHECKING:
    from dagster import DagsterInstance


def _fail(message: str, code: int = 1) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


class _OneLineErrors(TyperGroup):
    """Usage errors, bad settings and paths that cannot be written as one line
    on stderr, and a non-zero exit."""

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        try:
            code = super().main(*args, standalone_mode=False, **kwargs)
        except typer.TyperException as error:  # typer's usage errors and bad parameters
            typer.echo(f"error: {_usage_message(error)}", err=True)
            code = error.exit_code
        except typer.Abort:
            typer.echo("error: interrupted", err=True)
            code = 130
        except OSError as error:
            if error.filename is None:
                raise
            typer.echo(f"error: {_path_message(error)}", err=True)
            code = 1
        sys.exit(code if isinstance(code, int) else 0)


def _usage_message(error: typer.TyperException) -> str:
    """A usage error as one line naming the flag, or the variable it came from."""
    if isinstance(error, typer.BadParameter):
        if error.param_hint is not None:
            return f"{error.param_hint}: {error.message}"
        if error.param is not None:
            return f"{_param_name(error.ctx, error.param)}: {error.message}"
    return " ".join(error.format_message().split())


def _param_name(ctx: typer.Context | None, param: Any) -> str:
    """The flag a parameter was given as, or its environment variable."""
    source = ctx.get_parameter_source(param.name) if ctx is not None else None
    if source is not None and source.name == "ENVIRONMENT" and isinstance(param.envvar, str):
        return param.envvar
    return param.opts[0] if param.opts else str(param.name)


def _path_message(error: OSError) -> str:
    """A path that could not be written, and the setting it comes from."""
    path = Path(str(error.filename))
    message = f"cannot write {path}: {error.strerror or error}"
    settings = _state.get("settings")
    if settings is None:
        return message
    setting = settings.setting_of(path)
    named = f"{_names.get(setting, env_name(setting))}={getattr(settings, setting)}"
    wanted = "a file in a folder" if setting == "warehouse" else "a folder"
    return f"{message}; {named} must be {wanted} this user can write to"


app = typer.Typer(
    cls=_OneLineErrors,
    help="coaching-warehouse: the streamed pipeline behind agent coaching.",
    add_completion=False,
    pretty_exceptions_enable=False,
)

_state: dict[str, Settings] = {}
# How the user named each setting given: its flag, or its environment variable.
_names: dict[str, str] = {}


def _say(message: str) -> None:
    typer.echo(message, err=False)


@app.callback(invoke_without_command=True)
def _configure(
    ctx: typer.Context,
    home: Annotated[Path | None, typer.Option(envvar="COACHWH_HOME", help="Data home.")] = None,
    landing: Annotated[
        str | None,
        typer.Option(envvar="COACHWH_LANDING", help="A folder, or s3://bucket/prefix."),
    ] = None,
    warehouse: Annotated[Path | None, typer.Option(envvar="COACHWH_WAREHOUSE")] = None,
    serving: Annotated[Path | None, typer.Option(envvar="COACHWH_SERVING")] = None,
    exports: Annotated[Path | None, typer.Option(envvar="COACHWH_EXPORTS")] = None,
    timezone: Annotated[
        str | None, typer.Option(envvar="COACHWH_TIMEZONE", help="The center's time zone (UTC).")
    ] = None,
    min_samples: Annotated[
        int | None,
        typer.Option(envvar="COACHWH_MIN_SAMPLES", help="Fewest scores of a window (3)."),
    ] = None,
    trend_threshold: Annotated[
        float | None,
        typer.Option(
            envvar="COACHWH_TREND_THRESHOLD", help="Score points of a spike or a dip (2.0)."
        ),
    ] = None,
    accept_and_dispute: Annotated[
        bool | None,
        typer.Option(
            "--accept-and-dispute/--no-accept-and-dispute",
            envvar="COACHWH_ACCEPT_AND_DISPUTE",
            help="Pending evaluation reviews override assignment status (on).",
            show_default=False,
        ),
    ] = None,
    max_dispute_rounds: Annotated[
        int | None,
        typer.Option(
            envvar="COACHWH_MAX_DISPUTE_ROUNDS",
            help="Dispute rounds after which a response closes a review (2).",
        ),
    ] = None,
    min_handle_time_s: Annotated[
        float | None,
        typer.Option(
            envvar="COACHWH_MIN_HANDLE_TIME_S",
            help="Seconds below which an interaction is not scored (0: off).",
        ),
    ] = None,
    coaching_cycle_days: Annotated[
        int | None,
        typer.Option(
            envvar="COACHWH_COACHING_CYCLE_DAYS", help="Days of a coaching-log cycle (14)."
        ),
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
    if ctx.invoked_subcommand is None:
        typer.echo(ctx.get_help())
        raise typer.Exit(2)
    values = {
        "home": home,
        "landing": landing,
        "warehouse": warehouse,
        "serving": serving,
        "exports": exports,
        "timezone": timezone,
        "min_samples": min_samples,
        "trend_threshold": trend_threshold,
        "accept_and_dispute": accept_and_dispute,
        "max_dispute_rounds": max_dispute_rounds,
        "min_handle_time_s": min_handle_time_s,
        "coaching_cycle_days": coaching_cycle_days,
        "memory_limit": memory_limit,
        "lock_timeout": lock_timeout,
    }
    params = {param.name: param for param in ctx.command.params}
    _names.update({name: _param_name(ctx, params[name]) for name in values})
    _state["settings"] = _load({k: v for k, v in values.items() if v is not None})


def _load(values: dict[str, Any]) -> Settings:
    try:
        return load_settings(values)
    except SettingError as error:
        raise typer.BadParameter(error.problem, param_hint=_named(error)) from None


def _named(error: SettingError) -> str:
    """``NAME=value`` of the setting, named as the user gave it."""
    return error.named(_names.get(error.setting, env_name(error.setting)))


def _settings(as_of: date | None = None, writes: tuple[str, ...] = ()) -> Settings:
    """The settings of this command, with ``as_of`` if given; the path
    settings in ``writes`` must be writable, or the command stops here."""
    settings = _state["settings"]
    if as_of is not None:
        settings = settings.model_copy(update={"as_of": as_of})
    try:
        settings.check_writable(writes)
    except SettingError as error:
        _fail(f"{_named(error)}: {error.problem}")
    prepare_tool_environment()
    return settings


AsOf = Annotated[
    str | None,
    typer.Option(envvar="COACHWH_AS_OF", help="Date the warehouse describes (YYYY-MM-DD)."),
]


def _parse_date(value: str | None, option: str, ctx: typer.Context | None = None) -> date | None:
    """A date option's value; an error names the option, or with ``ctx`` the
    environment variable it came from."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        name = option
        if ctx is not None:
            params = {p.name: p for p in ctx.command.params}
            name = _param_name(ctx, params[option.lstrip("-").replace("-", "_")])
        raise typer.BadParameter(
            f"expected a date YYYY-MM-DD, got {value!r}", param_hint=name
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
    from assets.landing_objects import landing_folder
    from pipelines.sample import generate_sample

    settings = _settings(writes=("landing",))
    started = time.perf_counter()
    with landing_folder(settings.landing_location) as folder:
        summary = generate_sample(
            folder,
            agents=agents,
            days=days,
            start=_parse_date(start, "--start"),
            seed=seed,
            progress=_say,
        )
    _say(
        f"wrote {summary.files} files, {sum(summary.rows.values()):,} rows to "
        f"{settings.landing_location} in {time.perf_counter() - started:.1f}s"
    )


def run_pipeline(settings: Settings, full_refresh: bool = False) -> bool:
    """Ingest pending files and build everything downstream, through Dagster,
    in this process, with no daemon: the refresh job, then every run the
    scores' asset sensor requests for it, as the daemon would start them.
    The runs are recorded in the instance the UI and the daemon share.
    Prints where the time went. Returns whether every run succeeded."""
    from dagster import AssetRecordsFilter, build_sensor_context

    from assets.dbt import dbt_manifest_is_current, prepare_dbt_project

    # The jobs select their models from the manifest: a model added since it
    # was made would be left out of them, and its readers fail.
    if not dbt_manifest_is_current():
        _say("parsing the dbt project (a first run, or its files changed)")
        prepare_dbt_project()
    # Imported once the manifest exists: the code location builds the dbt assets from it.
    from assets.marks import SCORES_KEY
    from assets.phases import phase_line, run_phases
    from pipelines.definitions import build_definitions
    from pipelines.instance import open_instance
    from pipelines.jobs import refresh_job
    from pipelines.sensors import requested_runs, scores_refreshed_sensor

    defs = build_definitions(settings)
    as_of = settings.effective_as_of().isoformat()
    dbt_config = {"as_of": as_of, "full_refresh": full_refresh}
    logging = {"console": {"config": {"log_level": "INFO"}}}
    with open_instance(settings) as instance:
        _close_abandoned_runs(instance)
        run_ids: list[str] = []

        def execute(job_name: str, run_config: dict, tags: dict[str, str]) -> bool:
            _say(f"running {job_name} for as_of {as_of} on {settings.warehouse_path}")
            job = defs.resolve_job_def(job_name)
            ops = dict(run_config.get("ops", {}))
            ops["warehouse_models"] = {"config": {**dbt_config, **_op_config(ops)}}
            ops = {name: config for name, config in ops.items() if job.graph.has_node_named(name)}
            result = job.execute_in_process(
                instance=instance,
                run_config={**run_config, "ops": ops, "loggers": logging},
                tags={**tags, LAUNCHED_BY_TAG: LAUNCHED_BY_CLI},
                raise_on_error=False,
            )
            run_ids.append(result.run_id)
            return result.success

        # The sensor reads the instance the daemon shares: it is to see this
        # run's materialization of the scores, not one of an earlier run.
        seen = instance.fetch_materializations(
            AssetRecordsFilter(asset_key=SCORES_KEY), limit=1, ascending=False
        ).records
        ok = execute(refresh_job.name, {}, {})
        if ok:
            context = build_sensor_context(
                instance=instance,
                definitions=defs,
                cursor=str(seen[0].storage_id) if seen else None,
            )
            for request in requested_runs(scores_refreshed_sensor(context)):
                job_name = request.job_name or scores_refreshed_sensor.job_name
                ok = execute(job_name, dict(request.run_config), dict(request.tags))
                if not ok:
                    break
        _say(phase_line(run_phases(instance, run_id) for run_id in run_ids))
    return ok


# Tells the UI's runs of `coachwh run` from the daemon's and the UI's own.
LAUNCHED_BY_TAG = "coachwh/launched_by"
LAUNCHED_BY_CLI = "coachwh run"


def _close_abandoned_runs(instance: "DagsterInstance") -> None:
    """Mark failed the runs of an earlier `coachwh run` still recorded as in
    progress: its process died (it was killed), since this process holds
    the warehouse that every `coachwh run` holds throughout. Otherwise the
    UI would show them running for ever."""
    from dagster import DagsterRunStatus, RunsFilter

    in_progress = [
        DagsterRunStatus.NOT_STARTED,
        DagsterRunStatus.STARTING,
        DagsterRunStatus.STARTED,
    ]
    runs = instance.get_runs(
        RunsFilter(statuses=in_progress, tags={LAUNCHED_BY_TAG: LAUNCHED_BY_CLI})
    )
    for abandoned in runs:
        instance.report_run_failed(
            abandoned, "the `coachwh run` process ended before this run did (it was killed)"
        )


def _op_config(ops: dict) -> dict:
    return dict(ops.get("warehouse_models", {}).get("config", {}))


@app.command()
def run(
    ctx: typer.Context,
    as_of: AsOf = None,
    full_refresh: Annotated[bool, typer.Option(help="Rebuild incremental models.")] = False,
) -> None:
    """Ingest pending files, build the warehouse for --as-of, and summarise."""
    settings = _settings(
        _parse_date(as_of, "--as-of", ctx), writes=("warehouse", "serving", "dagster_home")
    )
    started = time.perf_counter()
    from assets.build_state import build_fingerprint, dbt_vars, nothing_new
    from assets.landing_objects import open_landing
    from assets.warehouse_lock import WarehouseBusyError, hold_warehouse

    try:
        # One writer at a time: wait for a run (or a reader) holding the file.
        with hold_warehouse(settings.warehouse_path, settings.lock_timeout, say=_say):
            # Answered before Dagster and dbt are even imported: a run with
            # nothing to do costs next to nothing.
            fingerprint = build_fingerprint(dbt_vars(settings))
            reason = None
            if not full_refresh:
                reason = nothing_new(
                    settings.warehouse_path,
                    open_landing(settings.landing_location),
                    settings.effective_as_of(),
                    fingerprint,
                )
            if reason:
                _say(f"{reason}: no dbt work, no publish ({time.perf_counter() - started:.2f}s)")
                return
            ok = run_pipeline(settings, full_refresh=full_refresh)
    except WarehouseBusyError as error:
        _fail(str(error))
    _say(f"run {'succeeded' if ok else 'FAILED'} in {time.perf_counter() - started:.1f}s")
    _print_summary(settings)
    if not ok:
        raise typer.Exit(1)


@app.command()
def demo(
    ctx: typer.Context,
    agents: Annotated[int, typer.Option(min=1)] = 40,
    days: Annotated[int, typer.Option(min=1)] = 28,
    seed: Annotated[int, typer.Option()] = 7,
) -> None:
    """Generate a sample stream, run the whole pipeline, print a summary."""
    _settings(writes=("landing", "warehouse", "serving", "dagster_home", "exports"))
    generate(agents=agents, days=days, start=None, seed=seed)
    run(ctx, as_of=None, full_refresh=False)
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
    experience_level: Annotated[
        list[str] | None,
        typer.Option(help="Only agents of these experience levels (repeat or comma-separate)."),
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
            experience_levels=_split(experience_level),
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
def bridge(
    once: Annotated[bool, typer.Option(help="Land what the topics hold, then exit.")] = False,
    bootstrap: Annotated[
        str | None,
        typer.Option(help="Kafka brokers, host:port[,...] [env: COACHWH_KAFKA_BOOTSTRAP]"),
    ] = None,
    group: Annotated[
        str | None, typer.Option(help="Consumer group id [env: COACHWH_KAFKA_GROUP]")
    ] = None,
    topic_prefix: Annotated[
        str | None,
        typer.Option(help="Topics are <prefix>.<stream> [env: COACHWH_KAFKA_TOPIC_PREFIX]"),
    ] = None,
    batch_messages: Annotated[
        int | None, typer.Option(help="Most messages per file [env: COACHWH_KAFKA_BATCH_MESSAGES]")
    ] = None,
    batch_seconds: Annotated[
        float | None,
        typer.Option(help="Longest wait before a batch lands [env: COACHWH_KAFKA_BATCH_SECONDS]"),
    ] = None,
) -> None:
    """Land the streams' Kafka topics in the landing zone, one file per micro-batch,
    committing offsets once each file is in place; until SIGINT or SIGTERM, or --once."""
    from assets.kafka_bridge import BridgeError, run_bridge
    from models.settings import BridgeSettings

    flags = {
        "bootstrap": bootstrap,
        "group": group,
        "topic_prefix": topic_prefix,
        "batch_messages": batch_messages,
        "batch_seconds": batch_seconds,
    }
    try:
        config = load_settings({k: v for k, v in flags.items() if v is not None}, BridgeSettings)
    except SettingError as error:
        flag = f"--{error.setting.replace('_', '-')}"
        raise typer.BadParameter(error.problem, param_hint=f"{flag} / {error.variable}") from None
    stop = threading.Event()

    def request_stop(*_: object) -> None:
        stop.set()  # the batch in hand lands and is committed; a second signal ends at once
        for number in (signal.SIGINT, signal.SIGTERM):
            signal.signal(number, signal.SIG_DFL)

    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, request_stop)
    try:
        done = run_bridge(config, _settings().landing_dir, once=once, stop=stop, say=_say)
    except BridgeError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from error
    _say(
        f"{'drained' if once and not stop.is_set() else 'stopped'}: {done.messages:,} messages, "
        f"{done.files_landed} files landed, {done.files_already_landed} already in place"
    )


@app.command()
def status() -> None:
    """The ledger, row counts, rejected rows by reason, and what the landing zone
    ignores. Exits 1 when there is no warehouse to read, or another process
    holds it."""
    if not _print_summary(_settings()):
        raise typer.Exit(1)


@app.command()
def dev(
    host: Annotated[str, typer.Option(help="Address the UI listens on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port of the UI.")] = 3000,
) -> None:
    """Start the Dagster UI and daemon (dagster dev) on the instance that
    `coachwh run` records its runs in, with these settings."""
    from pipelines.instance import exec_dagster_dev

    exec_dagster_dev(_settings(writes=("dagster_home",)), host, port)


IGNORED_SHOWN = 20


def _print_ignored(landing: str) -> None:
    """The landing zone's entries that are not read, with the reason."""
    from assets.landing_objects import open_landing

    _say("\nignored in the landing zone (not read)")
    try:
        ignored = open_landing(landing).listing().ignored
    except OSError as error:
        _say(f"  the landing zone cannot be listed: {error}")
        return
    _rows(["entry", "reason"], [(e.path, e.reason) for e in ignored[:IGNORED_SHOWN]])
    if len(ignored) > IGNORED_SHOWN:
        _say(f"  ... and {len(ignored) - IGNORED_SHOWN:,} more")


def _print_summary(settings: Settings) -> bool:
    """Print what the warehouse holds; False when it cannot be read (said on stderr)."""
    from assets.warehouse_lock import lock_holder

    if not settings.warehouse_path.exists():
        typer.echo(
            f"error: no warehouse at {settings.warehouse_path} yet: run `coachwh run`", err=True
        )
        _print_ignored(settings.landing_location)
        return False
    try:
        conn = duckdb.connect(str(settings.warehouse_path), read_only=True)
    except duckdb.IOException as error:
        typer.echo(
            f"error: the warehouse {settings.warehouse_path} is held by {lock_holder(error)}: "
            "run `coachwh status` again once it is done",
            err=True,
        )
        _print_ignored(settings.landing_location)
        return False
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
        _print_ignored(settings.landing_location)
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
    return True


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
