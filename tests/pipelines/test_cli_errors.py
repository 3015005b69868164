"""What a user can get wrong, as one line: a bad flag or environment variable,
a path that cannot be written, a warehouse another process holds, no
warehouse at all. Each names the flag, variable or path and what is allowed,
exits non-zero, and prints no traceback (DESIGN.md section 8)."""

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from coachwh_process import COACHWH, coachwh, environment


def one_line_error(result: subprocess.CompletedProcess[str], code: int) -> str:
    """The one line on stderr of a command that failed with ``code``."""
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    assert result.returncode == code, result.stdout[-2000:] + result.stderr[-2000:]
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


# (flag, environment variable, bad value, what the line says is allowed): the
# bounds of DESIGN.md sections 3 and 6, and of a time zone.
BAD_SETTINGS = [
    (
        "--timezone",
        "COACHWH_TIMEZONE",
        "Mars/Olympus",
        "not a known time zone; give an IANA name such as UTC or Europe/Paris",
    ),
    ("--min-samples", "COACHWH_MIN_SAMPLES", "0", "must be at least 1"),
    ("--trend-threshold", "COACHWH_TREND_THRESHOLD", "0", "must be more than 0"),
    ("--trend-threshold", "COACHWH_TREND_THRESHOLD", "101", "must be at most 100"),
    ("--max-dispute-rounds", "COACHWH_MAX_DISPUTE_ROUNDS", "0", "must be at least 1"),
    ("--min-handle-time-s", "COACHWH_MIN_HANDLE_TIME_S", "-5", "must be at least 0"),
    ("--coaching-cycle-days", "COACHWH_COACHING_CYCLE_DAYS", "0", "must be at least 1"),
    ("--lock-timeout", "COACHWH_LOCK_TIMEOUT", "-1", "must be at least 0"),
]


@pytest.mark.parametrize(("flag", "variable", "value", "allowed"), BAD_SETTINGS)
def test_a_bad_flag_is_one_line_naming_the_flag(
    tmp_path: Path, flag: str, variable: str, value: str, allowed: str
) -> None:
    result = coachwh(tmp_path, flag, value, "run")
    assert one_line_error(result, 2) == f"error: {flag}={value}: {allowed}"
    assert not (tmp_path / "warehouse.duckdb").exists()


@pytest.mark.parametrize(("flag", "variable", "value", "allowed"), BAD_SETTINGS)
def test_a_bad_variable_is_one_line_naming_the_variable(
    tmp_path: Path, flag: str, variable: str, value: str, allowed: str
) -> None:
    result = coachwh(tmp_path, "run", env={variable: value})
    assert one_line_error(result, 2) == f"error: {variable}={value}: {allowed}"


def test_a_value_of_the_wrong_type_names_the_flag_or_the_variable(tmp_path: Path) -> None:
    line = one_line_error(coachwh(tmp_path, "--min-samples", "three", "run"), 2)
    assert line.startswith("error: --min-samples: ") and "integer" in line
    line = one_line_error(coachwh(tmp_path, "run", env={"COACHWH_ACCEPT_AND_DISPUTE": "maybe"}), 2)
    assert line.startswith("error: COACHWH_ACCEPT_AND_DISPUTE: ") and "boolean" in line
    line = one_line_error(coachwh(tmp_path, "run", env={"COACHWH_AS_OF": "25/11/2026"}), 2)
    assert line == "error: COACHWH_AS_OF=25/11/2026: must be a date YYYY-MM-DD"
    line = one_line_error(coachwh(tmp_path, "run", "--as-of", "25/11/2026"), 2)
    assert line == "error: --as-of: expected a date YYYY-MM-DD, got '25/11/2026'"


@pytest.fixture
def a_file(tmp_path: Path) -> Path:
    path = tmp_path / "notes.txt"
    path.write_text("a regular file\n")
    return path


UNDER_A_FILE = "is a file, not a folder: give a path under folders"


@pytest.mark.parametrize(
    ("flag", "variable", "command"),
    [
        ("--home", "COACHWH_HOME", "run"),
        ("--warehouse", "COACHWH_WAREHOUSE", "run"),
        ("--serving", "COACHWH_SERVING", "run"),
        ("--landing", "COACHWH_LANDING", "generate"),
        ("--exports", "COACHWH_EXPORTS", "demo"),
    ],
)
def test_a_path_under_a_regular_file_is_one_line_naming_it(
    tmp_path: Path, a_file: Path, flag: str, variable: str, command: str
) -> None:
    path = a_file / "x"
    line = one_line_error(coachwh(tmp_path, flag, str(path), command), 1)
    assert line == f"error: {flag}={path}: {a_file} {UNDER_A_FILE}"
    line = one_line_error(coachwh(tmp_path, command, env={variable: str(path)}), 1)
    assert line == f"error: {variable}={path}: {a_file} {UNDER_A_FILE}"
    # Checked before anything is written: a sample is not half generated.
    assert not (tmp_path / "landing").exists()


def test_the_dagster_instance_under_a_regular_file_names_dagster_home(
    tmp_path: Path, a_file: Path
) -> None:
    path = a_file / "dagster"
    line = one_line_error(coachwh(tmp_path, "run", env={"DAGSTER_HOME": str(path)}), 1)
    assert line == f"error: DAGSTER_HOME={path}: {a_file} {UNDER_A_FILE}"


def test_a_folder_for_the_working_file_is_one_line(tmp_path: Path) -> None:
    line = one_line_error(coachwh(tmp_path, "--warehouse", str(tmp_path), "run"), 1)
    assert line == f"error: --warehouse={tmp_path}: {tmp_path} is a folder, not a file"


def _as_a_user_without_override(command: list[str]) -> list[str]:
    """Root writes anywhere: run ``command`` without that privilege, as a
    user would meet a folder they may not write."""
    if os.geteuid() != 0:
        return command
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: every folder is writable")
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search", *command]


@pytest.fixture
def read_only_folder(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    yield folder
    folder.chmod(0o755)


@pytest.mark.parametrize("command", ["run", "generate"])
def test_an_unwritable_folder_is_one_line_naming_it(
    tmp_path: Path, read_only_folder: Path, command: str
) -> None:
    home = read_only_folder / "home"
    result = subprocess.run(
        _as_a_user_without_override([str(COACHWH), "--home", str(home), command]),
        cwd=tmp_path,
        env=environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
    )
    line = one_line_error(result, 1)
    assert line == (
        f"error: --home={home}: {read_only_folder} is not writable: "
        "give a folder this user can write to"
    )


@pytest.fixture
def held_warehouse(tmp_path: Path) -> Iterator[tuple[Path, int]]:
    """A warehouse another process (not the pipeline) holds open for writing."""
    warehouse = tmp_path / "warehouse.duckdb"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, duckdb\n"
            f"conn = duckdb.connect({str(warehouse)!r})\n"
            "print('holding', flush=True)\n"
            "sys.stdin.read()\n",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline() == "holding\n"
    yield warehouse, holder.pid
    holder.communicate("", timeout=60)


def test_a_warehouse_another_process_holds_is_one_line_naming_it(
    tmp_path: Path, held_warehouse: tuple[Path, int]
) -> None:
    warehouse, pid = held_warehouse
    result = coachwh(tmp_path, "run", env={"COACHWH_LOCK_TIMEOUT": "0"})
    line = one_line_error(result, 1)
    assert line.startswith(f"error: the warehouse {warehouse} is held by PID {pid} (python")
    assert line.endswith("; gave up after 0s (COACHWH_LOCK_TIMEOUT)")

    status = coachwh(tmp_path, "status")
    line = one_line_error(status, 1)
    assert line.startswith(f"error: the warehouse {warehouse} is held by PID {pid} (python")
    assert line.endswith("run `coachwh status` again once it is done")


def test_status_with_no_warehouse_exits_non_zero(tmp_path: Path) -> None:
    line = one_line_error(coachwh(tmp_path, "status"), 1)
    assert line == f"error: no warehouse at {tmp_path / 'warehouse.duckdb'} yet: run `coachwh run`"


def test_an_unknown_command_and_no_command(tmp_path: Path) -> None:
    assert one_line_error(coachwh(tmp_path, "nosuch"), 2) == "error: No such command 'nosuch'."
    bare = coachwh(tmp_path)
    assert bare.returncode == 2 and "Usage: coachwh" in bare.stdout


def spark_target(home: Path, warehouse: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "assets.spark_target", str(warehouse), str(home / "spark")],
        capture_output=True,
        text=True,
        env=environment(home),
    )


def test_spark_target_without_a_warehouse_is_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "none.duckdb"
    result = spark_target(tmp_path, missing)
    assert one_line_error(result, 2) == f"error: WAREHOUSE {missing}: no such DuckDB file"
    assert not (tmp_path / "spark").exists()


def test_spark_target_on_a_file_that_is_not_duckdb_is_one_line(tmp_path: Path) -> None:
    text = tmp_path / "notes.duckdb"
    text.write_text("not a database\n", encoding="utf-8")
    line = one_line_error(spark_target(tmp_path, text), 2)
    assert line.startswith(f"error: WAREHOUSE {text}: "), line
    assert not (tmp_path / "spark").exists()
