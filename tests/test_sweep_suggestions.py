"""The range test reads like an lr finder (issue 13, item 10): each suggestion is labelled on
the curve with the key that applies it, one key applies it, the rate axis spans the whole sweep
in every metric, and a bad range names the field once."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from test_sweep_screen import open_sweep
from textual.widgets import Input, Static

from tui import settings
from tui.app import ExplorerApp
from tui.app.pilot_helpers import wait_for_run
from tui.app.screens.sweep import SweepScreen
from tui.engine.sweep import suggest


def mark(key: str, rate: float) -> str:
    """A suggestion's mark, as a pattern: its key at the point, its rate just right of it (a
    braille dot of the curve may show between them)."""
    return re.escape(key) + "[\u2800-\u28ff]?" + re.escape(f"{rate:.3g}")


def chart_text(screen: SweepScreen) -> str:
    """What the range test's chart shows, as plain text."""
    return screen.query_one("#sweep-chart").render().plain


def x_ticks(text: str) -> list[str]:
    """The labels of the rate axis (the row of ``1e-k`` labels under the plot)."""
    rows = [row for row in text.splitlines() if re.search(r"1e-?\d", row) and "┤" not in row]
    return re.findall(r"1e-?\d+", rows[-1]) if rows else []


@pytest.mark.parametrize(("key", "name"), [("b", "best"), ("g", "steepest"), ("t", "min_over_10")])
async def test_one_key_applies_each_suggestion(key: str, name: str) -> None:
    app = ExplorerApp(show_timings=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_sweep(pilot)
        assert screen.sweep is not None
        rate = getattr(suggest(screen.sweep), name)
        assert rate is not None
        await pilot.press(key)
        assert not isinstance(app.screen, SweepScreen)
        assert app.screen.query_one("#lr", Input).value == f"{rate:.6g}"
        await wait_for_run(pilot)


async def test_suggestions_are_labelled_on_the_curve_with_their_keys() -> None:
    app = ExplorerApp(show_timings=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_sweep(pilot)
        picks = suggest(screen.sweep)
        for metric in ("final-loss", "steps"):
            assert screen.metric == metric
            text = chart_text(screen)
            # The key at the point, the name beside it: the lesson's loss reaches 0 at the
            # best rate, which is then drawn on the row of zeros, and converges at all three.
            assert re.search(mark("b", picks.best), text), text
            assert re.search(mark("g", picks.steepest), text), text
            if metric == "final-loss":
                (zeros,) = [row for row in text.splitlines() if re.match(r"\s*0┤", row)]
                assert re.search(mark("b", picks.best), zeros), text
            await pilot.press("m")


async def test_a_rebound_suggestion_key_is_the_one_shown_and_used(own_config_dir: Path) -> None:
    (own_config_dir / settings.FILE_NAME).write_text(json.dumps({"keys": {"sweep-best": "k"}}))
    app = ExplorerApp(show_timings=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_sweep(pilot)
        best = suggest(screen.sweep).best
        assert re.search(mark("k", best), chart_text(screen))
        info = str(screen.query_one("#sweep-info", Static).content)
        assert re.search(r"best measured [\d.]+ \(k\)", info), info
        await pilot.press("k")
        assert not isinstance(app.screen, SweepScreen)
        assert app.screen.query_one("#lr", Input).value == f"{best:.6g}"
        await wait_for_run(pilot)


async def test_the_rate_axis_spans_the_sweep_in_every_metric() -> None:
    """Steps to the tolerance exist only where a run converged (lr 0.2 .. 1 here): the axis
    showed a single tick, 1e0, for the sweep from 1e-4 to 2."""
    app = ExplorerApp(show_timings=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_sweep(pilot)
        await pilot.press("m")
        assert screen.metric == "steps"
        assert x_ticks(chart_text(screen)) == ["1e-4", "1e-3", "1e-2", "1e-1", "1e0"]


async def test_a_bad_range_names_what_is_wrong_once() -> None:
    app = ExplorerApp(show_timings=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_sweep(pilot)
        info = screen.query_one("#sweep-info", Static)
        screen.query_one("#sweep-low", Input).value = "0"
        await pilot.pause()
        text = str(info.content)
        assert "0 < low < high" in text and text.count("range") == 1, text
        screen.query_one("#sweep-low", Input).value = "1e-4"
        screen.query_one("#sweep-count", Input).value = "1"
        await pilot.pause()
        text = str(info.content)
        assert text.startswith("rates: ") and "from 2 to" in text, text
        await pilot.press("escape")
        await wait_for_run(pilot)
