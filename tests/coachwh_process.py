"""``coachwh`` as a user runs it: a real process on a home of its own."""

import os
import subprocess
import sys
from pathlib import Path


def coachwh(home: Path, *args: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [Path(sys.executable).parent / "coachwh", *args],
        cwd=home,
        env={**os.environ, "COACHWH_HOME": str(home)},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
