"""Playback: the run step by step, pause, back and on, start and end, speed, demo mode."""

from __future__ import annotations

import numpy as np
import pytest
from app_helpers import seed_row_values, table_lines, wait_for_run, wait_until
from textual.widgets import Digits, Input

from tui.app import ExplorerApp
from tui.app.widgets.playback import SPEEDS, PlaybackBar, digits_text, fitted
from tui.engine import descent
from tui.engine.spec import RunSpec
from tui.model.params import PRESETS


def bar(app: ExplorerApp) -> PlaybackBar:
    """The playback bar."""
    return app.query_one(PlaybackBar)


def readout(app: ExplorerApp, name: str) -> str:
    """What the large readout ``name`` shows."""
    return app.query_one(f"#digits-{name}", Digits).value


def test_a_prefix_keeps_the_first_steps_and_the_loss_after_them() -> None:
    result = descent.run(RunSpec(lr=0.99))
    part = result.prefix(5)
    assert part.w.tolist() == result.w[:5].tolist()
    assert part.lr64.tolist() == result.lr64[:5].tolist()
    assert part.final_loss == result.loss[5]
    assert result.prefix(0).w.size == 1 and result.prefix(99) is result


def test_readout_numbers_fit_their_width() -> None:
    assert fitted(0.99, 6, 100) == "0.990000"
    assert fitted(0.99, 6, 19) == "0.99000"  # 3 cells a digit, 1 for the point
    assert fitted(0.99, 6, 18) == "0.9900"
    assert fitted(-6.880001, 4, 10) == "-6.9"


def test_digits_text_uses_only_characters_digits_can_draw() -> None:
    assert digits_text(4.315056) == "4.3151"
    assert digits_text(-6.88) == "-6.8800"
    assert digits_text(1.5e9) == "1.500E+09"
    assert digits_text(float("nan")) == "---"


async def test_play_fills_in_the_seeds_table_step_by_step_and_pause_holds(
    seed_lines_expected,
) -> None:
    app = ExplorerApp(PRESETS[2])
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_run(pilot)
        await pilot.press("escape", "space")
        await wait_until(pilot, lambda: (bar(app).shown or 0) >= 3, 20, "three steps played")
        await pilot.press("space")
        held = bar(app).shown
        assert not bar(app).playing
        for _ in range(10):  # several timer periods go by: a paused run stays where it is
            await pilot.pause(0.06)
        assert bar(app).shown == held
        rows = [line.split() for line in table_lines(app)]
        expected = [seed_row_values(line) for line in seed_lines_expected[1][:held]]
        assert [tuple(row[:3]) for row in rows] == expected
        step, w, loss = expected[-1]
        assert readout(app, "step") == step
        assert readout(app, "w") == digits_text(float(w))
        assert readout(app, "loss") == digits_text(float(loss))


async def test_step_back_and_on_start_and_end() -> None:
    app = ExplorerApp(PRESETS[1])
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_run(pilot)
        await pilot.press("escape", "left_square_bracket")
        assert bar(app).shown == 1 and app.query_one("#log").rows == 1
        await pilot.press("full_stop", "full_stop", "full_stop", "comma")
        assert bar(app).shown == 3 and app.query_one("#log").rows == 3
        assert readout(app, "step") == "3"
        await pilot.press("comma", "comma", "comma")
        assert bar(app).shown == 1, "never before the first step"
        await pilot.press("right_square_bracket")
        assert bar(app).shown is None and app.query_one("#log").rows == 20
        assert not bar(app).has_class("-shown")
        await pilot.press("comma")
        assert bar(app).shown == 19, "back from the whole run: the step before the last"


async def test_faster_plays_to_the_end_and_stops_there() -> None:
    app = ExplorerApp(PRESETS[3])
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_run(pilot)
        await pilot.press("escape", *["greater_than_sign"] * 20)
        assert bar(app).speed == len(SPEEDS) - 1
        await pilot.press("less_than_sign")
        assert bar(app).speed == len(SPEEDS) - 2
        await pilot.press("space")
        await wait_until(pilot, lambda: not bar(app).playing, 20, "the end of the run")
        assert bar(app).shown == 20 and app.query_one("#log").rows == 20
        # Playing again from the end starts over (slowly: 1 step a second).
        await pilot.press(*["less_than_sign"] * 20, "space")
        assert bar(app).speed == 0
        assert bar(app).playing and bar(app).shown == 1


async def test_a_new_run_keeps_the_step_playback_has_reached() -> None:
    app = ExplorerApp(PRESETS[1])
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_run(pilot)
        await pilot.press("escape", "left_square_bracket", *["full_stop"] * 4)
        assert bar(app).shown == 5
        await pilot.press("2")  # lr 0.99
        await wait_for_run(pilot)
        assert bar(app).shown == 5 and app.query_one("#log").rows == 5
        assert float(readout(app, "lr")) == 0.99  # as many decimals as the width allows


async def test_demo_mode_hides_the_fields_and_shows_the_readout() -> None:
    app = ExplorerApp(PRESETS[1])
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_run(pilot)
        assert app.query_one("#params").display
        assert not bar(app).display
        await pilot.press("f", "d")  # in the lr field: d is typed there, not a key
        assert app.query_one("#params").display
        await pilot.press("escape", "d")
        assert not app.query_one("#params").display
        assert bar(app).display and app.query_one("#chart").display
        assert readout(app, "step") == "20"
        await pilot.press("d")
        assert app.query_one("#params").display and not bar(app).display


async def test_space_in_a_text_field_is_a_space_not_play() -> None:
    app = ExplorerApp(PRESETS[1])
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_run(pilot)
        field = app.query_one("#loss", Input)
        field.focus()
        field.cursor_position = len(field.value)
        await pilot.press("space", "plus", "space", "0")
        assert field.value == "(w + 1)**2 + 0"
        assert bar(app).shown is None and not bar(app).playing


@pytest.mark.parametrize("shown", [1, 700, 5_000, 65_537, 200_000])
def test_a_long_runs_prefix_is_thinned_keeping_its_extremes(shown: int) -> None:
    from tui.app.widgets.chart_points import MAX_POINTS, Blocks

    result = descent.run(RunSpec(lr=0.999, epochs=200_000, w0=3.0), "sin(5*w) + 0.01*w**2")
    step, w, loss, _ = Blocks(result).points(shown)
    assert len(step) <= max(MAX_POINTS + 3, shown) and step[-1] == shown
    assert np.all(np.diff(step) > 0) and step.max() <= shown
    assert w.min() == result.w[:shown].min() and w.max() == result.w[:shown].max()
    assert loss.min() == result.loss[:shown].min() and loss.max() == result.loss[:shown].max()
