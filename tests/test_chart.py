"""The chart as a room reads it: the legend off the data, every series its own colour and
marker (with colour and under ``NO_COLOR``), readable ticks, and a note on the points left out.

The chart is fed made-up runs (the lesson's update in NumPy, or chosen values), so these tests
need no TensorFlow; they assert on plotext's state after a build and on the widget's text.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from plotext._utility import is_color
from textual.app import App, ComposeResult
from textual.geometry import Region

from tui.app.widgets.chart import DescentChart
from tui.app.widgets.chart_axes import linear_ticks
from tui.engine.losses import SEED_LOSS
from tui.engine.outcome import Outcome, Status
from tui.engine.result import RunResult
from tui.engine.spec import RunSpec
from tui.i18n import msg
from tui.model.pins import MAX_PINS, Pin
from tui.model.views import views_for


def made(lr: float, w: np.ndarray, loss: np.ndarray) -> RunResult:
    """A run of ``lr`` whose w and loss after each step are the given ones."""
    steps = len(w)
    rates = np.full(steps, lr, np.float32)
    return RunResult(
        spec=RunSpec(lr=lr, epochs=steps),
        loss_expr=SEED_LOSS,
        step=np.arange(1, steps + 1),
        w=np.asarray(w, np.float32),
        loss=np.asarray(loss, np.float32),
        lr=rates,
        lr64=rates.astype(np.float64),
        final_loss=np.float32(loss[-1]),
        final_grad=np.float32(0),
        status=Status(Outcome.CONVERGED, 1, msg("outcome.at_start", outcome="x")),
        backend="graph",
    )


def lesson(lr: float, steps: int = 20, w0: float = 5.0) -> RunResult:
    """The lesson's descent on (w + 1)**2 in float32 (close enough to draw)."""
    w, ws, losses = np.float32(w0), [], []
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(steps):
            losses.append((w + 1) * (w + 1))
            w = np.float32(w - np.float32(lr) * 2 * (w + 1))
            ws.append(w)
    return made(lr, np.array(ws), np.array(losses))


class ChartApp(App[None]):
    """Just the chart, filling the screen."""

    def compose(self) -> ComposeResult:
        yield DescentChart(id="chart")


def lines_of(chart: DescentChart) -> list[str]:
    """The chart as rendered, a string per row."""
    return [strip.text for strip in chart.render_lines(Region(0, 0, *chart.outer_size))]


def signals(chart: DescentChart) -> list[list[tuple[object, str]]]:
    """Per plot of the last build: (colour, marker) of each series plotext was given."""
    figure = chart.plt
    plots = [sub for row in figure.subfig for sub in row] if figure.subfig else [figure]
    return [
        [(c[0], m[0]) for c, m in zip(p.monitor.color, p.monitor.marker, strict=True)]
        for p in plots
    ]


def pins_of(*rates: float) -> list[Pin]:
    """A pin for each rate, numbered from 1, with its run."""
    return [Pin(n, RunSpec(lr=lr), lesson(lr)) for n, lr in enumerate(rates, start=1)]


async def test_the_legend_sits_under_the_plot_in_one_line_per_series() -> None:
    """plotext's legend took the top left corner, where every descent starts, a line per
    series (8 with 3 pins); the chart's own legend is under the plot, a line per series name."""
    app = ChartApp()
    async with app.run_test(size=(120, 40)) as pilot:
        chart = app.query_one(DescentChart)
        chart.show(lesson(0.2), pins_of(0.01, 0.99, 0.5))
        await pilot.pause()
        lines = lines_of(chart)
    bottom = max(i for i, line in enumerate(lines) if "└" in line)
    plot, under = lines[: bottom + 2], lines[bottom + 2 :]  # the frame, then the x tick labels
    assert not any("lr 0.01" in line or "#1" in line for line in plot), plot
    legend = [line for line in under if line.strip()]
    assert len(legend) == 2, under
    assert legend[0].startswith("loss") and legend[1].startswith("w"), legend
    for line in legend:
        assert "run" in line and "#1 lr 0.01" in line and "#3 lr 0.5" in line, line
    assert "x #1 lr 0.01" in legend[0] and "= #1 lr 0.01" in legend[1]  # each pin's own markers


async def test_a_narrow_chart_names_the_pins_by_number_as_their_table_does() -> None:
    app = ChartApp()
    async with app.run_test(size=(40, 30)) as pilot:
        chart = app.query_one(DescentChart)
        chart.show(lesson(0.2), pins_of(0.01, 0.99, 0.5))
        await pilot.pause()
        lines = lines_of(chart)
    legend = [line.rstrip() for line in lines if line.startswith(("loss", "w "))]
    assert legend == ["loss  ⢕ run  x #1  + #2  o #3", "w  • run  = #1  ~ #2  ^ #3"], lines[-3:]


@pytest.mark.parametrize("view", views_for(1))  # the landscape: test_landscape.py
@pytest.mark.parametrize("no_color", [False, True])
async def test_every_series_has_its_own_colour_and_marker(
    view: str, no_color: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Loss and w of one run, a pin's loss and w, and two pins: never one marker on one plot
    (which is all that tells them apart under ``NO_COLOR``), and with colour never one colour,
    each one plotext knows (it drew unknown names, ``yellow`` or ``bright-red``, in its default
    colour)."""
    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
    app = ChartApp()
    async with app.run_test(size=(120, 40)) as pilot:
        assert app.no_color is no_color
        chart = app.query_one(DescentChart)
        chart.view = view
        chart.show(lesson(0.2), pins_of(0.01, 0.99, 0.5, 0.3, 0.4, 0.6, 0.7, 0.8))
        await pilot.pause()
        lines_of(chart)
        plots = signals(chart)
        asked = [c.style.color for p in chart.panels for axis in p.axes for c in axis.curves]
    assert all(is_color(color) for color in asked), asked  # else plotext picks one
    assert len(plots) == (3 if view == "all" else 1)
    for drawn in plots:
        if view == "path":  # the run's zigzag: thin lines in its colour, under its points
            zigzag = next(i for i, (_, marker) in enumerate(drawn) if marker == "•") - 1
            assert drawn[zigzag][1] == "braille"
            del drawn[zigzag]
        expected = (1 + MAX_PINS) * (2 if view == "loss+w" else 1) + (view == "path")
        assert len(drawn) == expected, drawn
        markers = [marker for _, marker in drawn]
        assert len(set(markers)) == len(markers), drawn
        colors = [color for color, _ in drawn]
        if no_color:
            assert set(colors) == {"default"}, drawn
        else:
            assert len(set(colors)) == len(colors), drawn


async def test_each_series_marker_is_drawn_on_the_plot() -> None:
    app = ChartApp()
    async with app.run_test(size=(120, 40)) as pilot:
        chart = app.query_one(DescentChart)
        chart.show(lesson(0.2), pins_of(0.01, 0.3))
        await pilot.pause()
        text = "\n".join(lines_of(chart))
    plot = text.split("└")[0]
    for glyph in "x+=~":  # each drawn on the plot
        assert glyph in plot, glyph
    assert len(re.findall("[\u2801-\u28ff]", plot)) > 5  # the run's loss: braille dots
    assert plot.count("•") > 5  # its w: dots


@pytest.mark.parametrize(
    ("low", "high", "most", "labels"),
    [
        (-1.3e31, -1.1e31, 4, ["-1.3e31", "-1.2e31", "-1.1e31"]),
        (0.0, 1.3096726681010081e28, 4, ["0", "5e27", "1e28"]),
        (2e-5, 8e-5, 4, ["2e-5", "4e-5", "6e-5", "8e-5"]),
        (-0.3, 0.3, 5, ["-0.2", "0", "0.2"]),
        (-1.4, 37.4, 5, ["0", "10", "20", "30"]),
        (3.00562, 3.00571, 3, ["3.00565", "3.00570"]),
    ],
)
def test_ticks_are_short_round_and_never_minus_zero(
    low: float, high: float, most: int, labels: list[str]
) -> None:
    ticks, shown = linear_ticks(low, high, most)
    assert shown == labels
    slack = (high - low) * 1e-9  # k * step, rounded
    assert all(low - slack <= tick <= high + slack for tick in ticks)


@pytest.mark.parametrize(("low", "high"), [(0.5, 1.5), (1.0, 7.0), (1.0, 50.0), (1.0, 1e6)])
def test_step_ticks_are_whole_numbers(low: float, high: float) -> None:
    ticks, labels = linear_ticks(low, high, 10, whole=True)
    assert ticks and all(tick == int(tick) for tick in ticks), ticks
    assert all(re.fullmatch(r"\d+|\de\d+|\d\.\de\d+", label) for label in labels), labels
    assert len(ticks) == len(set(ticks))


def tick_labels(lines: list[str]) -> list[str]:
    """The numbers on the chart's axes: left of ┤, right of ├, under the frame."""
    left = [m.group(1) for line in lines if (m := re.match(r"\s*(\S+)\s*┤", line))]
    right = [m.group(1) for line in lines if (m := re.search(r"├(\S+)\s*$", line))]
    bottom = max(i for i, line in enumerate(lines) if "└" in line)
    return left + right + lines[bottom + 1].split()


async def test_a_divergent_run_keeps_its_ticks_short_and_says_what_is_left_out() -> None:
    """lr 1e30: w is -1.2e31 after one step, then inf, then nan. plotext labelled the w axis
    with 29 digits and squeezed the plot; the note that points were left out was kept in an
    attribute nobody showed."""
    w = np.array([-1.2e31, np.inf, *[np.nan] * 48])
    loss = np.array([36.0, np.inf, np.inf, *[np.nan] * 47])
    app = ChartApp()
    async with app.run_test(size=(100, 30)) as pilot:
        chart = app.query_one(DescentChart)
        chart.show(made(1e30, w, loss))
        await pilot.pause()
        lines = lines_of(chart)
    labels = tick_labels(lines)
    assert labels and all(len(label) <= 8 for label in labels), labels
    assert any(label.endswith("e31") for label in labels), labels
    assert "-0" not in labels and "-0.0" not in labels
    steps = tick_labels(lines)[-1:]
    assert all(label.isdigit() for label in steps), steps
    text = "\n".join(lines)
    assert "loss: inf/nan not drawn (49/50 steps)" in text
    assert "w: inf/nan not drawn (49/50 steps)" in text


async def test_the_note_on_the_log_scale_counts_each_series_left_out() -> None:
    """A loss of exactly 0 has no log: how many such points, of which series, and why."""
    run = lesson(0.5)  # lr 1/L: w = -1 after one step, a loss of exactly 0 from the second on
    assert (run.loss[1:] == 0).all()
    pins = [Pin(1, RunSpec(lr=0.01), lesson(0.01)), Pin(2, RunSpec(lr=0.5), lesson(0.5, 10))]
    app = ChartApp()
    async with app.run_test(size=(120, 40)) as pilot:
        chart = app.query_one(DescentChart)
        chart.log_loss = True
        chart.show(run, pins)
        await pilot.pause()
        text = "\n".join(lines_of(chart))
    assert "loss <= 0 not drawn on the log scale (loss: 19/20 steps)" in text
    assert "loss <= 0 not drawn on the log scale (#2 loss: 9/10 steps)" in text
    assert "#1" not in chart.note  # pin 1 has no zero to leave out


async def test_a_short_chart_keeps_a_note_that_points_are_left_out() -> None:
    """Room for one line of notes under the plot: the first, cut with an ellipsis."""
    nan = np.full(5, np.nan)
    app = ChartApp()
    async with app.run_test(size=(50, 8)) as pilot:
        chart = app.query_one(DescentChart)
        chart.show(made(1.0, nan, nan))
        await pilot.pause()
        lines = lines_of(chart)
    assert len(chart.notes) == 2
    assert lines[6].startswith("loss: inf/nan not drawn (5/5 steps)"), lines
    assert lines[6].rstrip().endswith("…"), lines
    assert lines[7].startswith("loss/w  ⢕/•run"), lines


async def test_notes_wrap_at_words_and_more_than_fit_end_in_an_ellipsis() -> None:
    nan = np.full(5, np.nan)
    runs = [made(lr, nan, nan) for lr in (1.0, 2.0, 3.0)]
    pins = [Pin(n, run.spec, run) for n, run in enumerate(runs[1:], start=1)]
    app = ChartApp()
    async with app.run_test(size=(30, 40)) as pilot:
        chart = app.query_one(DescentChart)
        chart.show(runs[0], pins)
        await pilot.pause()
        lines = [line.rstrip() for line in lines_of(chart)]
    assert len(chart.notes) == 6  # loss and w of three runs
    first = lines.index("loss: inf/nan not drawn (5/5")
    notes = lines[first : first + 4]
    assert notes[3].startswith("loss"), lines  # the legend
    assert notes[:3] == ["loss: inf/nan not drawn (5/5", "steps)", "#1 loss: inf/nan not drawn…"]


@pytest.mark.parametrize("width", [80, 120])
async def test_a_small_chart_keeps_its_plot_rows(width: int) -> None:
    """The notes and the legend give way before the plot does."""
    app = ChartApp()
    async with app.run_test(size=(width, 7)) as pilot:
        chart = app.query_one(DescentChart)
        chart.show(lesson(0.2), pins_of(0.01, 0.99))
        await pilot.pause()
        lines = lines_of(chart)
    assert len(lines) == 7
    bottom = max(i for i, line in enumerate(lines) if "└" in line)
    assert bottom + 2 == 6  # the plot's rows, its x tick labels included
    assert lines[6].startswith("loss/w  ⢕/•run  x/=#1  +/~#2"), lines  # one line for both


async def test_the_lr_plot_keeps_the_critical_and_optimal_rates_in_view() -> None:
    """The rates' lines lie outside the range of a run's rates (0.2 against 0.5 and 1):
    the axis takes them in, or the lines and their labels would be drawn off the plot."""
    app = ChartApp()
    async with app.run_test(size=(100, 24)) as pilot:
        chart = app.query_one(DescentChart)
        chart.view = "lr"
        chart.show(lesson(0.2), (), {"critical 2/L": 1.0, "optimal 1/L": 0.5})
        await pilot.pause()
        lines = lines_of(chart)
    bottom = max(i for i, line in enumerate(lines) if "└" in line)
    plot = "\n".join(lines[:bottom])
    assert "critical 2/L" in plot and "optimal 1/L" in plot, plot


async def test_a_playback_frame_counts_the_points_left_out_so_far() -> None:
    """During playback the note counts the steps shown, from counts kept per block of the
    whole run (a frame of a long run makes no pass over all its steps)."""
    steps = 1000
    w = np.linspace(5.0, -1.0, steps)
    loss = (w + 1) ** 2
    w[[3, 300, 301, 650, 900]] = np.nan  # 4 of them in the first 700 steps
    loss[[10, 699]] = np.inf
    run = made(0.1, w, loss)
    app = ChartApp()
    async with app.run_test(size=(120, 40)) as pilot:
        chart = app.query_one(DescentChart)
        chart.show(run.prefix(700), whole=[run])
        await pilot.pause()
        frame = chart.note
        chart.show(run)
        await pilot.pause()
        whole = chart.note
    assert frame == ("loss: inf/nan not drawn (2/700 steps); w: inf/nan not drawn (4/700 steps)"), (
        frame
    )
    assert whole == (
        "loss: inf/nan not drawn (2/1000 steps); w: inf/nan not drawn (5/1000 steps)"
    ), whole
