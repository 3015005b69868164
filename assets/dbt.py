"""dbt assets: every model of ``dbt_project/`` as an asset downstream of the
ingest assets, built with ``dbt build`` for one ``as_of`` date."""

import json
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    AssetSpec,
    Config,
    Output,
)
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    DbtProject,
    dbt_assets,
)
from dagster_duckdb import DuckDBResource

from assets.ingest import raw_asset_key
from assets.marks import MARKS_KEY
from pipelines.resources import DUCKDB_WRITER_POOL, CenterResource
from pipelines.settings import DEFAULT_MEMORY_LIMIT, prepare_tool_environment

DBT_PROJECT_DIR = Path(__file__).resolve().parent.parent / "dbt_project"


def dbt_project() -> DbtProject:
    """The dbt project; its manifest is built by ``coachwh prepare`` (or by
    ``dagster dev`` through ``prepare_if_dev``), never at import time."""
    project = _project()
    project.prepare_if_dev()
    return project


def _project() -> DbtProject:
    prepare_tool_environment()  # dbt must be found before the project is prepared
    return DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


def dbt_manifest_path() -> Path:
    return _project().manifest_path


def prepare_dbt_project() -> Path:
    """Parse the dbt project into its manifest (the prepare step)."""
    project = _project()
    project.preparer.prepare(project)
    return project.manifest_path


class WarehouseTranslator(DagsterDbtTranslator):
    """dbt sources are the assets that write them: ``raw`` tables the ingest
    assets, ``coaching`` tables the marks asset. Models are keyed
    ``<layer>/<name>``."""

    def get_asset_spec(
        self, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None
    ) -> AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        props = self.get_resource_props(manifest, unique_id)
        if props["resource_type"] == "source":
            if props["source_name"] == "coaching":
                return spec.replace_attributes(key=MARKS_KEY)
            return spec.replace_attributes(key=raw_asset_key(props["name"]))
        layer = props["fqn"][1] if len(props["fqn"]) > 2 else "models"
        return spec.replace_attributes(key=AssetKey([layer, props["name"]]), group_name=layer)


AS_OF_METADATA = "coachwh/as_of"
PARTIAL_PARSE = "partial_parse.msgpack"


class WarehouseBuildConfig(Config):
    """Run configuration of a warehouse build."""

    as_of: str | None = None  # YYYY-MM-DD; default: the center's setting, else today there
    full_refresh: bool = False


def dbt_vars(center: CenterResource, config: WarehouseBuildConfig) -> dict[str, str | int]:
    """The dbt vars of a build: as_of, the center's time zone and thresholds."""
    as_of = config.as_of or center.effective_as_of().isoformat()
    return {"as_of": as_of, "timezone": center.timezone, "min_samples": center.min_samples}


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
        dbt: DbtCliResource,
        duckdb: DuckDBResource,
        center: CenterResource,
        config: WarehouseBuildConfig,
    ) -> Iterator[Any]:
        # profiles.yml reads the working file's path from the environment,
        # which the dbt subprocess inherits: the same file the DuckDB resource opens.
        os.environ["COACHWH_WAREHOUSE"] = str(Path(duckdb.database).resolve())
        os.environ["COACHWH_MEMORY_LIMIT"] = str(
            duckdb.connection_config.get("memory_limit", DEFAULT_MEMORY_LIMIT)
        )
        build_vars = dbt_vars(center, config)
        args = ["build", "--vars", json.dumps(build_vars)]
        # dbt's unit tests check the SQL, not the data: the test suite runs
        # them. Whole-table uniqueness tests of the 20M-row tables run with
        # the full rebuilds; an incremental run checks what it wrote.
        excluded = ["test_type:unit"]
        if config.full_refresh:
            args.append("--full-refresh")
        else:
            excluded.append("tag:full_scan")
        args += ["--exclude", " ".join(excluded)]
        # Each invocation's artifacts go to a folder of its own, removed after.
        with tempfile.TemporaryDirectory(prefix="dbt-run-") as target:
            invocation = dbt.cli(args, context=context, target_path=Path(target))
            for event in invocation.stream():
                # Every materialization says which date it describes: the asset
                # sensor on the scores hands it to the marks run.
                if isinstance(event, Output):
                    metadata = {**event.metadata, AS_OF_METADATA: build_vars["as_of"]}
                    event = event.with_metadata(metadata)
                yield event
            # dbt parsed the project with this run's vars: keep that parse for
            # the next invocation with the same vars (the marks run's, or the
            # next refresh of the day), which then skips parsing.
            parsed = Path(target) / PARTIAL_PARSE
            if parsed.exists():
                kept = DBT_PROJECT_DIR / "target" / PARTIAL_PARSE
                kept.parent.mkdir(exist_ok=True)
                staged = kept.with_name(f".{PARTIAL_PARSE}.{os.getpid()}")
                shutil.copyfile(parsed, staged)
                os.replace(staged, kept)  # a reader sees the old file or the new one

    return warehouse_models
