"""The test processes' own set-up (``tests/conftest.py``): what keeps the suite's CPU down."""

from __future__ import annotations

import gc

import conftest
import pytest


def test_what_the_imports_leave_is_out_of_the_collectors_sight(
    request: pytest.FixtureRequest,
) -> None:
    assert gc.get_threshold()[0] == conftest.GC_YOUNG
    assert gc.get_freeze_count() > 0, "nothing was frozen before this test"
    import tui.engine.descent  # noqa: F401  (TensorFlow: hundreds of thousands of objects)

    conftest.pytest_runtest_setup(request.node)
    assert gc.get_freeze_count() > 100_000
