"""The range-test screen: it sweeps in one engine call, the cursor moves, a key applies the rate."""

from __future__ import annotations

import pytest
from app_helpers import wait_until
from textual.widgets import Input, Static

from tui.app import ExplorerApp
from tui.app.pilot_helpers import wait_for_run
from tui.app.screens.sweep import SweepScreen


async def open_sweep(pilot) -> SweepScreen:
    """Open the sweep on the current parameters and wait for its results."""
    app = pilot.app
    await wait_for_run(pilot)
    await pilot.press("escape", "s")
    await wait_until(pilot, lambda: isinstance(app.screen, SweepScreen) and app.screen.sweep)
    return app.screen


async def test_sweep_cursor_and_apply() -> None:
    app = ExplorerApp()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_sweep(pilot)
        sweep = screen.sweep
        assert sweep is not None and sweep.lrs.size == 200
        assert sweep.lrs[0] == pytest.approx(1e-4) and sweep.lrs[-1] == pytest.approx(2.0)
        info = str(screen.query_one("#sweep-info", Static).content)
        assert "optimal 1/L = 0.5" in info and "critical 2/L = 1" in info
        assert "steepest descent" in info and "min/10" in info
        start = screen.cursor
        await pilot.press("left", "left", "right")
        assert screen.cursor == start - 1
        chosen = float(sweep.lrs[screen.cursor])
        assert f"lr {chosen:.4g}" in str(screen.query_one("#sweep-info", Static).content)
        await pilot.press("m")
        assert screen.metric == "steps"
        await pilot.press("a")
        assert not isinstance(app.screen, SweepScreen)
        assert app.query_one("#lr", Input).value == f"{chosen:.6g}"
        await pilot.pause()
        await wait_for_run(pilot)
        assert app.params is not None and app.params.spec.lr == float(f"{chosen:.6g}")


async def test_a_bad_range_is_named_and_escape_changes_nothing() -> None:
    app = ExplorerApp()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_sweep(pilot)
        screen.query_one("#sweep-low", Input).value = "3"
        await pilot.pause()
        assert "0 < low < high" in str(screen.query_one("#sweep-info", Static).content)
        screen.query_one("#sweep-chart").focus()
        await pilot.press("escape")
        assert not isinstance(app.screen, SweepScreen)
        assert app.query_one("#lr", Input).value == "0.01"
        await wait_for_run(pilot)


async def test_explorer_keys_are_off_on_the_sweep_screen() -> None:
    app = ExplorerApp()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_sweep(pilot)
        await pilot.press("2", "p", "plus")  # explorer keys: they must not act from here
        assert app.screen is screen
        assert app.pins == []
        assert app.query_one("#lr", Input).value == "0.01"


async def test_rates_that_reach_a_loss_of_exactly_0_are_drawn_on_a_row_of_their_own() -> None:
    app = ExplorerApp()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_sweep(pilot)
        sweep = screen.sweep
        zeros = int((sweep.final_loss == 0).sum())
        assert zeros > 0, "on (w+1)^2 many rates land exactly on the minimum"
        chart = screen.query_one("#sweep-chart")
        text = chart.render().plain if hasattr(chart.render(), "plain") else str(chart.render())
        assert "0┤" in text.replace(" ", ""), "the row of zeros has its tick, 0"
        # The legend under the plot (not plotext's, on the points) names the row.
        legend = str(screen.query_one("#sweep-legend").content)
        assert "final loss exactly 0" in legend
        assert "not drawn" not in legend
