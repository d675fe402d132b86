"""A key's new results cost only what they change (issue 14, goal 1).

Each test asserts how much work is done, never how long it takes: plotext is given only the
points of a curve that draw a cell (and the picture is cell for cell the one all the points
draw), the playback bar out of view shows nothing and asks the engine for no gradient (in view
it shows the step at once), its labels are not laid out again for the same words, the log
table works out its own style once a drawing, and the theory is wrapped once per text and
width.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import Any

import numpy as np
import pytest
from app_helpers import wait_for_run
from test_chart import ChartApp, lesson, made
from test_landscape import bowl_run
from test_params_form import FormOnly
from test_ui_cost import spy_refresh
from textual.app import App, ComposeResult
from textual.content import Content
from textual.geometry import Region, Size
from textual.screen import Screen
from textual.visual import Visual, visualize
from textual.widget import Widget
from textual.widgets import Digits, Input, Label

import tui.app.widgets.chart as chart_module
import tui.app.widgets.chart_landscape as landscape_module
from tui.app import ExplorerApp
from tui.app.pilot_helpers import wait_for_update
from tui.app.widgets.chart import DescentChart
from tui.app.widgets.chart_points import line_points, scatter_points
from tui.app.widgets.log_table import LogTable
from tui.app.widgets.playback import PlaybackBar, fitted
from tui.app.widgets.theory import TheoryPanel
from tui.app.widgets.update_line import UpdateLine
from tui.engine.result import RunResult
from tui.model.params import PRESETS
from tui.model.pins import Pin
from tui.model.views import views_for


def _random_walk(seed: int) -> RunResult:
    """A run whose w and loss wander on a coarse grid: level runs, repeats, and a path that
    turns back on itself."""
    rng = np.random.default_rng(seed)
    w = np.round(np.cumsum(rng.integers(-1, 2, 3000)) / 4, 2)
    return made(0.1, w, np.round(w**2 / 8, 1))


def _random_walk_two(seed: int) -> RunResult:
    """A run of two parameters wandering on a coarse grid of the plane, repeats included."""
    rng = np.random.default_rng(seed)
    run = bowl_run(0.01, 2000)
    w1 = np.round(np.cumsum(rng.integers(-1, 2, 2000)) / 4, 2).astype(np.float32)
    w2 = np.round(np.cumsum(rng.integers(-1, 2, 2000)) / 4, 2).astype(np.float32)
    return replace(run, w=w1, w2=w2, loss=np.round((w1 + 1) ** 2 + 10 * (w2 - 1) ** 2, 0))


RUNS = {
    # Settled after a few hundred steps: thousands of points at one value.
    "settled, 100,000 steps": lambda: lesson(0.05, 100_000),
    # w swings between 5 and -7 at one loss, 36: a level path whose w turns back each step.
    "swinging at one loss": lambda: lesson(1.0, 60),
    **{f"a random walk on a grid, seed {seed}": partial(_random_walk, seed) for seed in (1, 2, 14)},
    **{
        f"two parameters on a grid, seed {seed}": partial(_random_walk_two, seed) for seed in (1, 2)
    },
    # w1 swings between 5 and -7 while w2 stays at 1: a level path turning back, in the plane.
    "two parameters swinging": lambda: bowl_run(1.0, 60, start=(5.0, 1.0)),
    "two parameters settled": lambda: bowl_run(0.02, 10_000),
}


def _every_point(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return x, y


def _pictures(chart: DescentChart, run: RunResult) -> list[tuple[str, object]]:
    """The chart's picture of ``run`` (and a pin of it) in every view, on both loss scales."""
    pin = Pin(1, run.spec, run)
    pictures: list[tuple[str, object]] = []
    chart.show(run, [pin])
    for view in views_for(chart.count):
        for log in (False, True):
            chart.view, chart.log_loss = view, log
            chart.replot()
            pictures.append((f"{view} log={log}", chart.render()))
    return pictures


@pytest.mark.parametrize("name", list(RUNS))
async def test_the_chart_draws_the_same_cells_from_only_the_points_that_draw_one(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = RUNS[name]()
    app = ChartApp()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        chart = app.query_one(DescentChart)
        fewer = _pictures(chart, run)
        for module in (chart_module, landscape_module):
            monkeypatch.setattr(module, "line_points", _every_point)
            monkeypatch.setattr(module, "scatter_points", _every_point)
        every = _pictures(chart, run)
    assert len(fewer) == len(every) > 1
    for (view, picture), (_, expected) in zip(fewer, every, strict=True):
        assert picture == expected, view


async def test_a_settled_long_run_gives_plotext_a_few_points() -> None:
    """100,000 steps settled after a few hundred: thinned to 2,000 points a series, of which
    all but a few are one value (plotext joined each to the next, cell by cell)."""
    app = ChartApp()
    async with app.run_test(size=(100, 30)) as pilot:
        chart = app.query_one(DescentChart)
        chart.show(lesson(0.05, 100_000))
        await pilot.pause()
        chart.render()
        given = sum(len(x) for x in chart.plt.monitor.x)
        assert 0 < given < 200, given


def test_line_points_keep_the_ends_and_turns_of_a_level_run() -> None:
    x = np.arange(8.0)
    y = np.array([1.0, 2.0, 2.0, 2.0, 2.0, 3.0, 3.0, 3.0])
    kept = line_points(x, y)
    assert kept[0].tolist() == [0.0, 1.0, 4.0, 5.0, 7.0]
    # Level, but turning back: every point draws.
    back = np.array([0.0, 5.0, 1.0, 6.0])
    assert line_points(back, np.zeros(4))[0].tolist() == back.tolist()
    # A point again is dropped, a scatter keeps the rest.
    xs, ys = scatter_points(np.array([1.0, 1.0, 2.0, 1.0]), np.array([3.0, 3.0, 3.0, 3.0]))
    assert xs.tolist() == [1.0, 2.0, 1.0] and ys.tolist() == [3.0, 3.0, 3.0]


def _count_asks(app: ExplorerApp, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """A list that grows by one at each gradient the app asks the engine for."""
    asked: list[int] = []
    engine = app.engine
    original = engine.ask_gradients

    def ask(loss: str, ws: Any) -> Any:
        asked.append(1)
        return original(loss, ws)

    monkeypatch.setattr(engine, "ask_gradients", ask)
    return asked


async def test_the_playback_bar_out_of_view_shows_nothing_and_asks_for_no_gradient(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Before, each key's new run filled the hidden bar and its update line asked the engine for
    the last step's gradient, whose answer laid the screen out once more."""
    app = ExplorerApp(PRESETS[1], show_timings=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_run(pilot)
        await pilot.pause()
        asked = _count_asks(app, monkeypatch)
        bar = app.explorer.query_one(PlaybackBar)
        assert not bar.display and not bar.in_view
        for key in ("f", "up", "down"):  # two new runs
            await pilot.press(key)
            await wait_for_run(pilot)
        await pilot.pause()
        assert asked == []
        assert bar.query_one("#digits-w", Digits).value == ""
        await pilot.press("escape", "left_square_bracket")  # pause on step 1: in view
        assert bar.in_view and bar.display
        result = app.explorer.current
        assert result is not None
        digits = bar.query_one("#digits-w", Digits)
        room = digits.size.width - 1
        assert digits.value == fitted(float(result.w[0]), 4, room)
        await wait_for_update(pilot)
        assert asked and "5.000000" in str(bar.query_one(UpdateLine).render())


async def test_coming_into_view_the_bar_shows_its_step_at_once() -> None:
    """Demo mode puts the bar in view, and its step is there before the next frame is drawn
    (the bar's resize on being shown would come a frame late); the fields' key takes it out."""
    app = ExplorerApp(PRESETS[1], show_timings=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_run(pilot)
        bar = app.explorer.query_one(PlaybackBar)
        app.explorer.action_demo()  # no pause: nothing else is processed in between
        assert bar.in_view
        assert bar.query_one("#digits-step", Digits).value == "20"
        await pilot.press("f")
        assert not bar.in_view


async def test_a_new_run_in_view_lays_out_no_label_of_the_same_words(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``Label.update`` lays out the whole screen, for the same words too."""
    app = ExplorerApp(PRESETS[1], show_timings=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_run(pilot)
        await pilot.press("d")  # demo mode: the bar in view
        bar = app.explorer.query_one(PlaybackBar)
        labels = [bar.query_one(f"#{name}", Label) for name in ("label-w", "playback-state")]
        steps = bar.query_one("#digits-step", Digits)
        asked = [spy_refresh(monkeypatch, widget) for widget in (*labels, steps)]
        result = app.explorer.current
        assert result is not None
        bar.show_run(result)  # the same run's step again: the same words and digits
        assert asked == [[], [], []]


async def test_the_log_works_out_its_own_style_once_a_drawing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Textual 8.2.8's ``rich_style`` walks every ancestor's styles, uncached; the table asked
    for it twice a line."""
    app = ExplorerApp(PRESETS[1], show_timings=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_run(pilot)
        table = app.explorer.query_one(LogTable)
        worked_out: list[int] = []
        original = Widget.rich_style

        def rich_style(widget: Widget) -> Any:
            if widget is table:
                worked_out.append(1)
            return original.fget(widget)  # type: ignore[attr-defined]

        monkeypatch.setattr(LogTable, "rich_style", property(rich_style))
        parts: list[str] = []
        original_part = LogTable.get_component_rich_style
        monkeypatch.setattr(
            LogTable,
            "get_component_rich_style",
            lambda self, *names, **o: (parts.extend(names), original_part(self, *names, **o))[1],
        )
        table._styles_cache.clear()
        lines = table.render_lines(Region(0, 0, *table.outer_size))
        assert len(lines) > 5
        assert worked_out == [1]
        assert sorted(parts) == sorted(LogTable.COMPONENT_CLASSES)  # each part's style once
        texts = [line.text for line in lines]
        top = next(i for i, text in enumerate(texts) if "step" in text)  # under the border
        assert texts[top + 1].split()[:2] == ["1", "4.880000"], texts[top : top + 2]
        header, row = lines[top], lines[top + 2]  # the header and a row (not the cursor's)
        for line, part in ((header, "log-table--header"), (row, "log-table--row")):
            want = original_part(table, part)
            assert any(segment.style == want for segment in line._segments), part


def _whole_lines(chart: DescentChart) -> list[Any]:
    """The chart's picture made into lines as Textual makes them, all at once."""
    width, height = chart.size
    visual = visualize(chart, chart.render(), markup=True)
    return Visual.to_strips(chart, visual, width, height, chart.visual_style)


@pytest.mark.parametrize("theme", ["textual-dark", "textual-light", "ansi-dark"])
async def test_the_charts_lines_made_for_the_changed_rows_are_the_whole_pictures_lines(
    theme: str,
) -> None:
    """Run after run, view after view, with and without pins and notes, in a dark, a light and
    the terminal's own colours: the lines are the ones Textual makes of the whole picture
    (text, colours, and each cell's place for a selection), whichever rows were taken from
    the picture before."""
    app = ChartApp()
    async with app.run_test(size=(100, 30)) as pilot:
        app.theme = theme
        await pilot.pause()
        chart = app.query_one(DescentChart)
        runs = [lesson(lr) for lr in (0.01, 0.0125893, 0.0158489, 0.99, 1.0)]
        runs += [lesson(0.05, 100_000), lesson(0.0501, 100_000), bowl_run(0.05, 300)]
        pins = [Pin(1, runs[0].spec, runs[0])]
        for index, run in enumerate(runs):
            chart.show(run, pins if index % 2 else [])
            for view in views_for(chart.count)[:3]:
                chart.view = view
                chart.replot()
                assert chart._lines() == _whole_lines(chart), (index, view)


async def test_a_new_run_makes_lines_for_the_rows_not_drawn_lately_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A drawing looks the picture's lines up once (each line looked them up, asking the
    widget's size, theme and style again); a new picture makes only its changed rows."""
    app = ChartApp()
    async with app.run_test(size=(100, 30)) as pilot:
        chart = app.query_one(DescentChart)
        chart.show(lesson(0.05, 100_000))
        await pilot.pause()
        looked_up: list[int] = []
        original_lines = DescentChart._lines
        monkeypatch.setattr(
            DescentChart, "_lines", lambda self: (looked_up.append(1), original_lines(self))[1]
        )
        chart._styles_cache.clear()
        drawn = chart.render_lines(Region(0, 0, *chart.size))
        assert len(drawn) == chart.size.height and looked_up == [1]
        whole = _whole_lines(chart)
        assert [line.text.rstrip() for line in drawn] == [line.text.rstrip() for line in whole]
        made: list[int] = []
        original = chart_module.row_strip
        monkeypatch.setattr(
            chart_module, "row_strip", lambda row, y, *a: (made.append(y), original(row, y, *a))[1]
        )
        chart.show(lesson(0.0501, 100_000))  # settled at the same place: the same picture
        chart._lines()
        assert made == []
        chart.show(lesson(0.01))  # another picture: the lines of its changed rows are made
        lines = chart._lines()
        assert 0 < len(made) < len(lines), (made, len(lines))  # the frame, axes, legend kept
        made.clear()
        chart.show(lesson(0.05, 100_000))  # back to the first: its lines are still there
        assert chart._lines() == _whole_lines(chart)
        assert made == []


async def test_the_theory_is_wrapped_once_per_text_and_width_and_parsed_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A new text's height is asked twice (before and after) and again by the layout: it was
    wrapped each time. Counting its rows parsed each statement's markup, and showing it parsed
    them all again; the content shown is still the whole markup's."""
    app = ExplorerApp(PRESETS[1], show_timings=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_run(pilot)
        panel = app.explorer.query_one(TheoryPanel)
        width = panel.size.width
        wrapped: list[int] = []
        parsed: list[str] = []
        original, original_markup = Content.wrap, Content.from_markup

        def wrap(content: Content, *args: Any, **options: Any) -> Any:
            wrapped.append(1)
            return original(content, *args, **options)

        def from_markup(markup: str, **variables: Any) -> Content:
            parsed.append(markup)
            return original_markup(markup, **variables)

        monkeypatch.setattr(Content, "wrap", wrap)
        monkeypatch.setattr(Content, "from_markup", from_markup)
        text = "[b]q = 0.98[/b]: each step [i]multiplies[/i] it\nand [b]another[/b]"
        panel.update(text, layout=False)
        rows = panel._height(width)
        once = len(wrapped)
        assert rows == 2 and once > 0
        assert panel._height(width) == rows
        assert panel.get_content_height(Size(0, 0), Size(0, 0), width) == rows
        assert len(wrapped) == once
        shown = panel.render()
        # Each statement once, and the whole once (Static.update's own, not the panel's).
        assert sorted(parsed) == sorted([text, *text.split("\n")]), parsed
        assert shown == original_markup(text) and shown.spans == original_markup(text).spans


def spy_layouts(monkeypatch: pytest.MonkeyPatch, doing: Callable[[], object]) -> list[object]:
    """From now on, for each layout of a screen, what ``doing`` says was being done."""
    layouts: list[object] = []
    original = Screen._refresh_layout

    def refresh_layout(screen: Screen[Any], size: Size | None = None, scroll: bool = False) -> None:
        layouts.append(doing())
        original(screen, size, scroll)

    monkeypatch.setattr(Screen, "_refresh_layout", refresh_layout)
    return layouts


async def test_a_nudged_rate_keeps_the_theorys_rows_and_lays_out_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """At 120x40 the lesson's theory takes 3 rows at lr 0.01 and 4 at the next rate up (its
    numbers wrap it): back down, the panel keeps its 4 and the chart its height, with no
    layout of the screen. Other words are measured afresh."""
    app = ExplorerApp(PRESETS[1], show_timings=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_run(pilot)
        panel = app.explorer.query_one(TheoryPanel)
        chart = app.explorer.query_one(DescentChart)
        assert panel.size.height == 3
        app.explorer.query_one("#lr", Input).focus()
        await pilot.press("up")
        await wait_for_run(pilot)
        assert panel.size.height == 4
        tall_chart = chart.size.height
        layouts = spy_layouts(monkeypatch, lambda: "down")
        await pilot.press("down")
        await wait_for_run(pilot)
        assert app.explorer.query_one("#lr", Input).value == "0.01"
        assert (panel.size.height, chart.size.height, layouts) == (4, tall_chart, [])
        panel.update("one statement", layout=False)  # another theory
        assert panel._height(panel.size.width) == 1


async def test_a_nudge_reads_the_form_without_looking_for_its_fields(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The fields of the form are its own for its life: found once it is mounted, not in a walk
    of the whole form at every nudge. A field marked wrong still holds the run back."""
    from tui.app.widgets.params import ParamInput, ParamsForm

    app = FormOnly()
    async with app.run_test(size=(120, 40)) as pilot:
        walks: list[object] = []
        original = ParamsForm.query
        monkeypatch.setattr(
            ParamsForm, "query", lambda self, *a: (walks.append(a), original(self, *a))[1]
        )
        field = app.query_one("#lr", Input)
        field.focus()
        await pilot.pause()
        await pilot.press("up")
        await pilot.pause()
        assert not [a for a in walks if a and a[0] is ParamInput]
        assert app.changes and app.changes[-1].params.spec.lr == pytest.approx(0.0125893)
        app.changes.clear()
        app.query_one("#epochs", Input).add_class("-invalid")
        await pilot.press("up")
        await pilot.pause()
        assert app.changes == []


async def test_a_key_that_changes_a_fields_length_lays_out_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Textual 8.2.8's ``Input`` laid out the whole screen at each change of its text's length
    (its scrolling range is a reactive with ``layout=True``); a field of a fixed size has no
    need to (``ParamInput._watch_value``)."""
    app = FormOnly()
    async with app.run_test(size=(120, 40)) as pilot:
        field = app.query_one("#lr", Input)
        field.focus()
        await pilot.pause()
        key = ""
        layouts = spy_layouts(monkeypatch, lambda: key)
        texts = []
        for key in ("5", "5", "backspace", "up", "down", "ctrl+u"):
            await pilot.press(key)
            await pilot.pause()
            texts.append(field.value)
        assert texts == ["0.015", "0.0155", "0.015", "0.0188839", "0.015", ""]
        assert field.virtual_size.width == 1
        assert layouts == []


class LogOnly(App[None]):
    """Just the log table, 60 cells by 12 rows."""

    def compose(self) -> ComposeResult:
        yield LogTable(id="log")


def _log_text(table: LogTable) -> list[str]:
    """The table as drawn, a string per row."""
    return [line.text for line in table.render_lines(Region(0, 0, *table.size))]


async def test_a_new_run_of_other_widths_and_lengths_lays_out_nothing_in_the_log(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Textual 8.2.8 laid out the whole screen at each change of the log's scrolling range (a
    reactive with ``layout=True``): a third of a 20-step run's keys. A table of a fixed size
    has no need to, unless a scrollbar must show or hide; its range, its scrollbar and its
    offsets still follow the run."""
    app = LogOnly()
    short = made(0.1, np.linspace(3, 1, 5), np.linspace(9, 1, 5))
    wide = made(0.1, np.full(8, 12345.5), np.full(8, 98765.25))
    long = made(0.1, np.linspace(3, 1, 200), np.linspace(9, 1, 200))
    longer = made(0.1, np.linspace(3e4, 1, 300), np.linspace(9e8, 1, 300))
    async with app.run_test(size=(60, 12)) as pilot:
        table = app.query_one(LogTable)
        table.show(short)
        await pilot.pause()
        step = "wider, no scrollbar yet"
        layouts = spy_layouts(monkeypatch, lambda: step)
        narrow_width = table.virtual_size.width
        table.show(wide)
        await pilot.pause()
        assert table.virtual_size == Size(table._line_width() + 1, 9) != Size(narrow_width, 9)
        assert not table.show_vertical_scrollbar
        assert any("12345.5" in line for line in _log_text(table))
        assert layouts == []
        step = "a scrollbar shows"
        table.show(long)
        await pilot.pause()
        assert table.show_vertical_scrollbar and layouts  # it takes a column: a layout
        table.focus()
        await pilot.press("end")
        await pilot.pause()
        assert table.scroll_y == table.max_scroll_y == 201 - table.scrollable_content_region.height
        assert "200" in _log_text(table)[-1].split()
        layouts.clear()
        step = "longer and wider, the scrollbar stays"
        table.show(longer)
        await pilot.pause()
        assert table.virtual_size == Size(table._line_width() + 1, 301)
        assert table.max_scroll_y == 301 - table.scrollable_content_region.height
        await pilot.press("end")
        await pilot.pause()
        assert "300" in _log_text(table)[-1].split()
        assert layouts == []
        step = "back to five steps: the scrollbar goes, the offset comes back"
        table.show(short)
        await pilot.pause()
        assert not table.show_vertical_scrollbar and table.scroll_y == 0
        assert "5" in _log_text(table)[5].split()
