"""The range test's legend is a line under its plot, in the language shown, never plotext's own
legend on the points (which sat on the lowest rates' points, top left)."""

from __future__ import annotations

import pytest
from test_sweep_screen import open_sweep
from textual.widgets import Static
from textual_plotext import PlotextPlot

from tui import i18n
from tui.app.app import ExplorerApp
from tui.app.pilot_helpers import wait_until


def _plot_text(screen) -> str:
    chart = screen.query_one("#sweep-chart", PlotextPlot)
    return "\n".join(line.text for line in chart.render_lines(chart.region.reset_offset))


@pytest.mark.parametrize("language", ["en", "zh"])
async def test_the_legend_names_every_mark_under_the_plot(language: str) -> None:
    i18n.set_language(language)
    try:
        app = ExplorerApp()
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await open_sweep(pilot)
            sweep = screen.sweep
            legend = str(screen.query_one("#sweep-legend", Static).content)
            assert i18n.t("sweep.legend.loss") in legend
            cursor = float(sweep.lrs[screen.cursor])
            assert i18n.t("sweep.legend.cursor", lr=cursor) in legend
            # The lesson's loss has L = 2: both theory lines are inside 1e-4 .. 2.
            assert i18n.t("sweep.legend.critical", lr=1.0) in legend
            assert i18n.t("sweep.legend.optimal", lr=0.5) in legend
            assert i18n.t("sweep.legend.suggestion") in legend
            # plotext draws no legend box of its own on the plot.
            plot = _plot_text(screen)
            assert "final loss" not in plot and "loss (log)" not in plot
            # It follows the cursor and the metric.
            await pilot.press("right")
            moved = float(sweep.lrs[screen.cursor])
            legend = str(screen.query_one("#sweep-legend", Static).content)
            assert i18n.t("sweep.legend.cursor", lr=moved) in legend
            await pilot.press("m")
            await wait_until(pilot, lambda: screen.metric == "steps")
            legend = str(screen.query_one("#sweep-legend", Static).content)
            assert i18n.t("sweep.legend.steps", tol=sweep.tol) in legend
            assert i18n.t("sweep.legend.loss") not in legend
    finally:
        i18n.set_language("en")


@pytest.mark.parametrize("no_color", [False, True])
async def test_the_theory_words_name_the_lines_colours_only_where_they_are_drawn(
    no_color: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ "(green)" and "(red)" tell the best and critical lines apart where they are drawn in
    colour; under ``NO_COLOR`` the lines have none, and the words say none (the rates given
    beside each name still tell them apart)."""
    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
    else:
        monkeypatch.delenv("NO_COLOR", raising=False)
    app = ExplorerApp()
    async with app.run_test(size=(120, 40)) as pilot:
        assert app.no_color is no_color
        screen = await open_sweep(pilot)
        words = screen.marks.words
        assert "1/L = 0.5" in words and "2/L = 1" in words
        said = [i18n.t("sweep.color.green"), i18n.t("sweep.color.red")]
        assert all((colour in words) is not no_color for colour in said), words
