"""The UI does only the work a change needs (issue 14, goals 1 and 7).

Each test asserts how much work is done, never how long it takes: the footer is not made again
when a change of focus leaves its keys as they were, a long run's progress does not lay the
screen out again, the chart's lines are made once per picture and style, plotext's picture is
decoded with each colour code worked out once, the theory is not redrawn when its words are the
same, and thinning a run for the chart holds no float64 copy of it.
"""

from __future__ import annotations

import asyncio
import random
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from app_helpers import wait_for_run, wait_until
from plotext._matrix import matrix_class
from rich.ansi import AnsiDecoder
from rich.text import Text
from test_chart import ChartApp, lesson, made
from test_keys_shown import footer_keys, settled_footer
from textual.widget import Widget
from textual.widgets import Static
from textual.widgets._footer import FooterKey

import tui.app.widgets.chart as chart_module
from tui.app import ExplorerApp
from tui.app.widgets.chart import DescentChart
from tui.app.widgets.chart_ansi import text_from_matrix
from tui.app.widgets.chart_points import Blocks, downsample, thin
from tui.app.widgets.params import ParamsForm
from tui.app.widgets.pins_table import PinsTable
from tui.app.widgets.status import StatusLine
from tui.app.widgets.theory import TheoryPanel
from tui.i18n import t
from tui.model.params import PRESETS
from tui.model.pins import Pin
from tui.model.views import VIEWS


def spy_refresh(monkeypatch: pytest.MonkeyPatch, widget: Widget) -> list[bool]:
    """The ``layout`` flag of every refresh ``widget`` asks for from now on."""
    asked: list[bool] = []
    original = widget.refresh

    def refresh(*regions: Any, layout: bool = False, **options: Any) -> Widget:
        asked.append(layout)
        return original(*regions, layout=layout, **options)

    monkeypatch.setattr(widget, "refresh", refresh)
    return asked


async def test_moving_between_chart_and_log_keeps_the_footers_keys() -> None:
    """Textual 8.2.8 recomposes the footer at every change of focus (20 keys removed, made and
    laid out: the costliest thing a key did); between the chart and the log none changes."""
    app = ExplorerApp(PRESETS[1], show_timings=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for_run(pilot)
        footer = await settled_footer(app, pilot)
        keys = list(footer.query_children(FooterKey))
        shown = footer_keys(app)
        for key, focused in (("t", "log"), ("c", "chart"), ("t", "log")):
            await pilot.press(key)
            for _ in range(3):
                await pilot.pause()
            assert app.screen.focused is not None and app.screen.focused.id == focused
            assert all(a is b for a, b in zip(keys, footer.query_children(FooterKey), strict=True))
            assert footer_keys(app) == shown
        await pilot.press("f")  # in a field the typing keys are off: the footer changes
        await wait_until(pilot, lambda: "1" not in footer_keys(app), what="the field's footer")
        assert not any(k is keys[0] for k in footer.query_children(FooterKey))


async def test_a_long_runs_progress_does_not_lay_the_screen_out_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Progress comes ten times a second; each laid out the whole screen (``Static.update``'s
    default), and every key pressed meanwhile waited for it."""
    app = ExplorerApp(PRESETS[1], show_timings=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for_run(pilot)
        status = app.explorer.query_one(StatusLine)
        status.show_busy(t("status.running", done=1_000, total=1_000_000))
        await pilot.pause()
        asked = spy_refresh(monkeypatch, status)
        for done in (2_000, 3_000, 3_000, 4_000):
            status.show_busy(t("status.running", done=done, total=1_000_000))
        assert asked == [False, False, False]  # the same text twice: not drawn again
        await pilot.pause()
        assert "4,000" in str(status.content) and "4,000" in status.render_line(0).text
        assert status.size.height == 1
        status.show_busy("word " * 60)  # three rows at 120 columns: the layout must follow
        assert asked[-1] is True
        await wait_until(pilot, lambda: status.size.height == 3, what="the status' 3 rows")
        status.show_busy(t("status.running", done=5_000, total=1_000_000))
        assert asked[-1] is True
        await wait_until(pilot, lambda: status.size.height == 1, what="the status' one row")


async def test_a_nudge_lays_out_neither_the_formula_nor_the_empty_error_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each key set the error line to "" again and the formula to its next rate, and each
    laid out the whole screen; the formula keeps its one row, the error line its none."""
    app = ExplorerApp(PRESETS[1], show_timings=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for_run(pilot)
        form = app.explorer.query_one(ParamsForm)
        formula, error = form.query_one("#formula", Static), form.query_one("#field-error", Static)
        asked = {
            "formula": spy_refresh(monkeypatch, formula),
            "error": spy_refresh(monkeypatch, error),
        }
        await pilot.press("f", "up")
        await wait_for_run(pilot)
        assert "0.0125893" in str(formula.content)
        assert asked == {"formula": [False], "error": []}


async def test_the_pins_table_is_not_filled_again_with_the_same_rows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = ExplorerApp(PRESETS[1], show_timings=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for_run(pilot)
        table = app.explorer.query_one(PinsTable)
        filled: list[int] = []
        original = table._fill
        monkeypatch.setattr(table, "_fill", lambda: (filled.append(1), original())[1])
        app.explorer.show_pins()  # no pins, as before
        assert filled == []
        app.explorer.action_pin()
        assert filled == [1] and table.row_count == 1


async def test_the_theory_is_not_redrawn_when_its_words_are_the_same(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = ExplorerApp(PRESETS[1], show_timings=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for_run(pilot)
        screen = app.explorer
        panel = screen.query_one(TheoryPanel)
        before = str(panel.content)
        asked = spy_refresh(monkeypatch, panel)
        assert screen.current is not None
        screen.show_theory(screen.current, screen._curvature)
        assert asked == [] and str(panel.content) == before


async def test_the_charts_lines_are_made_once_per_picture_and_style(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A change of focus repaints the chart (its tint follows the focus): Textual 8.2.8 made
    its lines anew each time, as costly as drawing it."""
    made_lines: list[int] = []
    original, original_row = chart_module.visualize, chart_module.row_strip

    def visualize(*args: Any, **options: Any) -> Any:
        made_lines.append(1)
        return original(*args, **options)

    def row_strip(*args: Any) -> Any:
        made_lines.append(1)
        return original_row(*args)

    monkeypatch.setattr(chart_module, "visualize", visualize)
    monkeypatch.setattr(chart_module, "row_strip", row_strip)
    app = ExplorerApp(PRESETS[1], show_timings=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for_run(pilot)
        chart = app.explorer.query_one(DescentChart)
        for key in "tctc":  # focused and not: two styles, each made once
            await pilot.press(key)
            await pilot.pause()
        first = len(made_lines)
        for key in "tctc":
            await pilot.press(key)
            await pilot.pause()
        assert len(made_lines) == first
        lines = [strip.text for strip in chart._lines()]
        assert any("┌" in line for line in lines) and any("└" in line for line in lines)
        app.explorer.action_cycle_view()  # a new picture: its lines are made
        await pilot.pause()
        assert len(made_lines) > first


def test_the_charts_picture_is_the_text_rich_decodes_each_code_worked_out_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """plotext writes its cells into a string of escape codes, which Rich then parsed code by
    code; the chart reads the cells directly, each run styled as Rich styles its codes."""
    expected: list[Text] = []
    got: list[Text] = []
    decoded: list[int] = []
    original: Callable[[AnsiDecoder, str], Text] = AnsiDecoder.decode_line

    def decode_line(self: AnsiDecoder, line: str) -> Text:
        decoded.append(1)
        return original(self, line)

    def build(chart: DescentChart) -> None:
        """Draw the chart; note its text and what Rich decodes of plotext's canvas."""
        chart._rendered = None
        picture = chart.render()
        assert isinstance(picture, Text)
        monkeypatch.setattr(AnsiDecoder, "decode_line", original)
        expected.append(Text.from_ansi(chart.plt.build().rstrip("\n")))
        monkeypatch.setattr(AnsiDecoder, "decode_line", decode_line)
        got.append(picture[: len(expected[-1])])  # the lines under the plot follow it

    async def draw() -> None:
        app = ChartApp()
        async with app.run_test(size=(100, 30)) as pilot:
            chart = app.query_one(DescentChart)
            pins = [Pin(1, lesson(0.5).spec, lesson(0.5))]
            monkeypatch.setattr(AnsiDecoder, "decode_line", decode_line)
            for theme in ("textual-dark", "textual-light", "textual-dark"):
                app.theme = theme
                for view in VIEWS:
                    chart.view = view
                    chart.show(lesson(0.2, 40), pins)
                    await pilot.pause()
                    build(chart)
                    if theme == "textual-light":
                        codes[:] = [len(decoded)]

    codes: list[int] = []
    asyncio.run(draw())
    assert got == expected
    assert [len(decoded)] == codes  # the second round of dark pictures: every code known
    assert codes[0] < sum(len(text.plain.splitlines()) for text in expected)


def test_random_cells_read_as_rich_decodes_plotexts_canvas_of_them() -> None:
    pick = random.Random(14)
    colors: list[object] = ["default", "red", "blue+", "white", 0, 17, 255, (10, 20, 30)]
    colors += [(255, 0, 128), "gray"]
    styles: list[object] = ["default", "bold", "italic", "underline", "bold italic", "inverted"]
    markers = ["a", "⣿", " ", "•", "├", "─", "x"]
    for _ in range(100):
        matrix = matrix_class()
        matrix.set_size(pick.randrange(1, 30), pick.randrange(1, 8))
        matrix.set_matrices()
        for row in matrix.Rows:
            for col in matrix.Cols:
                matrix.marker[row][col] = pick.choice(markers)
                if pick.random() < 0.3 or not col:  # runs of one colour, as a plot has them
                    matrix.fullground[row][col] = pick.choice(colors)
                    matrix.background[row][col] = pick.choice(colors)
                    matrix.style[row][col] = pick.choice(styles)
                else:
                    for layer in (matrix.fullground, matrix.background, matrix.style):
                        layer[row][col] = layer[row][col - 1]
        want = Text.from_ansi(matrix.set_canvas().rstrip("\n"))
        assert text_from_matrix(matrix) == want


def old_downsample(x: np.ndarray, *ys: np.ndarray, limit: int = 2000) -> list[np.ndarray]:
    """The chart's thinning as it was, in float64 throughout (what the chart drew)."""
    x = x.astype(np.float64)
    ys = tuple(y.astype(np.float64) for y in ys)
    n = len(x)
    if n <= limit:
        return [x, *ys]
    size = -(-n // (limit // 3))
    buckets = -(-n // size)
    picks = [np.arange(0, n, size), np.array([n - 1])]
    for y in ys:
        cells = np.full(buckets * size, np.nan)
        cells[:n] = np.where(np.isfinite(y), y, np.nan)
        grid = cells.reshape(buckets, size)
        rows = np.nonzero(~np.isnan(grid).all(axis=1))[0]
        if rows.size:
            picks.append(rows * size + np.nanargmin(grid[rows], axis=1))
            picks.append(rows * size + np.nanargmax(grid[rows], axis=1))
    index = np.unique(np.concatenate(picks))
    return [x[index], *(y[index] for y in ys)]


@pytest.mark.parametrize("finite", [False, True])
@pytest.mark.parametrize("steps", [20, 2_000, 2_001, 99_999, 100_000, 300_000])
def test_thinning_in_the_runs_own_types_picks_the_same_points(steps: int, finite: bool) -> None:
    """With NaN and infinities in w and the loss, and with every value finite (a column of
    ties too: a settled run's w)."""
    rng = np.random.default_rng(steps)
    w = rng.normal(size=steps).astype(np.float32)
    with np.errstate(over="ignore"):  # some overflow to inf
        loss = np.exp(rng.normal(scale=20, size=steps)).astype(np.float32)
    if finite:
        loss = np.minimum(loss, np.float32(1e30))
        w[steps // 3 :] = np.float32(-0.0)
        w[steps // 2 :: 7] = np.float32(0.0)
    else:
        w[rng.integers(0, steps, size=steps // 50 + 1)] = np.nan
    lr64 = rng.uniform(size=steps)
    step = np.arange(1, steps + 1)
    for got, want in zip(
        downsample(step, w, loss, lr64), old_downsample(step, w, loss, lr64), strict=True
    ):
        assert got.dtype == np.float64
        np.testing.assert_array_equal(got, want)


def test_thinning_a_long_run_holds_no_float64_copy_of_it() -> None:
    """The chart thinned a run from float64 copies of its four columns: 57 bytes a step at its
    peak, on top of the run's own 28. In the run's own types it needs 9."""
    steps = 1_000_000
    rng = np.random.default_rng(7)
    result = made(0.1, rng.normal(size=steps), np.abs(rng.normal(size=steps)))
    thin(result)  # numpy's first use of each operation is not counted
    tracemalloc.start()
    try:
        thin(result)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 16 * steps, f"{peak / steps:.1f} bytes a step"


def test_a_playbacks_blocks_keep_the_runs_own_arrays() -> None:
    result = lesson(0.2, 5_000)
    blocks = Blocks(result)
    assert all(
        column is own
        for column, own in zip(
            blocks.columns, (result.step, result.w, result.loss, result.rates), strict=True
        )
    )
    step, w, loss, lr = blocks.points(3_000)
    assert w.dtype == np.float64 and w.max() == result.w[:3_000].max()
