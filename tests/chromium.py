"""Headless Chromium for the tests that render a page: Debian's package, which
``.ci/run`` installs (and requires, with ``COACHWH_REQUIRE_CHROMIUM``)."""

import os
import shutil

import pytest


def chromium() -> str:
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary is None:
        if os.environ.get("COACHWH_REQUIRE_CHROMIUM"):
            pytest.fail("chromium is required here (.ci/run installs it) but is not installed")
        pytest.skip("chromium is not installed: `apt-get install -y chromium` (.ci/run does)")
    return binary
