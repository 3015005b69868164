"""Every rule's setting is a flag and an environment variable (DESIGN.md
section 8): passed to dbt as a var by the CLI and by the code location alike,
part of the build fingerprint, listed in the README; a changed trend
threshold changes the trends on the next run, and a changed minimum handle
time needs a full refresh, as a changed time zone does."""

import re
import shutil
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest
import yaml
from coachwh_process import coachwh

from assets.build_state import DBT_VAR_SETTINGS, build_fingerprint, dbt_vars, project_digest
from assets.resources import build_resources
from models.settings import Settings, env_name

REPO = Path(__file__).resolve().parents[2]

# A value other than the default, for each rule's setting.
CHANGED = {
    "timezone": "Europe/Paris",
    "min_samples": 5,
    "trend_threshold": 3.5,
    "accept_and_dispute": False,
    "max_dispute_rounds": 3,
    "min_handle_time_s": 30.0,
    "coaching_cycle_days": 7,
}


def test_every_rule_setting_is_a_dbt_var() -> None:
    assert set(DBT_VAR_SETTINGS) == set(CHANGED)


@pytest.mark.parametrize("setting", sorted(CHANGED))
def test_a_rule_setting_reaches_dbt_from_the_cli_and_the_code_location_and_the_fingerprint(
    tmp_path: Path, setting: str
) -> None:
    default = Settings(home=tmp_path)
    changed = Settings(home=tmp_path, **{setting: CHANGED[setting]})
    assert dbt_vars(changed)[setting] == CHANGED[setting]
    # The code location's resource carries the same vars as the CLI's settings.
    assert dbt_vars(build_resources(changed)["center"]) == dbt_vars(changed)
    assert build_fingerprint(dbt_vars(changed)) != build_fingerprint(dbt_vars(default))


def test_a_rule_setting_from_its_environment_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for setting, value in CHANGED.items():
        monkeypatch.setenv(env_name(setting), str(value))
    assert dbt_vars(Settings(home=tmp_path)) == CHANGED


def test_the_defaults_are_those_of_dbt_project_yml(tmp_path: Path) -> None:
    """A plain `dbt build` and `coachwh run` build the same warehouse."""
    project_vars = yaml.safe_load((REPO / "dbt_project/dbt_project.yml").read_text())["vars"]
    assert dbt_vars(Settings(home=tmp_path)) == {name: project_vars[name] for name in CHANGED}


def test_the_readme_configuration_table_lists_every_setting() -> None:
    readme = (REPO / "README.md").read_text()
    section = readme.split("### Configuration", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"^\| `([A-Z_]+)` \|", section, flags=re.MULTILINE))
    assert listed == {env_name(name) for name in Settings.model_fields}


START = date(2026, 10, 1)
DAYS = 12
AS_OF = START + timedelta(days=DAYS - 1)


def _run(home: Path, *args: str, env: dict[str, str] | None = None) -> str:
    result = coachwh(home, "run", "--as-of", AS_OF.isoformat(), *args, env=env)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("rules")
    generated = coachwh(
        home, "generate", "--agents", "8", "--days", str(DAYS), "--start", START.isoformat()
    )
    assert generated.returncode == 0, generated.stderr
    _run(home)
    return home


@pytest.fixture
def home(built: Path, tmp_path: Path) -> Path:
    """A copy of the built home, for one test to change."""
    copy = tmp_path / "home"
    shutil.copytree(built, copy, symlinks=True)
    return copy


def _progress(home: Path) -> list[tuple[str, str, str, float | None, str]]:
    with duckdb.connect(str(home / "serving/warehouse.duckdb"), read_only=True) as conn:
        return conn.execute(
            "select assignment_id, agent_id, attribute_id, delta, trend "
            "from marts.coaching_progress order by all"
        ).fetchall()


def _trend(delta: float | None, held: str, threshold: float) -> str:
    """DESIGN.md section 3: spike at +threshold or more, dip at -threshold or
    less, else flat; a window with too few scores stays insufficient_data."""
    if held == "insufficient_data" or delta is None:
        return "insufficient_data"
    if delta >= threshold:
        return "spike"
    if delta <= -threshold:
        return "dip"
    return "flat"


def test_a_changed_trend_threshold_changes_the_trends_on_the_next_run(home: Path) -> None:
    before = _progress(home)
    assert before and all(trend == _trend(delta, trend, 2.0) for *_, delta, trend in before)
    # Just above the smallest spike or dip: that one turns flat.
    moved = [abs(delta) for *_, delta, trend in before if trend in ("spike", "dip")]
    assert moved, "the sample needs a spike or a dip"
    threshold = round(min(moved) + 0.01, 2)

    output = _run(home, env={"COACHWH_TREND_THRESHOLD": str(threshold)})
    assert "nothing new" not in output
    after = _progress(home)
    assert [row[:4] for row in after] == [row[:4] for row in before]
    assert [row[4] for row in after] == [
        _trend(delta, trend, threshold) for *_, delta, trend in before
    ]
    assert sum(row[4] == "flat" for row in after) > sum(row[4] == "flat" for row in before)
    # The same threshold again, as a flag this time: nothing new.
    again = coachwh(home, "--trend-threshold", str(threshold), "run", "--as-of", AS_OF.isoformat())
    assert "nothing new" in again.stdout


def _scored_pairs_in_window(home: Path, min_handle_time_s: float) -> int:
    """(interaction, attribute) pairs with an Auto QA score in the current
    window (days D-6 .. D, UTC), their interaction not shorter than
    ``min_handle_time_s`` (one of unknown handle time counts): DESIGN.md
    section 3, from the raw tables."""
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as conn:
        return conn.execute(
            """with scores as (
                   select interaction_id, attribute_id, interaction_at
                   from raw.auto_qa_scores
                   qualify row_number() over (
                       partition by interaction_id, attribute_id
                       order by scored_at desc, event_id desc) = 1
               ),
               handle_times as (
                   select interaction_id, max(handle_time_s) as handle_time_s
                   from raw.interactions group by interaction_id
               )
               select count(*) from scores left join handle_times using (interaction_id)
               where timezone('UTC', interaction_at)::date between ?::date - 6 and ?::date
                 and coalesce(handle_time_s >= ?, true)""",
            [AS_OF, AS_OF, min_handle_time_s],
        ).fetchall()[0][0]


def _current_n(home: Path) -> int:
    with duckdb.connect(str(home / "serving/warehouse.duckdb"), read_only=True) as conn:
        return conn.execute("select sum(current_n) from marts.agent_attribute_scores").fetchall()[
            0
        ][0]


def test_a_changed_minimum_handle_time_needs_a_full_refresh(home: Path) -> None:
    shortest = 60.0
    assert _current_n(home) == _scored_pairs_in_window(home, 0.0)
    assert _scored_pairs_in_window(home, shortest) < _scored_pairs_in_window(home, 0.0)

    # As with a changed time zone: the incremental models hold rows scored
    # under the old setting, so an incremental run stops and says what to do.
    env = {"COACHWH_MIN_HANDLE_TIME_S": str(shortest)}
    # Twice: the second time the models upstream of the refusal are built
    # already, so the refused model is the first the run builds.
    for _ in range(2):
        refused = coachwh(home, "run", "--as-of", AS_OF.isoformat(), env=env)
        assert refused.returncode == 1
        assert "Rebuild the incremental models with --full-refresh" in refused.stdout
        # the refusal is the run's error: nothing else breaks, and the
        # summary of what the warehouse holds still follows
        assert "Traceback" not in refused.stdout + refused.stderr
        assert "files ingested per stream" in refused.stdout
    assert _current_n(home) == _scored_pairs_in_window(home, 0.0)  # nothing published

    _run(home, "--full-refresh", env=env)
    assert _current_n(home) == _scored_pairs_in_window(home, shortest)


def test_a_run_parses_the_dbt_project_again_once_its_files_changed(
    home: Path, dbt_manifest: Path
) -> None:
    """The jobs take their models from the manifest: a manifest made before
    the project's files changed (a model added, say) would leave the new
    model out of every job, and the models reading it would fail."""
    digest = dbt_manifest.with_name("manifest.digest")
    digest.write_text("the digest of an older state of the project", encoding="utf-8")
    result = coachwh(home, "run", "--as-of", (AS_OF + timedelta(days=1)).isoformat())
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "parsing the dbt project (a first run, or its files changed)" in result.stdout
    assert digest.read_text(encoding="utf-8") == project_digest()
