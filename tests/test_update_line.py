"""Playback's written-out update: the step's ``w − lr × ∂loss/∂w`` with the log's digits, in
English and Chinese, following the step; the truth for other optimizers; an 80x24 snapshot."""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pytest
from app_helpers import table_lines, wait_for_run
from textual.pilot import Pilot
from textual.widgets import Input

from tui.app import ExplorerApp
from tui.app.messages import Replied
from tui.app.pilot_helpers import wait_for_update
from tui.app.widgets.playback import PlaybackBar
from tui.app.widgets.update_line import UpdateLine, holds, update_text
from tui.engine import descent
from tui.engine.gradients import gradients
from tui.engine.protocol import EngineReady
from tui.engine.spec import RunSpec
from tui.model.params import PRESETS
from tui.readable import readable


def line_text(app: ExplorerApp) -> str:
    """What the update line shows, as plain text."""
    return str(app.screen.query_one(UpdateLine).render())


def log_w(app: ExplorerApp, step: int) -> str:
    """The w the log table prints for ``step`` (1-based): its column, or in Chinese the
    lesson's sentence."""
    row = table_lines(app)[step - 1]
    sentence = re.search(r"w是\s*([^,，\s]+)", row)
    return sentence.group(1) if sentence else row.split()[1]


def expected_gd(app: ExplorerApp, step: int, template: str) -> str:
    """The update of ``step`` written with the log's numbers (and the engine's gradient)."""
    result = app.screen.current
    before = result.spec.w0 if step == 1 else float(result.w[step - 2])
    (g,) = gradients(result.loss_expr, [before])
    lr = readable(float(result.rates[step - 1]))
    return template.format(
        step=step, w=readable(before), lr=lr, g=readable(float(g)), after=log_w(app, step)
    )


EN = "step {step}:  w − lr × ∂loss/∂w = {w} − {lr} × {g} = {after}"
ZH = "第 {step} 步：w − lr × ∂loss/∂w = {w} − {lr} × {g} = {after}"


async def go_to(pilot: Pilot, step: int) -> None:
    """Pause playback on ``step`` and wait for its update to be written out."""
    await pilot.press("left_square_bracket", *["full_stop"] * (step - 1))
    await wait_for_update(pilot)


@pytest.mark.parametrize(("language", "template"), [("en", EN), ("zh", ZH)])
async def test_playback_writes_out_the_steps_update_with_the_logs_digits(
    language: str, template: str
) -> None:
    app = ExplorerApp(PRESETS[1], language=language)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_run(pilot)
        await go_to(pilot, 5)
        assert app.screen.query_one(UpdateLine).is_on_screen
        text = line_text(app)
        assert text == expected_gd(app, 5, template)
        # The numbers are the log's: w before is step 4's w, w after step 5's.
        assert f"= {log_w(app, 4)} − 0.010000 × " in text and text.endswith(f"= {log_w(app, 5)}")
        # The lesson's own printed w after steps 4 and 5, and its gradient 2 (w + 1) there.
        head = template.split("{g}")[0].format(step=5, w="4.534209", lr="0.010000")
        assert text.startswith(head) and text.endswith(" × 11.068418 = 4.423524")


async def test_the_update_follows_the_step_back_and_on() -> None:
    app = ExplorerApp(PRESETS[2])
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_run(pilot)
        await go_to(pilot, 1)
        assert line_text(app) == expected_gd(app, 1, EN)
        assert line_text(app).startswith("step 1:  w − lr × ∂loss/∂w = 5.000000 − 0.990000 × ")
        for keys, step in ((["full_stop"] * 3, 4), (["comma"], 3), (["right_square_bracket"], 20)):
            await pilot.press(*keys)
            await wait_for_update(pilot)
            assert line_text(app) == expected_gd(app, step, EN), keys


async def test_a_step_shown_while_the_engine_restarts_is_written_out_once_it_is_back() -> None:
    app = ExplorerApp(replace(PRESETS[1], spec=RunSpec(w0=5.0, lr=0.01, epochs=100)))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_run(pilot)
        await go_to(pilot, 2)
        app.engine_ready = False  # as while a new engine loads: nothing is sent to it
        await pilot.press(*["full_stop"] * 38)  # step 40: its window was never asked for
        assert app.screen.query_one(UpdateLine).pending
        assert " × … = " in line_text(app)
        app.engine_ready = True
        app.screen.post_message(Replied(EngineReady(0.0, False, "test")))
        await wait_for_update(pilot, timeout=30)
        assert line_text(app) == expected_gd(app, 40, EN)


async def test_demo_mode_writes_out_the_last_step_of_the_whole_run() -> None:
    app = ExplorerApp(PRESETS[3])  # a decaying rate: the log prints Python's float64 rate
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_run(pilot)
        await pilot.press("d")
        await wait_for_update(pilot)
        assert app.screen.query_one(PlaybackBar).shown is None
        assert app.screen.query_one(UpdateLine).is_on_screen
        assert line_text(app) == expected_gd(app, 20, EN)
        lr = readable(float(app.screen.current.lr64[19]))
        assert f" − {lr} × " in line_text(app)


async def test_a_decaying_rate_is_written_with_the_logs_digits_not_the_float32_ones() -> None:
    # At step 2, lr 0.10005 * 0.99 prints 0.099049 as Python's float64 (the log), 0.099050 as
    # the float32 the update multiplied by.
    params = replace(PRESETS[3], spec=RunSpec(w0=5.0, lr=0.10005, epochs=20, decay=0.99))
    app = ExplorerApp(params)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_run(pilot)
        await go_to(pilot, 2)
        assert table_lines(app)[1].split()[3] == "0.099049"
        assert " − 0.099049 × " in line_text(app)
        assert line_text(app) == expected_gd(app, 2, EN)


@pytest.mark.parametrize("optimizer", ["adam", "momentum"])
async def test_another_optimizer_is_not_written_as_plain_descent(optimizer: str) -> None:
    params = replace(PRESETS[1], spec=RunSpec(w0=5.0, lr=0.1, epochs=20, optimizer=optimizer))
    app = ExplorerApp(params)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_run(pilot)
        await go_to(pilot, 3)
        result = app.screen.current
        before, after = float(result.w[1]), float(result.w[2])
        (g,) = gradients(result.loss_expr, [before])
        text = line_text(app)
        assert text == (
            f"step 3:  {optimizer}, not plain w − lr × ∂loss/∂w:  ∂loss/∂w = {readable(float(g))},"
            f"  w {readable(before)} → {log_w(app, 3)}  (change {readable(after - before)})"
        )
        assert "0.100000" not in text  # no lr in an equation that is not the update


async def test_the_update_in_chinese_names_the_optimizer_in_chinese() -> None:
    params = replace(PRESETS[1], spec=RunSpec(w0=5.0, lr=0.1, epochs=20, optimizer="momentum"))
    app = ExplorerApp(params, language="zh")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_run(pilot)
        await go_to(pilot, 2)
        assert line_text(app).startswith("第 2 步：动量，不是简单的 w − lr × ∂loss/∂w：∂loss/∂w = ")


def test_a_gradient_that_does_not_make_the_update_shows_no_equation() -> None:
    result = descent.run(RunSpec(lr=0.01))
    (g,) = gradients(result.loss_expr, [5.0])
    assert holds(np.float32(5.0), result.lr[0], g, result.w[0])
    assert update_text(result, 0, float(g)).startswith("step 1:  w − lr × ∂loss/∂w = ")
    wrong = float(np.nextafter(g, np.float32(0)) * 0.5)  # not the loop's gradient
    assert not holds(np.float32(5.0), result.lr[0], np.float32(wrong), result.w[0])
    text = update_text(result, 0, wrong)
    assert "lr" not in text and "=" in text and " − " not in text
    assert text.endswith(f"w [b]5.000000[/b] → [b]{readable(float(result.w[0]))}[/b]")


def test_a_diverged_run_shows_its_numbers_as_the_log_does() -> None:
    result = descent.run(RunSpec(lr=1.5, epochs=200))
    index = int(np.argmax(~np.isfinite(result.w))) + 1  # the step after the first inf or nan
    before = result.w[index - 1]
    (g,) = gradients(result.loss_expr, [float(before)])
    text = update_text(result, index, float(g))
    assert f"= [b]{readable(float(before))}[/b] − " in text
    assert text.endswith(f"= [b]{readable(float(result.w[index]))}[/b]")
    assert readable(float(result.w[index])) in ("inf", "-inf", "nan")


def test_demo_mode_at_80x24_with_the_update_line(snap_compare) -> None:
    async def demo(pilot: Pilot) -> None:
        for field in pilot.app.query(Input):
            field.cursor_blink = False
        await wait_for_run(pilot)
        await pilot.press("d")
        await go_to(pilot, 5)
        await pilot.pause()

    app = ExplorerApp(PRESETS[2], show_timings=False)
    assert snap_compare(app, terminal_size=(80, 24), run_before=demo)


async def test_a_visitor_of_the_classroom_sees_the_update_through_the_hub() -> None:
    from test_engine_hub import serving

    from tui.app.room_engine import RemoteEngine

    with serving() as hub:
        engine = RemoteEngine(hub.address, hub.authkey)
        app = ExplorerApp(PRESETS[1], engine=engine)
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_for_run(pilot)
            await go_to(pilot, 5)
            assert line_text(app) == expected_gd(app, 5, EN)
        assert engine.join(30.0), "the app's connection outlived it"


async def test_a_run_of_two_parameters_has_no_update_line() -> None:
    spec = RunSpec(w0=2.0, lr=0.01, epochs=20, start2=-1.0)
    app = ExplorerApp(replace(PRESETS[1], spec=spec, loss="(w1 + 1)**2 + 10*(w2 - 1)**2"))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_run(pilot)
        assert app.screen.current.w2 is not None
        await pilot.press("d", "left_square_bracket", "full_stop")
        await wait_for_update(pilot)
        line = app.screen.query_one(UpdateLine)
        assert not line.display and not line.pending
