"""The range test of a loss of w1 and w2 marks the two-parameter theory's rates: the critical
rate 2/λ2 and the best constant rate 2/(λ1 + λ2), exact for a quadratic, local (from the
engine's Hessian at the start) for any other loss, none for a saddle or for runs the theory
does not model, each case said in words; in both languages."""

from __future__ import annotations

import math
import random
from dataclasses import replace

import pytest
from test_sweep_screen import open_sweep
from textual.widgets import Static

from tui import i18n
from tui.app import ExplorerApp
from tui.app.screens.sweep_theory import plane_theory_of_sweep, theory_marks
from tui.engine.spec import RunSpec
from tui.model.params import PRESETS, ROSENBROCK, Params


def _closed_form(a: float, b: float, c: float) -> tuple[float, float]:
    """λ1, λ2 of ``a*w1**2 + b*w1*w2 + c*w2**2``, whose Hessian is ((2a, b), (b, 2c))."""
    mean, half = a + c, math.hypot(a - c, b)
    return mean - half, mean + half


def _marks(loss: str, **spec) -> tuple:
    params = Params(RunSpec(**{"w0": 1.0, "start2": -2.0, "lr": 0.01, **spec}), loss)
    return theory_marks(params, None, plane_theory_of_sweep(params, None))


def test_random_bowls_mark_2_over_lambda2_and_2_over_the_trace() -> None:
    rng = random.Random(15)
    for _ in range(40):
        a, c = rng.randint(1, 30) / 4, rng.randint(1, 30) / 4
        b = rng.randint(-40, 40) / 8
        if b * b >= 4 * a * c:
            continue  # not a bowl
        low, high = _closed_form(a, b, c)
        marks = _marks(f"{a}*w1**2 + {b}*w1*w2 + {c}*w2**2 + 3*w1 - w2")
        rates = {color: rate for rate, color, _ in marks.lines}
        assert rates["red"] == pytest.approx(2 / high, rel=1e-12)
        assert rates["green"] == pytest.approx(2 / (low + high), rel=1e-12)
        assert i18n.t("sweep.theory.critical_plane", lr=rates["red"], **_colors()) in marks.words
        assert "local" not in marks.words


def test_a_saddle_marks_nothing_and_says_why() -> None:
    rng = random.Random(7)
    for _ in range(20):
        a, c = rng.randint(1, 20) / 4, -rng.randint(1, 20) / 4
        marks = _marks(f"{a}*w1**2 + {rng.randint(-8, 8) / 4}*w1*w2 + {c}*w2**2")
        assert marks.lines == ()
        assert "a saddle (λ1 < 0 < λ2)" in marks.words


def test_no_minimum_and_a_flat_loss_mark_nothing() -> None:
    for loss, landscape in (("w1**2 + w2", "sloping valley"), ("-w1**2 - w2**2", "cap")):
        marks = _marks(loss)
        assert marks.lines == () and f"{landscape}, with no lowest loss" in marks.words
    marks = _marks("w1 - w1 + w2 - w2 + 1")
    assert marks.lines == () and "flat, the Hessian is 0" in marks.words


def test_a_valley_marks_its_critical_rate_alone() -> None:
    marks = _marks("(w1 + w2)**2")  # λ = 0 along w1 - w2, 4 along w1 + w2
    assert [(rate, color) for rate, color, _ in marks.lines] == [(0.5, "red")]


def test_runs_the_theory_does_not_model_get_no_lines() -> None:
    bowl = PRESETS[4].loss
    for optimizer in ("momentum", "nesterov", "adam"):
        marks = _marks(bowl, optimizer=optimizer)
        assert marks.lines == ()
        assert marks.words == i18n.t("sweep.theory_not_plain", optimizer=optimizer)
    marks = _marks(bowl, decay=0.9)
    assert marks.lines == () and marks.words == i18n.t("sweep.theory_not_constant")
    marks = _marks(bowl, warmup=5)
    assert marks.lines == () and marks.words == i18n.t("sweep.theory_not_constant")


def test_a_loss_that_is_not_quadratic_without_its_hessian_says_so() -> None:
    marks = _marks(ROSENBROCK)
    assert marks.lines == () and marks.words == i18n.t("sweep.theory_plane_none")


def _legend(screen) -> str:
    return str(screen.query_one("#sweep-legend", Static).content)


def _colors() -> dict[str, str]:
    """The words naming the lines' colours, in the current language (drawn in colour here)."""
    return {"green": i18n.t("sweep.color.green"), "red": i18n.t("sweep.color.red")}


def _info(screen) -> str:
    return str(screen.query_one("#sweep-info", Static).content)


@pytest.mark.parametrize("language", ["en", "zh"])
async def test_the_stretched_bowl_marks_0_1_and_1_over_11(language: str) -> None:
    # (w1 + 1)**2 + 10*(w2 - 1)**2: the Hessian is diag(2, 20).
    app = ExplorerApp(PRESETS[4], language=language)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await open_sweep(pilot)
            legend = _legend(screen)
            assert i18n.t("sweep.legend.critical_plane", lr=0.1) in legend
            assert i18n.t("sweep.legend.best_plane", lr=2 / 22) in legend
            assert i18n.t("sweep.legend.critical", lr=0.1) not in legend  # not the 2/L of w
            info = _info(screen)
            assert i18n.t("sweep.theory.critical_plane", lr=0.1, **_colors()) in info
            assert i18n.t("sweep.theory.best_plane", lr=2 / 22, **_colors()) in info
            assert i18n.t("sweep.theory_scope_local", w1=5.0, w2=2.0) not in info
    finally:
        i18n.set_language("en")


async def test_rosenbrock_marks_the_local_rates_from_the_engines_hessian() -> None:
    # At (-1.2, 1): H = ((2 - 400(w2 - w1²) + 800 w1², -400 w1), (-400 w1, 200))
    #                = ((1330, 480), (480, 200)), worked out by hand.
    h11, h12, h22 = 1330.0, 480.0, 200.0
    mean, half = (h11 + h22) / 2, math.hypot((h11 - h22) / 2, h12)
    critical, best = 2 / (mean + half), 2 / (h11 + h22)
    params = replace(PRESETS[6], spec=replace(PRESETS[6].spec, epochs=50))
    app = ExplorerApp(params)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_sweep(pilot)
        rates = {color: rate for rate, color, _ in screen.marks.lines}
        assert rates["red"] == pytest.approx(critical, rel=1e-5)  # float32's Hessian
        assert rates["green"] == pytest.approx(best, rel=1e-5)
        legend = _legend(screen)
        assert i18n.t("sweep.legend.critical_plane_local", lr=rates["red"]) in legend
        assert i18n.t("sweep.legend.best_plane_local", lr=rates["green"]) in legend
        assert i18n.t("sweep.theory_scope_local", w1=-1.2, w2=1.0) in _info(screen)


async def test_the_saddle_draws_no_theory_line_and_says_why() -> None:
    app = ExplorerApp(PRESETS[7])
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_sweep(pilot)
        assert screen.marks.lines == ()
        assert "critical" not in _legend(screen) and "best" not in _legend(screen)
        assert "a saddle (λ1 < 0 < λ2)" in _info(screen)


def test_a_loss_of_w_marks_2_over_l_only_for_plain_descent_at_a_constant_rate() -> None:
    from tui.engine.losses import parse_loss
    from tui.engine.theory import theory_for

    theory = theory_for(parse_loss("(w + 1)**2"), 0.01, 5.0)  # L = 2
    plain = Params(RunSpec(w0=5.0, lr=0.01), "(w + 1)**2")
    marks = theory_marks(plain, theory, None)
    assert [(rate, color) for rate, color, _ in marks.lines] == [(1.0, "red"), (0.5, "green")]
    assert marks.words == i18n.t("sweep.theory", optimal=0.5, critical=1.0, **_colors())
    for change in ({"optimizer": "momentum"}, {"optimizer": "adam"}, {"decay": 0.99}):
        marks = theory_marks(replace(plain, spec=replace(plain.spec, **change)), theory, None)
        assert marks.lines == (), change
        assert "no theory lines" in marks.words
