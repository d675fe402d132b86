"""Python's collector runs less often while a command starts, and as before once the explorer
shows its first results, freezing what lives then (tui.collector)."""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator

import pytest
from app_helpers import wait_for_run
from unloaded_engine import Unloaded

import tui.__main__ as entry
import tui.cli
from tui import collector
from tui.app.app import ExplorerApp
from tui.model.params import PRESETS

#: Thresholds no one else uses, to see which are put back.
FOUND = (701, 11, 9)


@pytest.fixture
def thresholds() -> Iterator[None]:
    """The collector at :data:`FOUND` for the test; the suite's own thresholds after it."""
    kept = gc.get_threshold()
    gc.set_threshold(*FOUND)
    yield
    collector.settle()
    gc.set_threshold(*kept)


def test_start_raises_the_thresholds_and_settle_puts_back_those_it_found(thresholds) -> None:
    collector.settle()  # not started: nothing to put back
    assert gc.get_threshold() == FOUND
    collector.start()
    collector.start()  # twice: what it found the first time is what it puts back
    assert gc.get_threshold() == collector.START_THRESHOLDS
    collector.settle()
    assert gc.get_threshold() == FOUND


class Alive:
    """An object the collector tracks (an instance of a class of our own)."""


def tracked(thing: object) -> bool:
    """Whether a collection would walk ``thing`` (frozen objects are in no generation)."""
    return any(seen is thing for seen in gc.get_objects())


def test_settle_freezes_what_lives_then_once(thresholds) -> None:
    collector.start()
    before = Alive()
    assert tracked(before)
    collector.settle()
    assert not tracked(before)  # frozen: full collections no longer walk it
    after = Alive()
    frozen = gc.get_freeze_count()
    collector.settle()  # settled already: nothing more is frozen
    assert gc.get_freeze_count() == frozen
    assert tracked(after)


async def test_the_explorer_settles_the_collector_once_its_first_results_are_shown(
    thresholds,
) -> None:
    collector.start()
    app = ExplorerApp(PRESETS[1], show_timings=False, engine=Unloaded())
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert gc.get_threshold() == collector.START_THRESHOLDS  # no results yet
    app = ExplorerApp(PRESETS[1], show_timings=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_run(pilot)
        await pilot.pause()
        assert gc.get_threshold() == FOUND


@pytest.mark.parametrize(("argv", "started"), [(["run"], True), (["serve"], False)])
def test_the_command_line_starts_the_collector_but_for_serve(
    monkeypatch: pytest.MonkeyPatch, thresholds, argv: list[str], started: bool
) -> None:
    seen: list[tuple[int, int, int]] = []
    monkeypatch.setattr(sys, "argv", ["lr-explorer", *argv])
    monkeypatch.setattr(entry, "start_engine", lambda argv: None)
    monkeypatch.setattr(tui.cli, "main", lambda *a, **k: seen.append(gc.get_threshold()) or 0)
    monkeypatch.setattr(entry, "end_now", lambda status: None)
    with pytest.raises(SystemExit):
        entry.main()
    assert seen == [collector.START_THRESHOLDS if started else FOUND]
