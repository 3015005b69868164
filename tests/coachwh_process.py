"""``coachwh`` as a user runs it: a real process on a home of its own (and the
Dagster instance under it, whatever DAGSTER_HOME the test session has)."""

import os
import subprocess
import sys
from pathlib import Path

COACHWH = Path(sys.executable).parent / "coachwh"


def environment(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
    return {**env, "COACHWH_HOME": str(home), **extra}


def coachwh(
    home: Path, *args: str, timeout: float = 900, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [COACHWH, *args],
        cwd=home,
        env=environment(home, **(env or {})),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
