"""The landscape view of a loss of two parameters: contourpy's level lines, the known minimum,
the paths of the run and the pins (markers that differ without colour), and playback on it."""

from __future__ import annotations

import numpy as np
import pytest
from app_helpers import type_into, wait_for_run, wait_until
from test_chart import ChartApp, lesson, lines_of, signals

from tui.app.app import ExplorerApp
from tui.app.widgets.chart import DescentChart
from tui.app.widgets.chart_landscape import (
    HEAD_MARKER,
    MINIMUM_STYLE,
    LandscapePanel,
    known_minimum,
    level_lines,
    levels,
    thinned,
)
from tui.engine.losses import parse_loss
from tui.engine.outcome import Outcome, Status
from tui.engine.result import RunResult
from tui.engine.spec import RunSpec
from tui.i18n import msg, t
from tui.model.params import PRESETS
from tui.model.pins import Pin

BOWL = "(w1 + 1)**2 + 10*(w2 - 1)**2"


def bowl_run(lr: float, steps: int = 20, start: tuple[float, float] = (5.0, 2.0)) -> RunResult:
    """Plain descent on :data:`BOWL` in float32 (close enough to draw)."""
    w1, w2 = np.float32(start[0]), np.float32(start[1])
    ws1, ws2, losses = [], [], []
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(steps):
            losses.append((w1 + 1) ** 2 + 10 * (w2 - 1) ** 2)
            w1, w2 = w1 - np.float32(lr) * 2 * (w1 + 1), w2 - np.float32(lr) * 20 * (w2 - 1)
            ws1.append(np.float32(w1))
            ws2.append(np.float32(w2))
    rates = np.full(steps, lr, np.float32)
    return RunResult(
        spec=RunSpec(w0=start[0], start2=start[1], lr=lr, epochs=steps),
        loss_expr=BOWL,
        step=np.arange(1, steps + 1),
        w=np.array(ws1, np.float32),
        w2=np.array(ws2, np.float32),
        loss=np.array(losses, np.float32),
        lr=rates,
        lr64=rates.astype(np.float64),
        final_loss=np.float32(losses[-1]),
        final_grad=np.float32(0),
        final_grad2=np.float32(0),
        status=Status(Outcome.CONVERGED, 1, msg("outcome.at_start", outcome="x")),
        backend="graph",
    )


def test_level_lines_of_a_stretched_bowl_are_its_ellipses() -> None:
    """Level c of (w1 + 1)**2 + 10*(w2 - 1)**2 is the ellipse about (-1, 1) with half-axes
    sqrt(c) along w1 and sqrt(c/10) along w2."""
    chosen, log, lines = level_lines(parse_loss(BOWL).program, (-4.0, 2.0), (-1.0, 3.0))
    assert len(chosen) == len(lines) > 3 and log
    for level, per_level in zip(chosen, lines, strict=True):
        assert per_level, level
        points = np.concatenate(per_level)
        x, y = points[:, 0], points[:, 1]
        assert np.allclose((x + 1) ** 2 + 10 * (y - 1) ** 2, level, rtol=0.03, atol=1e-3)
        if np.sqrt(level) < 2.5:  # the whole ellipse is inside the region: its axes
            assert x.max() - x.min() == pytest.approx(2 * np.sqrt(level), rel=0.03)
            assert y.max() - y.min() == pytest.approx(2 * np.sqrt(level / 10), rel=0.03)
            assert (x.max() + x.min()) / 2 == pytest.approx(-1.0, abs=0.02)


def test_levels_are_log_spaced_only_where_the_loss_spans_decades() -> None:
    chosen, log = levels(np.geomspace(1e-4, 1e3, 500))
    offsets = np.log(chosen - 1e-4)  # above the lowest value, evenly on a log scale
    assert log and np.allclose(np.diff(offsets), offsets[1] - offsets[0])
    chosen, log = levels(np.linspace(10.0, 11.0, 500))
    assert not log and np.allclose(np.diff(chosen), chosen[1] - chosen[0])
    assert levels(np.full(10, np.nan))[0].size == 0


def test_the_minimum_is_marked_only_where_the_theory_knows_it() -> None:
    assert known_minimum(parse_loss(BOWL)) == (-1.0, 1.0)
    assert known_minimum(parse_loss("(1 - w1)**2 + 100*(w2 - w1**2)**2")) is None
    assert known_minimum(parse_loss("w1**2 - w2**2")) is None  # a saddle has none


def test_a_long_path_is_thinned_to_the_cells_keeping_its_ends() -> None:
    path = np.column_stack([np.arange(10_000.0), np.arange(10_000.0)])
    kept = thinned(path, 300)
    assert len(kept) <= 300 and kept[0, 0] == 0 and kept[-1, 0] == 9999


def pins_of(*rates: float) -> list[Pin]:
    return [Pin(n, RunSpec(lr=lr, start2=2.0), bowl_run(lr)) for n, lr in enumerate(rates, 1)]


@pytest.mark.parametrize("no_color", [False, True])
async def test_each_path_has_its_own_marker_and_colour_on_the_landscape(
    no_color: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
    app = ChartApp()
    async with app.run_test(size=(80, 24)) as pilot:
        chart = app.query_one(DescentChart)
        chart.show(bowl_run(0.095), pins_of(0.01, 0.05))
        await pilot.pause()
        assert chart.view == "landscape"  # a loss of two opens on it
        text = "\n".join(lines_of(chart))
        (drawn,) = signals(chart)
        panel = chart.panels[0]
    assert isinstance(panel, LandscapePanel)
    markers = [marker for _, marker in drawn if marker != "braille"]
    # Each path's points, then each head, then the minimum: the paths' markers all differ.
    assert markers == ["•", "x", "+", HEAD_MARKER, HEAD_MARKER, HEAD_MARKER, MINIMUM_STYLE.marker]
    colors = [color for color, marker in drawn if marker not in ("braille", HEAD_MARKER)]
    if no_color:
        assert {color for color, _ in drawn} == {"default"}
    else:
        assert len(set(colors)) == len(colors), drawn
    plot = text.split("└")[0]
    for glyph in ("•", "x", "+", HEAD_MARKER, MINIMUM_STYLE.marker):
        assert glyph in plot, glyph
    assert "log levels 0.2–48" in text and t("chart.landscape.minimum") in text  # the legend


async def test_a_path_to_inf_draws_what_is_finite_and_says_so() -> None:
    app = ChartApp()
    async with app.run_test(size=(120, 40)) as pilot:
        chart = app.query_one(DescentChart)
        run = bowl_run(0.5, steps=60)  # w2 blows up: |1 - 0.5*20| > 1
        chart.show(run)
        await pilot.pause()
        text = "\n".join(lines_of(chart))
        path = chart.panels[0].paths[0]
    finite = np.isfinite(run.w) & np.isfinite(run.w2)
    assert 0 < np.count_nonzero(~finite) < 60
    assert path.x.size == 1 + np.count_nonzero(finite)
    left = np.count_nonzero(~finite)
    assert f"inf/nan not drawn (run: {left}/60 steps)" in text and chart.note


async def test_typing_a_loss_of_two_shows_the_landscape_pins_and_playback_on_it() -> None:
    app = ExplorerApp(PRESETS[1], show_timings=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_run(pilot)
        chart = app.query_one(DescentChart)
        assert chart.view == "loss+w"
        await type_into(pilot, "loss", BOWL)
        await type_into(pilot, "w2", "2")
        await type_into(pilot, "lr", "0.095")
        await wait_for_run(pilot)
        assert chart.view == "landscape" and isinstance(chart.panels[0], LandscapePanel)
        assert chart.panels[0].minimum == (-1.0, 1.0)
        await pilot.press("escape", "p")  # pin this run
        await type_into(pilot, "lr", "0.02")
        await wait_for_run(pilot)
        await pilot.press("escape")
        await wait_until(pilot, lambda: len(chart.panels[0].paths) == 2, what="the pin drawn")
        paths = chart.panels[0].paths
        assert len(paths[1].x) == 21 and paths[1].short == "#1"
        # Playback: to the first step, then two on; the head walks the path.
        await pilot.press("left_square_bracket")
        await pilot.pause()
        assert len(chart.panels[0].paths[0].x) == 2  # the start and step 1
        await pilot.press("full_stop", "full_stop")
        await pilot.pause()
        head = chart.panels[0].paths[0]
        assert len(head.x) == 4
        # The region stays the whole runs' while the paths walk.
        spans = chart.panels[0].spans
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert chart.panels[0].spans == spans and len(chart.panels[0].paths[0].x) == 21
        # The view key cycles the views of a loss of two (no path view of loss against w).
        seen = []
        for _ in range(6):
            await pilot.press("v")
            seen.append(chart.view)
        assert "path" not in seen and seen[-1] == "landscape"


@pytest.mark.parametrize("no_color", [False, True])
async def test_the_w_view_of_a_loss_of_two_draws_w1_and_w2_each_with_its_own_marker(
    no_color: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
    app = ChartApp()
    async with app.run_test(size=(100, 30)) as pilot:
        chart = app.query_one(DescentChart)
        run = bowl_run(0.095)
        chart.show(run, pins_of(0.01, 0.05))
        chart.view = "w"
        await pilot.pause()
        text = "\n".join(lines_of(chart))
        (drawn,) = signals(chart)
        (panel,) = chart.panels
    assert [axis.name for axis in panel.axes] == ["w1", "w2"]
    assert [axis.yside for axis in panel.axes] == ["left", "right"]
    w2 = panel.axes[1].curves[0]
    assert np.array_equal(w2.y, run.w2.astype(np.float64)) and w2.x[-1] == 20
    markers = [marker for _, marker in drawn]
    assert len(drawn) == 6 and len(set(markers)) == 6, drawn
    if no_color:
        assert {color for color, _ in drawn} == {"default"}
    else:
        assert len({color for color, _ in drawn}) == 6, drawn
    assert any(line.startswith("w1 ") for line in text.splitlines())
    assert any(line.startswith("w2 ") for line in text.splitlines())


async def test_a_chosen_view_the_new_loss_has_too_stays_and_one_it_has_not_gives_way() -> None:
    app = ChartApp()
    async with app.run_test(size=(100, 30)) as pilot:
        chart = app.query_one(DescentChart)
        chart.view = "w"  # as a session restores it, before its run is shown
        chart.show(bowl_run(0.05))
        await pilot.pause()
        assert chart.view == "w"
        chart.view = "path"  # the loss against w: not for a loss of two
        await pilot.pause()
        assert chart.view == "landscape" and isinstance(chart.panels[0], LandscapePanel)
        chart.show(lesson(0.2))  # a loss of w: the landscape gives way to loss and w
        await pilot.pause()
        assert chart.view == "loss+w"
        chart.show(bowl_run(0.05))  # and the loss of two opens on it again
        await pilot.pause()
        assert chart.view == "landscape"


async def test_the_notes_of_a_loss_of_two_name_w1_and_w2() -> None:
    app = ChartApp()
    async with app.run_test(size=(120, 40)) as pilot:
        chart = app.query_one(DescentChart)
        chart.show(bowl_run(1.5, steps=200))  # both blow up: factors -2 and -29 a step
        chart.view = "w"
        await pilot.pause()
        notes = chart.notes
    assert any(note.startswith("w1: inf/nan not drawn") for note in notes), notes
    assert any(note.startswith("w2: inf/nan not drawn") for note in notes), notes
    assert not any(note.startswith("w: ") for note in notes), notes
