"""Helpers of the fault-injection suite (tests/reliability, docs/reliability.md).

Its tests drive the pipeline as a user or an unlucky operator would:
processes killed with SIGKILL, files delivered out of order, a hostile
landing zone, two runs at once. The sample is small so the suite fits CI.
"""

import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import coachwh_process
import duckdb

from pipelines.sample import generate_sample

START = date(2026, 10, 1)
DAYS = 10
AS_OF = START + timedelta(days=DAYS - 1)
AGENTS = 6
COACHWH = Path(sys.executable).parent / "coachwh"

# Lineage columns say when and by which run a row landed: not data.
LINEAGE = {"_ingested_at", "_run_id", "ingested_at", "run_id"}


def sample(folder: Path) -> Path:
    """The small sample's landing files, in a folder of their own."""
    generate_sample(folder, agents=AGENTS, days=DAYS, start=START, seed=13)
    return folder


def environment(home: Path) -> dict[str, str]:
    return coachwh_process.environment(home, COACHWH_LOCK_TIMEOUT="600")


def run(home: Path, *args: str) -> str:
    result = subprocess.run(
        [COACHWH, "run", "--as-of", AS_OF.isoformat(), *args],
        env=environment(home),
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout + result.stderr


def start_run(home: Path) -> subprocess.Popen[str]:
    """``coachwh run`` in a process group of its own, its output merged."""
    return subprocess.Popen(
        [COACHWH, "run", "--as-of", AS_OF.isoformat()],
        env=environment(home),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def kill_when(process: subprocess.Popen[str], marker: str, timeout: float = 600) -> str:
    """SIGKILL the run's whole process group once a line matches ``marker``."""
    assert process.stdout is not None
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    for line in process.stdout:
        seen.append(line)
        if re.search(marker, line):
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=60)
            return line
        assert time.monotonic() < deadline, "the run never reached " + marker
    raise AssertionError(f"the run ended before {marker!r}:\n{''.join(seen[-40:])}")


def land(files: list[Path], source: Path, landing: Path) -> None:
    """Deliver files as a producer does: a temporary name, then a rename."""
    for path in files:
        target = landing / path.relative_to(source)
        target.parent.mkdir(parents=True, exist_ok=True)
        staged = target.with_name(f".{target.name}.tmp")
        shutil.copyfile(path, staged)
        os.replace(staged, target)


def tables(home: Path, schemas: tuple[str, ...]) -> list[str]:
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as conn:
        rows = conn.execute(
            "select schema_name || '.' || table_name from duckdb_tables() "
            f"where schema_name in ({', '.join(repr(s) for s in schemas)}) order by 1"
        ).fetchall()
    return [name for (name,) in rows]


def digest(home: Path, table: str, ignore: set[str] = LINEAGE) -> str:
    """A digest of a table's rows, order aside, every value exact (floats by
    their full text), without the lineage columns."""
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as conn:
        schema, name = table.split(".")
        columns = [
            c
            for (c,) in conn.execute(
                "select column_name from duckdb_columns() where schema_name = ? "
                "and table_name = ? order by column_index",
                [schema, name],
            ).fetchall()
            if c not in ignore
        ]
        select = ", ".join(f'"{c}"' for c in columns)
        rows = conn.execute(f"select {select} from {table}").fetchall()
    lines = sorted(repr(row) for row in rows)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def state(home: Path) -> dict[str, str]:
    """Digests of every table the pipeline builds from the landing zone (raw,
    staging, intermediate, marts) and of the ledger."""
    names = [*tables(home, ("raw", "staging", "intermediate", "marts")), "ingest.file_ledger"]
    return {name: digest(home, name) for name in names}
