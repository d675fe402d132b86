"""Verdicts that never contradict the run: the status, the theory, the table, the range test.

Each status word is checked against the numbers it sits beside, over seeded random runs (every
optimizer, schedule, rates from tiny to divergent, several losses), by reference checks written
here from the help's definitions. Then the issue's three examples, and one screen on which the
status line, the theory line, the comparison table and the range test show one step count.
"""

from __future__ import annotations

import math
import random
import re

import numpy as np
import pytest
from app_helpers import wait_until
from textual.widgets import Input, Static

from tui.app import ExplorerApp
from tui.app.pilot_helpers import wait_for_run
from tui.app.screens.sweep import SweepScreen
from tui.app.widgets.pins_table import PinsTable
from tui.app.widgets.theory import describe
from tui.engine import descent
from tui.engine.analysis import TREND, WINDOW, steps_to_tolerance
from tui.engine.losses import parse_loss
from tui.engine.outcome import Outcome
from tui.engine.result import RunResult
from tui.engine.spec import DEFAULT_TOL, OPTIMIZERS, RunSpec, Schedule
from tui.engine.sweep import summarize
from tui.engine.theory import known_minimum, local_curvature, models, quadratic, theory_for
from tui.model.params import Params
from tui.summary import summary_line

TOL = DEFAULT_TOL

#: A prediction of steps, as the theory line prints one.
PREDICTION = re.compile(r"predicted ([\d,]+|never)")

#: Losses of every kind: the lesson's, a quadratic with a minimum above 0, one whose minimum is
#: below 0, a quartic (flat at its minimum), and one that is not a polynomial.
LOSSES = ("(w + 1)**2", "3*(w - 2)**2 + 1", "(w - 1)**2 - 4", "(w - 2)**4", "log(cosh(w - 1))")


def _random_spec(rng: random.Random) -> RunSpec:
    """A run with any optimizer and schedule, lr from 1e-9 to 10 (in log), 1 to 300 steps."""
    kind = rng.choice(["constant", "exponential", "cosine", "inverse-time", "piecewise"])
    epochs = rng.choice([1, 2, 3, 5, 20, 80, 300])
    lr = 10 ** rng.uniform(-9, 1)
    decay = schedule = None
    if kind == "exponential":
        decay = rng.uniform(0.9, 0.999)
    elif kind != "constant":
        schedule = Schedule(kind, steps=float(rng.choice([10, 80, 200])))
    return RunSpec(
        w0=rng.uniform(-6, 6),
        lr=lr,
        epochs=epochs,
        decay=decay,
        schedule=schedule,
        optimizer=rng.choice(OPTIMIZERS),
        warmup=rng.choice([0, 0, 0, 5]),
    )


def _seen(result: RunResult) -> np.ndarray:
    """The loss as the run shows it: at w0, then at the w after each step (float64)."""
    return np.append(result.loss, result.final_loss).astype(np.float64)


def _reference_steps(result: RunResult, floor: float | None) -> int | None:
    """Steps to the tolerance by the help's words, computed step by step in plain Python."""
    seen = _seen(result).tolist()
    if not all(math.isfinite(x) for x in seen) or not np.isfinite(result.w).all():
        return None
    if floor is None and min(seen) >= 0:
        floor = 0.0
    if floor is not None and seen[-1] - floor <= TOL:
        k = len(seen) - 1
        while k > 0 and seen[k - 1] - floor <= TOL:
            k -= 1
        return k
    if abs(float(result.final_grad)) <= TOL:
        path = [float(np.float32(result.spec.w0)), *map(float, result.w)]
        big = [
            i + 1
            for i in range(len(result.w))
            if abs(path[i + 1] - path[i]) > float(result.lr[i]) * TOL
        ]
        return big[-1] + 1 if big else 1
    return None


def _check_status(result: RunResult, floor: float | None) -> None:
    """Assert that ``result``'s status words are true of its numbers."""
    status = result.status
    seen = _seen(result)
    with np.errstate(invalid="ignore"):  # inf - inf in a diverged run
        moves = np.diff(seen)
    few = min(TREND, len(moves))
    where = (result.spec, result.loss_expr, str(status), seen[-12:].tolist())
    reference = _reference_steps(result, floor)
    finite = bool(np.isfinite(seen).all() and np.isfinite(result.w).all())
    if status.outcome is Outcome.CONVERGED:
        assert status.step == reference, where
        assert status.steps_to_tol == reference
    else:
        assert reference is None, where  # it never stayed within the tolerance
        assert status.steps_to_tol is None
    if status.outcome is Outcome.DIVERGED:
        m = min(WINDOW, len(result.w))
        assert not finite or (seen[-1] > seen[0] and seen[-1] > seen[-1 - m]), where
    if status.outcome is Outcome.DESCENDING:
        # Over the last k >= 3 steps (k as the reason says) the loss fell and never rose.
        k = dict(status.reason.args)["steps"]
        tail = moves[-k:]
        assert k >= few and (tail <= 0).all() and (tail < 0).any(), where
        if status.reason.key == "status.falling":
            assert moves[-1] < 0, where  # "still falling": the last step lowered it
        else:
            assert status.reason.key == "status.fell" and k == len(moves) or moves[-k - 1] > 0
    if status.outcome is Outcome.RISING:
        k = dict(status.reason.args)["steps"]
        tail = moves[-k:]
        assert k >= few and (tail >= 0).all() and (tail > 0).any(), where
    if status.outcome is Outcome.OSCILLATING:
        w_moves = np.diff(result.w[-(WINDOW + 1) :].astype(np.float64))
        flips = np.sign(w_moves[1:]) * np.sign(w_moves[:-1]) < 0
        window = moves[-WINDOW:]
        back_and_forth = flips.size > 0 and flips.mean() >= 0.8
        up_and_down = (window > 0).any() and (window < 0).any()
        assert back_and_forth or up_and_down, where
    if status.outcome is Outcome.STALLED:
        assert status.step is not None
        if status.reason.key == "status.loss_flat":
            assert (seen[status.step :] == seen[-1]).all(), where
        else:
            rest = result.w[status.step - 1 :]
            assert (rest == rest[-1]).all(), where


@pytest.mark.parametrize("text", LOSSES)
def test_every_status_is_true_of_its_numbers(text: str) -> None:
    rng = random.Random(f"verdicts {text}")
    specs = [_random_spec(rng) for _ in range(40)]
    expr = parse_loss(text)
    floor = known_minimum(expr)
    results = descent.run_batch(specs, expr)
    for result in results:
        _check_status(result, floor)
        # The one definition, called directly, agrees with the status.
        direct = steps_to_tolerance(
            result.spec.w0,
            result.w,
            result.loss,
            result.lr,
            float(result.final_loss),
            float(result.final_grad),
            TOL,
            floor,
        )
        assert direct == result.status.steps_to_tol
    outcomes = {r.status.outcome for r in results}
    assert len(outcomes) >= 3, outcomes  # the sample really covers several endings


@pytest.mark.parametrize("text", ["(w + 1)**2", "(w - 2)**4", "w**4 - 3*w**2 + w", "sin(w)"])
def test_the_theory_predicts_only_for_the_runs_it_models(text: str) -> None:
    rng = random.Random(f"theory {text}")
    expr = parse_loss(text)
    specs = [_random_spec(rng) for _ in range(30)]
    specs += [RunSpec(w0=s.w0, lr=s.lr, epochs=s.epochs) for s in specs[:15]]  # modeled ones
    for result in descent.run_batch(specs, expr):
        curvature = None if quadratic(expr) else local_curvature(expr, result.spec.w0)
        theory = theory_for(
            expr,
            result.spec.lr,
            result.spec.w0,
            None if curvature is None else (lambda _w, c=curvature: c),
        )
        text_shown = describe(theory, result, TOL, curvature)
        if not models(result.spec):
            assert not PREDICTION.search(text_shown)
            if "theory[/b] (" in text_shown:  # a theory of the loss, not "no minimum"
                assert "no prediction" in text_shown
        measured = result.status.steps_to_tol
        if theory is not None and measured is not None:
            assert f"measured {measured:,}" in text_shown
        if PREDICTION.search(text_shown):
            assert models(result.spec) and theory is not None


# --- The examples. ---------------------------------------------------------------------


def test_momentum_with_a_rising_loss_is_not_still_descending() -> None:
    result = descent.run(RunSpec(optimizer="momentum"))
    seen = _seen(result)
    assert (np.diff(seen[-6:]) > 0).all()  # 0.0044 -> 0.20 -> ... -> 2.64, as the issue shows
    assert result.status.outcome is Outcome.RISING
    line = summary_line(20, float(result.final_w), float(result.final_loss), str(result.status))
    assert line.endswith("status: loss rising")
    assert str(result.status.reason) == "the loss rose over the last 6 steps and never fell"


NESTEROV_COSINE = RunSpec(
    lr=0.1, epochs=80, schedule=Schedule("cosine", steps=80.0), optimizer="nesterov"
)


def test_one_steps_to_tolerance_for_nesterov_with_cosine() -> None:
    result = descent.run(NESTEROV_COSINE)
    assert str(result.status) == "converged at step 77"
    seen = _seen(result)
    assert seen[54] <= TOL < seen[59]  # it dipped within at step 54, and left again
    expr = parse_loss("(w + 1)**2")
    text = describe(theory_for(expr, 0.1, 5.0), result, TOL)
    assert "measured 77" in text and not PREDICTION.search(text)
    assert "no prediction" in text and "nesterov" in text and "cosine" in text
    assert result.status.steps_to_tol == 77  # what the comparison table shows
    sweep = summarize(np.array([0.1]), [result], TOL)
    assert sweep.steps_to_tol.tolist() == [77]


def test_a_quartic_is_not_said_to_oscillate_when_w_falls_monotonically() -> None:
    expr = parse_loss("(w - 2)**4")
    result = descent.run(RunSpec(lr=0.01), expr)
    assert (np.diff(result.w) < 0).all()  # w falls monotonically
    curvature = local_curvature(expr, 5.0)
    theory = theory_for(expr, 0.01, 5.0, lambda _w: curvature)
    assert theory is not None and not theory.exact  # the local estimate: q = 1 - 0.01 * 108
    text = describe(theory, result, TOL, curvature)
    assert "[b]unknown[/b]" in text and "local" in text
    assert "does not describe this run" in text and "w only ever moved one way" in text
    assert not PREDICTION.search(text) and "closer each time" not in text


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("w + 1", "no minimum: the loss is linear in w"),
        ("2*w", "no minimum: the loss is linear in w"),
        ("-(w**2)", "no minimum: the loss is a polynomial unbounded below"),
        ("w**3", "no minimum: the loss is a polynomial unbounded below"),
        ("3 + 0*w", "the loss does not depend on w"),
        ("sin(w)", "unknown: the loss curves downward at w0 = 0.3"),
    ],
)
def test_a_loss_without_a_minimum_says_so(text: str, words: str) -> None:
    expr = parse_loss(text)
    w0 = 0.3 if text == "sin(w)" else 5.0
    result = descent.run(RunSpec(w0=w0, lr=0.01), expr)
    curvature = local_curvature(expr, w0)
    theory = theory_for(expr, 0.01, w0, lambda _w: curvature)
    shown = describe(theory, result, TOL, curvature)
    assert words in shown and "not convex" not in shown
    assert not PREDICTION.search(shown)


def test_the_lessons_experiments_keep_their_verdicts() -> None:
    expr = parse_loss("(w + 1)**2")
    lessons = [RunSpec(lr=0.01), RunSpec(lr=0.99), RunSpec(lr=0.2, decay=0.99)]
    slow, fast, decaying = descent.run_batch(lessons, expr)
    assert [str(r.status) for r in (slow, fast, decaying)] == [
        "still descending",
        "oscillating",
        "converged at step 20",
    ]
    for result in (slow, fast):
        text = describe(theory_for(expr, result.spec.lr, 5.0), result, TOL)
        assert "predicted 431, measured not in 20 steps" in text
    text = describe(theory_for(expr, 0.2, 5.0), decaying, TOL)
    assert "measured 20" in text and "no prediction" in text


# --- One screen, one number. -------------------------------------------------------------------


@pytest.mark.long
async def test_status_theory_table_and_range_test_show_the_same_steps() -> None:
    app = ExplorerApp(Params(NESTEROV_COSINE, "(w + 1)**2"), show_timings=False)
    async with app.run_test(size=(160, 50)) as pilot:
        await wait_for_run(pilot)
        assert "converged at step 77" in str(app.query_one("#status", Static).content)
        theory = str(app.query_one("#theory").content)
        assert "measured 77" in theory and not PREDICTION.search(theory)
        await pilot.press("escape", "p")
        await wait_until(pilot, lambda: app.query_one(PinsTable).row_count == 1)
        row = [str(cell) for cell in app.query_one(PinsTable).get_row_at(0)]
        assert row[4] == "77" and row[5] == "converged at step 77"
        await pilot.press("s")
        await wait_until(pilot, lambda: isinstance(app.screen, SweepScreen) and app.screen.sweep)
        screen = app.screen
        screen.query_one("#sweep-low", Input).value = "0.1"
        screen.query_one("#sweep-high", Input).value = "0.2"
        screen.query_one("#sweep-count", Input).value = "2"
        await wait_until(
            pilot, lambda: screen.sweep is not None and screen.sweep.lrs.tolist() == [0.1, 0.2]
        )
        screen.cursor = 0
        await pilot.pause()
        info = str(screen.query_one("#sweep-info", Static).content)
        assert "steps to 1e-06: 77, converged" in info, info
