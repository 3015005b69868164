"""Imports run one way, down (README, "Map of the code"): ``models/`` (the
contracts and the settings) at the bottom; then the plain engines and the
resources in ``assets/``; then the asset definitions; then ``pipelines/``.

A module of ``assets/`` that imports Dagster is an asset definition (or a
resource); one that does not is a plain engine, and an engine never imports a
definition. Every import counts, also one inside a function."""

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("models", "assets", "pipelines")


def _module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every module the file imports, at any depth of the file."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


MODULES = {
    _module_name(path): _imports(path)
    for package in PACKAGES
    for path in sorted((REPO / package).rglob("*.py"))
}


def _uses_dagster(imports: set[str]) -> bool:
    return any(
        name.split(".")[0] in {"dagster", "dagster_dbt", "dagster_duckdb"} for name in imports
    )


DEFINITIONS = {
    name
    for name, imports in MODULES.items()
    if name.startswith("assets") and _uses_dagster(imports)
}
ENGINES = {name for name in MODULES if name.startswith("assets") and name not in DEFINITIONS}


def _ours(imports: set[str]) -> set[str]:
    """The project's modules among the imports."""
    return {name for name in imports if name in MODULES}


def test_the_layers_are_not_empty() -> None:
    # The split is derived from the code: a rename must not empty a layer
    # and let every assertion below pass on nothing.
    assert {"models.streams", "models.settings"} <= set(MODULES)
    assert {"assets.landing_zone", "assets.coaching_marks", "assets.warehouse_lock"} <= ENGINES
    assert {"assets.ingest", "assets.marks", "assets.resources"} <= DEFINITIONS
    assert "pipelines.cli" in MODULES


@pytest.mark.parametrize("module", sorted(name for name in MODULES if name.startswith("models")))
def test_models_import_nothing_above_them(module: str) -> None:
    upward = {n for n in _ours(MODULES[module]) if not n.startswith("models")}
    assert not upward, f"{module} imports {sorted(upward)}"


@pytest.mark.parametrize("module", sorted(name for name in MODULES if name.startswith("assets")))
def test_assets_never_import_the_code_location(module: str) -> None:
    upward = {n for n in _ours(MODULES[module]) if n.startswith("pipelines")}
    assert not upward, f"{module} imports {sorted(upward)}"


@pytest.mark.parametrize("module", sorted(ENGINES))
def test_engines_never_import_asset_definitions(module: str) -> None:
    upward = _ours(MODULES[module]) & DEFINITIONS
    assert not upward, f"the engine {module} imports the definitions {sorted(upward)}"
