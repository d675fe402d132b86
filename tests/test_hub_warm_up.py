"""The classroom's engine runs the lesson once before its first visitor (``Hub.warm_up``): the
first run of a kind compiles its function (about a second), which every visitor of a room
that arrived at once otherwise waited for. ``descent.run_batch`` is watched here, not timed."""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from typing import Any

import pytest

from tui.engine import descent
from tui.engine.hub import Hub
from tui.engine.spec import RunSpec


@pytest.fixture
def hub() -> Iterator[Hub]:
    """A hub listening in a folder of its own (not loaded, not serving), closed afterwards."""
    folder = tempfile.mkdtemp(prefix="hub-")  # a short path: AF_UNIX allows 107 bytes
    made = Hub(os.path.join(folder, "engine.sock"), secrets.token_bytes(32))
    try:
        yield made
    finally:
        made.close()
        shutil.rmtree(folder, ignore_errors=True)


def test_the_hub_runs_the_lesson_under_its_turn_before_visitors_come(
    hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs: list[tuple[tuple[RunSpec, ...], bool]] = []
    real = descent.run_batch

    def watched(specs: Any, *args: Any, **options: Any) -> Any:
        runs.append((tuple(specs), hub.turns._held))
        return real(specs, *args, **options)

    monkeypatch.setattr(descent, "run_batch", watched)
    hub.warm_up()
    assert runs == [((RunSpec(),), True)]  # the explorer's first run, holding the turn
    assert not hub.turns._held


def test_a_failed_warm_up_leaves_the_hub_serving(hub: Hub, monkeypatch: pytest.MonkeyPatch) -> None:
    def failing(*args: Any, **options: Any) -> Any:
        raise RuntimeError("no compiler today")

    monkeypatch.setattr(descent, "run_batch", failing)
    hub.warm_up()  # says nothing: the visitors' runs compile what they need
    assert not hub.turns._held  # the turn is free for them
