"""Every test of this folder is marked ``reliability``: fault injection through
real ``coachwh run`` processes (docs/reliability.md)."""

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "reliability" in item.path.parts:
            item.add_marker(pytest.mark.reliability)
