"""Schedules and optimizers in the explorer: their fields, formula, lr preview, runs and pins."""

from __future__ import annotations

from app_helpers import type_into, wait_for_run, wait_until
from textual.widgets import Checkbox, Input, Select, Sparkline, Static

from tui.app import ExplorerApp
from tui.engine.losses import SEED_LOSS
from tui.engine.spec import KERAS_SCHEDULES, RunSpec, Schedule
from tui.model.parameters import OPTIONAL_FIELDS, SCHEDULE_FIELDS
from tui.model.params import Params


def shown(app: ExplorerApp, name: str) -> bool:
    """Whether field ``name`` is on screen (one the run has never used is not made)."""
    return any(widget.display for widget in app.query(f"#{name}"))


def shown_fields(app: ExplorerApp) -> set[str]:
    """The optional fields on screen."""
    return {name for name in OPTIONAL_FIELDS if shown(app, name)}


async def choose(pilot, select_id: str, value: str) -> None:
    """Pick ``value`` in drop-down ``select_id`` from the keyboard: open, move, enter."""
    select = pilot.app.query_one(f"#{select_id}", Select)
    select.focus()
    await pilot.press("enter")
    await pilot.pause()
    options = [option[1] for option in select._options]  # (prompt, value) pairs, as given
    steps = options.index(value) - options.index(select.value)
    await pilot.press(*(["down"] * steps if steps > 0 else ["up"] * -steps), "enter")
    await wait_until(pilot, lambda: select.value == value, 10, f"{select_id} = {value}")


async def test_each_schedule_shows_its_own_fields_and_runs_with_them() -> None:
    app = ExplorerApp()
    async with app.run_test(size=(120, 50)) as pilot:
        await wait_for_run(pilot)
        assert shown_fields(app) == set()
        for kind in ("exponential", *KERAS_SCHEDULES):
            app.query_one("#schedule", Select).value = kind
            await pilot.pause()
            await wait_for_run(pilot)
            assert shown_fields(app) == set(SCHEDULE_FIELDS[kind]), kind
            assert app._current.spec.schedule_kind == kind
        # The last one, cosine with restarts, is on screen; T starts at the run's 20 steps.
        assert app._current.spec.schedule == Schedule("cosine-restarts", steps=20.0)
        formula = str(app.query_one("#formula", Static).content)
        assert formula.startswith("lr(s) = 0.01 * cosine to 0 over 20 steps")


async def test_schedule_fields_drive_the_run_formula_and_preview() -> None:
    app = ExplorerApp()
    async with app.run_test(size=(120, 50)) as pilot:
        await wait_for_run(pilot)
        await choose(pilot, "schedule", "cosine")
        await wait_for_run(pilot)
        await type_into(pilot, "steps", "10")
        await type_into(pilot, "warmup", "4")
        await type_into(pilot, "lr", "0.4")
        await wait_for_run(pilot)
        result = app._current
        assert result.spec.schedule == Schedule("cosine", steps=10.0)
        assert result.spec.warmup == 4 and result.spec.lr == 0.4
        # Warm-up from 0, the peak at step 5 (s = 4), then the cosine down to 0 by s = 14.
        assert result.lr[0] == 0.0 and result.lr[4] == result.lr.max()
        assert result.lr[14:].tolist() == [0.0] * 6
        formula = str(app.query_one("#formula", Static).content)
        assert "0.4 * s / 4 for s < 4" in formula and "min(s, 10) / 10" in formula
        preview = app.query_one("#lr-preview", Sparkline)
        assert list(preview.data) == result.lr.tolist()


async def test_piecewise_factors_must_fit_the_boundaries_and_nothing_runs_until_they_do() -> None:
    app = ExplorerApp()
    async with app.run_test(size=(120, 50)) as pilot:
        await wait_for_run(pilot)
        app.query_one("#schedule", Select).value = "piecewise"
        await pilot.pause()
        await wait_for_run(pilot)
        shown = app._current
        requests = app.engine.latest_id
        app.query_one("#boundaries", Input).value = "5, 12"  # pasted: no valid state between
        await pilot.pause(0.3)
        message = str(app.query_one("#field-error", Static).content)
        assert "factors" in message and "3, not 2" in message
        assert app.engine.latest_id == requests, "a mismatch across fields must not run"
        assert app._current is shown, "the last good run stays on screen"
        await type_into(pilot, "factors", "1, 0.5, 0.1")
        await wait_for_run(pilot)
        assert str(app.query_one("#field-error", Static).content) == ""
        lr = app._current.lr
        assert (lr[5], lr[6], lr[12], lr[13]) == (
            lr[0],
            lr[0] * lr.dtype.type(0.5),
            lr[0] * lr.dtype.type(0.5),
            lr[0] * lr.dtype.type(0.1),
        )


async def test_optimizers_are_chosen_with_the_keyboard_and_beta_shows_where_it_applies() -> None:
    app = ExplorerApp()
    async with app.run_test(size=(120, 50)) as pilot:
        await wait_for_run(pilot)
        plain = app._current
        assert not shown(app, "beta")
        await choose(pilot, "optimizer", "momentum")
        await wait_for_run(pilot)
        assert shown(app, "beta")
        assert app._current.spec.optimizer == "momentum"
        # Momentum at lr 0.01 gathers speed: nearer the minimum after 20 steps than plain.
        assert abs(app._current.final_w + 1) < abs(plain.final_w + 1)
        await type_into(pilot, "beta", "1")
        await pilot.pause(0.2)
        assert app.query_one("#beta", Input).has_class("-invalid")
        assert "beta" in str(app.query_one("#field-error", Static).content)
        await type_into(pilot, "beta", "0.5")
        await wait_for_run(pilot)
        assert app._current.spec.beta == 0.5
        await choose(pilot, "optimizer", "adagrad")
        await wait_for_run(pilot)
        assert not shown(app, "beta")
        assert app._current.spec.optimizer == "adagrad"
        # The theory models gd at a constant rate: for adagrad it predicts nothing, and says so.
        theory = str(app.query_one("#theory", Static).content)
        assert "no prediction" in theory and "not adagrad" in theory
        assert "predicted" not in theory


async def test_a_pin_keeps_its_schedule_and_optimizer_while_the_current_run_changes() -> None:
    app = ExplorerApp()
    async with app.run_test(size=(120, 50)) as pilot:
        await wait_for_run(pilot)
        app.query_one("#schedule", Select).value = "inverse-time"
        app.query_one("#optimizer", Select).value = "adam"
        await pilot.pause()
        await wait_for_run(pilot)
        await pilot.press("escape", "p")
        await pilot.press("1")  # back to the lesson's first run: constant, plain descent
        await wait_for_run(pilot)
        await type_into(pilot, "epochs", "35")
        await wait_for_run(pilot)
        (pin,) = app.pins
        assert pin.spec.schedule_kind == "inverse-time" and pin.spec.optimizer == "adam"
        assert pin.result.spec.epochs == 35 and len(pin.result.w) == 35
        assert app._current.spec.plain and app._current.spec.schedule is None
        assert "inverse-time 0.01 T20, adam b0.9" in app.query_one("#pins").get_row_at(0)[1]


async def test_opening_on_a_keras_schedule_keeps_its_own_flags() -> None:
    spec = RunSpec(lr=0.3, schedule=Schedule("inverse-time", steps=3.0, staircase=True))
    app = ExplorerApp(Params(spec, SEED_LOSS))
    async with app.run_test(size=(120, 50)) as pilot:
        await wait_for_run(pilot)
        assert app.query_one("#staircase", Checkbox).value
        assert app._current.spec == spec
        # Staircase: the rate holds for T = 3 steps at a time.
        assert len(set(app._current.lr[:3].tolist())) == 1 != len(set(app._current.lr[:4].tolist()))
