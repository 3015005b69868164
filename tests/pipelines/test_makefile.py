"""The Makefile: `make` alone lists every target, with what it does."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def test_make_alone_lists_every_target() -> None:
    make = shutil.which("make")
    if make is None:
        pytest.skip("make is not installed")
    rules = re.findall(r"^([a-z][a-z-]*):(?!=)", (REPO / "Makefile").read_text(), re.MULTILINE)
    assert {"install", "demo", "test", "dev", "help"} <= set(rules)
    listed = subprocess.run(
        [make, "-s", "-C", str(REPO)], capture_output=True, text=True, timeout=60, check=True
    ).stdout
    shown = re.findall(r"^  make ([a-z-]+)\s+\S", listed, re.MULTILINE)
    assert sorted(shown) == sorted(rules)
