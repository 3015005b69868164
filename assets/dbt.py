"""dbt assets: every model of ``dbt_project/`` as an asset downstream of the
ingest assets, built with ``dbt build`` for one ``as_of`` date.

A build rebuilds only the selected models that are stale (the rule of
:func:`assets.build_state.models_to_rebuild`: downstream of what changed since
they were built), with the data tests of those models, in one dbt invocation
run in this process (:mod:`assets.dbt_runner`).
"""

import json
import time
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    AssetSpec,
    Config,
    Failure,
    Output,
)
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtProject,
    dbt_assets,
)
from dagster_dbt.core.dbt_cli_event import DbtCoreCliEventMessage
from dagster_duckdb import DuckDBResource

from assets import build_state, dbt_runner
from assets.build_state import DBT_PROJECT_DIR
from assets.ingest import raw_asset_key
from assets.marks import MARKS_KEY, SCORES_KEY
from assets.phases import record_phases
from assets.resources import DUCKDB_WRITER_POOL, CenterResource, memory_limit_of
from assets.warehouse_lock import hold_warehouse
from models.settings import prepare_tool_environment


def dbt_project() -> DbtProject:
    """The dbt project; its manifest is built by ``coachwh prepare`` (or, under
    ``dagster dev``, here when the project's files changed since it was made),
    never at import time otherwise. Every run worker of ``dagster dev`` loads
    the code location: a ``dbt parse`` on each load would cost every run
    seconds for nothing, so an unchanged project is not parsed again."""
    project = _project()
    if project.preparer.using_dagster_dev() and not _manifest_is_current(project):
        prepare_dbt_project()
    return project


def _project() -> DbtProject:
    prepare_tool_environment()  # dbt must be found before the project is prepared
    return DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


def _digest_path(project: DbtProject) -> Path:
    return project.manifest_path.with_name("manifest.digest")


def _manifest_is_current(project: DbtProject) -> bool:
    digest = _digest_path(project)
    return (
        project.manifest_path.exists()
        and digest.exists()
        and digest.read_text(encoding="utf-8") == build_state.project_digest()
    )


def dbt_manifest_is_current() -> bool:
    """Whether the manifest describes the project's files as they are (it is
    missing on a first run, and stale once a model was added or changed)."""
    return _manifest_is_current(_project())


def prepare_dbt_project() -> Path:
    """Parse the dbt project into its manifest (the prepare step), and note
    which state of the project's files it describes."""
    project = _project()
    project.preparer.prepare(project)
    _digest_path(project).write_text(build_state.project_digest(), encoding="utf-8")
    return project.manifest_path


class WarehouseTranslator(DagsterDbtTranslator):
    """dbt sources are the assets that write them: ``raw`` tables the ingest
    assets, ``coaching`` tables the marks asset; ``control.build_settings``
    (the build's date, written by the dbt step itself) is keyed
    ``control/build_settings``. Models are keyed ``<layer>/<name>``."""

    def get_asset_spec(
        self, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None
    ) -> AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        props = self.get_resource_props(manifest, unique_id)
        if props["resource_type"] == "source":
            if props["source_name"] == "coaching":
                return spec.replace_attributes(key=MARKS_KEY)
            if props["source_name"] == "raw":
                return spec.replace_attributes(key=raw_asset_key(props["name"]))
            return spec.replace_attributes(key=AssetKey([props["source_name"], props["name"]]))
        layer = props["fqn"][1] if len(props["fqn"]) > 2 else "models"
        return spec.replace_attributes(key=AssetKey([layer, props["name"]]), group_name=layer)


AS_OF_METADATA = "coachwh/as_of"
UNIQUE_ID_METADATA = "dagster_dbt/unique_id"


class WarehouseBuildConfig(Config):
    """Run configuration of a warehouse build."""

    as_of: str | None = None  # YYYY-MM-DD; default: the center's setting, else today there
    full_refresh: bool = False  # rebuild the incremental models from scratch
    # False rebuilds every selected model, stale or not (the UI's "rebuild anyway")
    only_stale: bool = True


@cache
def _manifest_graph(manifest_path: Path) -> tuple[dict[str, list[str]], dict[str, str], str]:
    """From the manifest: each model's parents, each source's ``schema.table``,
    and the unique id of the scores mart."""
    manifest = _manifest(manifest_path)
    parents = {
        uid: list(node["depends_on"]["nodes"])
        for uid, node in manifest["nodes"].items()
        if node["resource_type"] == "model"
    }
    sources = {
        uid: f"{source['source_name']}.{source['name']}"
        for uid, source in manifest["sources"].items()
    }
    (scores,) = [uid for uid in parents if uid.endswith(f".{SCORES_KEY.path[-1]}")]
    return parents, sources, scores


@cache
def _manifest(manifest_path: Path) -> dict[str, Any]:
    return json.loads(manifest_path.read_text(encoding="utf-8"))


@cache
def build_dbt_assets(manifest_path: Path) -> AssetsDefinition:
    """The dbt assets of a manifest (cached: building them parses the manifest)."""
    translator = WarehouseTranslator(
        settings=DagsterDbtTranslatorSettings(
            enable_asset_checks=True,
            # coaching.marks and coaching.refused_events are both the marks asset
            enable_duplicate_source_asset_keys=True,
        )
    )

    @dbt_assets(
        manifest=manifest_path,
        dagster_dbt_translator=translator,
        name="warehouse_models",
        pool=DUCKDB_WRITER_POOL,
    )
    def warehouse_models(
        context: AssetExecutionContext,
        duckdb: DuckDBResource,
        center: CenterResource,
        config: WarehouseBuildConfig,
    ) -> Iterator[Any]:
        warehouse = Path(duckdb.database).resolve()
        with hold_warehouse(warehouse, center.lock_timeout, context.log.info):
            yield from build_stale(context, duckdb, center, config, warehouse)

    def build_stale(
        context: AssetExecutionContext,
        duckdb: DuckDBResource,
        center: CenterResource,
        config: WarehouseBuildConfig,
        warehouse: Path,
    ) -> Iterator[Any]:
        """Build the stale models among the selected ones, with their tests."""
        started = time.perf_counter()
        memory_limit = memory_limit_of(duckdb)
        as_of = date.fromisoformat(config.as_of) if config.as_of else center.effective_as_of()
        vars_ = build_state.dbt_vars(center)
        fingerprint = build_state.build_fingerprint(vars_)
        parents, sources, scores = _manifest_graph(manifest_path)
        selected = sorted(
            uid
            for key in context.selected_asset_keys
            if (uid := context.assets_def.get_asset_spec(key).metadata[UNIQUE_ID_METADATA])
            in parents
        )
        with duckdb.get_connection() as conn:
            if build_state.write_as_of(conn, as_of):
                context.log.info(f"new date {as_of}: the models that read it are stale")
            changes = build_state.source_changes(conn)
            builds = build_state.model_builds(conn)
            publish = build_state.last_publish(conn)
        if config.full_refresh or not config.only_stale:
            stale = selected
        else:
            stale = build_state.models_to_rebuild(
                parents, sources, selected, changes, builds, fingerprint
            )
        # The asset sensor on the scores starts the coaching run (the marks, the
        # marts downstream of them, the snapshot), and every stream reaches
        # those marts: whenever anything is rebuilt, or the coaching run is due
        # (a run died before it ended), the scores are rebuilt (a small table).
        if scores in selected and scores not in stale:
            due = stale or build_state.coaching_due(
                parents, sources, scores, changes, builds, fingerprint, publish
            )
            if due:
                stale.append(scores)
        if not stale:
            context.log.info(f"nothing changed upstream of the {len(selected)} selected models")
            record_phases(context, {"dbt parse": time.perf_counter() - started})
            return
        context.log.info(f"building {len(stale)} of {len(selected)} selected models for {as_of}")
        excluded = ["test_type:unit"]  # the test suite runs dbt's unit tests, not production
        if not config.full_refresh:
            # Whole-table uniqueness tests of the 20M-row tables run with the
            # full rebuilds; an incremental run checks what it wrote.
            excluded.append("tag:full_scan")
        built_at = datetime.now(UTC)
        manifest = _manifest(manifest_path)
        result = dbt_runner.build(
            warehouse,
            vars_,
            memory_limit,
            # each model by its fully qualified name
            select=[".".join(manifest["nodes"][uid]["fqn"]) for uid in stale],
            exclude=excluded,
            full_refresh=config.full_refresh,
        )
        for raw_event in result.events:
            message = DbtCoreCliEventMessage(raw_event=raw_event, event_history_metadata={})
            for event in message.to_default_asset_events(
                manifest=manifest, dagster_dbt_translator=translator, context=context
            ):
                # Every materialization says which date it describes: the asset
                # sensor on the scores hands it to the marks run.
                if isinstance(event, Output):
                    event = event.with_metadata({**event.metadata, AS_OF_METADATA: str(as_of)})
                yield event
        with duckdb.get_connection() as conn:
            build_state.record_model_builds(
                conn, result.succeeded_models(), fingerprint, built_at, context.run.run_id
            )
        record_phases(
            context,
            {
                "dbt parse": time.perf_counter()
                - started
                - result.model_seconds
                - result.test_seconds,
                "dbt models": result.model_seconds,
                "dbt tests": result.test_seconds,
            },
        )
        if not result.success:
            raise Failure(description=result.error)

    return warehouse_models
