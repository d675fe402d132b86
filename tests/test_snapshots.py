"""How the explorer looks: SVG snapshots, taken once TensorFlow and the run are done.

Update them after a deliberate change of looks with ``pytest tests/test_snapshots.py
--snapshot-update`` and review the SVGs in ``tests/__snapshots__``.
"""

from __future__ import annotations

import numpy as np
import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from tui.app.app import ExplorerApp
from tui.app.pilot_helpers import wait_for_run, wait_for_update, wait_until
from tui.engine.losses import SEED_LOSS
from tui.engine.spec import RunSpec, Schedule
from tui.model.params import PRESETS, Params


async def settle(pilot: Pilot) -> None:
    """No blinking cursor, the engine loaded, the newest run on screen."""
    for field in pilot.app.query(Input):
        field.cursor_blink = False
    await wait_for_run(pilot)
    await pilot.pause()


@pytest.mark.parametrize(("preset", "size"), [(2, (120, 40)), (3, (80, 24))])
def test_lesson_runs(snap_compare, preset: int, size: tuple[int, int]) -> None:
    app = ExplorerApp(PRESETS[preset], show_timings=False)
    assert snap_compare(app, terminal_size=size, run_before=settle)


def test_invalid_field(snap_compare) -> None:
    async def type_bad_loss(pilot: Pilot) -> None:
        await settle(pilot)
        pilot.app.query_one("#loss", Input).focus()
        pilot.app.query_one("#loss", Input).value = "(w + 1)**2 + x"
        await pilot.pause()

    app = ExplorerApp(PRESETS[1], show_timings=False)
    assert snap_compare(app, terminal_size=(100, 30), run_before=type_bad_loss)


def test_log_scale_and_all_view(snap_compare) -> None:
    async def views(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("escape", "l", "v")
        await pilot.pause()

    app = ExplorerApp(PRESETS[3], show_timings=False)
    assert snap_compare(app, terminal_size=(120, 40), run_before=views)


def test_pinned_comparison(snap_compare) -> None:
    async def pin_two(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("escape")
        for key in ("2", "3"):
            await pilot.press("p", key)
            await wait_for_run(pilot)
        await pilot.pause()

    app = ExplorerApp(PRESETS[1], show_timings=False)
    assert snap_compare(app, terminal_size=(120, 40), run_before=pin_two)


def test_sweep_view(snap_compare) -> None:
    async def sweep(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("escape", "s")
        app = pilot.app
        await wait_until(pilot, lambda: getattr(app.screen, "sweep", None) is not None)
        await pilot.pause()

    app = ExplorerApp(PRESETS[1], show_timings=False)
    assert snap_compare(app, terminal_size=(120, 40), run_before=sweep)


def test_path_view(snap_compare) -> None:
    async def path(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("escape", "p", "1")
        await wait_for_run(pilot)
        chart = pilot.app.query_one("#chart")
        while chart.view != "path":
            await pilot.press("v")
        await pilot.pause()

    app = ExplorerApp(PRESETS[2], show_timings=False)
    assert snap_compare(app, terminal_size=(120, 40), run_before=path)


def test_schedule_and_optimizer_comparison(snap_compare) -> None:
    """Cosine with warm-up under Adam, pinned, against the lesson's plain constant rate."""

    async def pin_then_plain(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("escape", "p")
        await settle(pilot)
        app = pilot.app
        app.query_one("#schedule").value = "constant"  # type: ignore[attr-defined]
        app.query_one("#optimizer").value = "gd"  # type: ignore[attr-defined]
        await pilot.pause()
        await settle(pilot)
        chart = pilot.app.query_one("#chart")
        while chart.view != "lr":  # the schedules side by side
            await pilot.press("v")
        await pilot.pause()

    spec = RunSpec(
        lr=0.3,
        epochs=60,
        schedule=Schedule("cosine", steps=40.0, alpha=0.1),
        warmup=5,
        optimizer="adam",
    )
    app = ExplorerApp(Params(spec, SEED_LOSS), show_timings=False)
    assert snap_compare(app, terminal_size=(120, 44), run_before=pin_then_plain)


def test_demo_mode_paused_mid_run(snap_compare) -> None:
    async def demo(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("escape", "d", "left_square_bracket", *["full_stop"] * 6)
        await wait_for_update(pilot)  # the step's update, its gradient from the engine
        await pilot.pause()

    app = ExplorerApp(PRESETS[2], show_timings=False)
    assert snap_compare(app, terminal_size=(100, 30), run_before=demo)


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
def test_the_lesson_in_chinese(snap_compare, size: tuple[int, int]) -> None:
    """The decay experiment in Chinese: the lesson's sentences in the log, the fields, footer."""
    app = ExplorerApp(PRESETS[3], show_timings=False, language="zh")
    assert snap_compare(app, terminal_size=size, run_before=settle)


def test_chinese_comparison_paused(snap_compare) -> None:
    async def pin_and_pause(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("escape", "p", "2")
        await wait_for_run(pilot)
        await pilot.press("left_square_bracket", *["full_stop"] * 4)
        await wait_for_update(pilot)  # the step's update, its gradient from the engine
        await pilot.pause()

    app = ExplorerApp(PRESETS[1], show_timings=False, language="zh")
    assert snap_compare(app, terminal_size=(120, 40), run_before=pin_and_pause)


def test_chinese_help(snap_compare) -> None:
    async def help_page(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("escape", "question_mark")
        await pilot.pause()

    app = ExplorerApp(PRESETS[1], show_timings=False, language="zh")
    assert snap_compare(app, terminal_size=(100, 30), run_before=help_page)


# --- The numbers of the snapshots, checked as values ---------------------------------------
# A snapshot is made by the code itself: after a library bump, ``--snapshot-update`` would take
# a wrong number as readily as a right one. These tests set up the same screens and check the
# numbers they show against computations made here.


async def test_the_sweep_views_numbers() -> None:
    """The range test of the sweep snapshot: its suggestions and cursor readout are those of
    the same sweep computed here (suggest() itself is checked on known curves in
    test_sweep.py), and the theory's rates are the lesson's (L = 2 for (w+1)^2)."""
    import re

    from textual.widgets import Static

    from tui.engine.sweep import log_rates, suggest, sweep

    expected = sweep(PRESETS[1].spec, log_rates(1e-4, 2.0, 200), SEED_LOSS)
    picks = suggest(expected)
    app = ExplorerApp(PRESETS[1], show_timings=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("escape", "s")
        await wait_until(pilot, lambda: getattr(app.screen, "sweep", None) is not None)
        await pilot.pause()
        shown = app.screen.sweep
        info = str(app.screen.query_one("#sweep-info", Static).content)
    assert shown.final_loss.tobytes() == expected.final_loss.tobytes()
    assert shown.steps_to_tol.tolist() == expected.steps_to_tol.tolist()
    assert f"best measured {picks.best:.4g}" in info, info
    assert f"steepest descent {picks.steepest:.4g}" in info, info
    assert f"min/10 {picks.min_over_10:.4g}" in info, info
    assert "optimal 1/L = 0.5 " in info and "critical 2/L = 1 " in info, info
    # The cursor starts on the best rate: its readout is that run's.
    index = int(np.argmin(np.abs(expected.lrs - picks.best)))
    loss, steps = float(expected.final_loss[index]), int(expected.steps_to_tol[index])
    assert f"lr {expected.lrs[index]:.4g}[/b]: final loss {loss:g}, steps to 1e-06: " in info
    assert re.search(rf"steps to 1e-06: {steps if steps >= 0 else 'never'},", info), info
    # And the best of 20 steps on (w+1)^2 is the grid's rate nearest 1/L in |1 - 2 lr|.
    assert picks.best == expected.lrs[np.argmin(np.abs(1 - 2 * expected.lrs))]


async def test_the_log_scale_axis_is_labelled_by_the_runs_decades() -> None:
    """The log-scale snapshot's loss axis: its labels are powers of ten, 1eK, within the run's
    own range of loss (computed here), and they cover it to within one label stride."""
    import math
    import re

    from textual.geometry import Region

    from tui.app.widgets.chart import DescentChart
    from tui.engine import descent

    run = descent.run(PRESETS[3].spec)
    low = math.log10(float(run.loss.min()))
    high = math.log10(float(run.loss.max()))
    app = ExplorerApp(PRESETS[3], show_timings=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("escape", "l")
        await pilot.pause()
        chart = app.query_one(DescentChart)
        assert chart.log_loss and chart.view == "loss+w"
        text = "\n".join(s.text for s in chart.render_lines(Region(0, 0, *chart.outer_size)))
    labels = sorted({int(k) for k in re.findall(r"(?<![\d.])1e(-?\d+)\b", text)})
    assert len(labels) >= 3, text
    assert all(math.ceil(low) <= k <= math.floor(high) for k in labels), (labels, low, high)
    stride = labels[1] - labels[0]
    assert labels == list(range(labels[0], labels[-1] + 1, stride))
    assert labels[0] - stride < low and labels[-1] + stride > high
