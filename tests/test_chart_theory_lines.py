"""The explorer's lr plots mark the theory's rates only where they are true of the run, by the
range test's rule (issue 15): plain descent at one constant rate, on a loss with a lowest
point. Momentum, Nesterov, Adagrad, RMSprop, Adam, a decay, a schedule or a warm-up; a saddle,
a landscape without a minimum, a polynomial in ``w`` unbounded below: no line on either."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest
from textual.geometry import Region
from textual.pilot import Pilot
from textual.widgets import Select

from tests.app_helpers import type_into
from tui.app import ExplorerApp
from tui.app.pilot_helpers import wait_for_run
from tui.app.screens.sweep_theory import (
    chart_rates,
    plane_theory_of_sweep,
    theory_marks,
    why_no_lines,
)
from tui.app.widgets.chart import DescentChart
from tui.engine.losses import parse_loss
from tui.engine.plane_quadratic import LocalHessian
from tui.engine.spec import OPTIMIZERS, RunSpec, Schedule
from tui.engine.theory import Theory, theory_for
from tui.model.params import PRESETS, ROSENBROCK, SADDLE, STRETCHED_BOWL, Params

#: What makes a run one the theory's rates are not of: every optimizer but plain descent, a
#: rate that changes.
UNMODELLED: list[dict[str, object]] = [
    *({"optimizer": name} for name in OPTIMIZERS if name != "gd"),
    {"decay": 0.99, "decay_steps": 1.0},
    {"schedule": Schedule("cosine", steps=40.0, alpha=0.1)},
    {"warmup": 5},
]


def _one(loss: str, spec: RunSpec, curvature: float | None = None) -> Theory | None:
    """The explorer's theory of a loss of ``w`` (``curvature``: the engine's, at w0)."""
    local = None if curvature is None else (lambda _w: curvature)
    return theory_for(parse_loss(loss), spec.lr, spec.w0, curvature_at=local)


def _rates(params: Params, theory: Theory | None = None, hessian: LocalHessian | None = None):
    """The chart's rates and the range test's lines (rates only) for ``params``."""
    plane = plane_theory_of_sweep(params, hessian)
    chart = chart_rates(params.spec, params.loss, theory, plane)
    marks = theory_marks(params, theory, plane)
    return chart, sorted(rate for rate, _, _ in marks.lines)


def test_a_loss_of_w_marks_2_over_l_and_1_over_l_for_plain_descent_at_one_rate_only() -> None:
    plain = Params(RunSpec(w0=5.0, lr=0.01), "(w + 1)**2")  # L = 2
    theory = _one(plain.loss, plain.spec)
    chart, lines = _rates(plain, theory)
    assert chart == {"critical 2/L": 1.0, "optimal 1/L": 0.5}
    assert sorted(chart.values()) == lines
    for change in UNMODELLED:
        params = replace(plain, spec=replace(plain.spec, **change))
        chart, lines = _rates(params, _one(params.loss, params.spec))
        assert chart == {} and lines == [], change


@pytest.mark.parametrize("loss", ["w**3", "w**3 + w**2"])
def test_a_polynomial_in_w_without_a_minimum_marks_no_rate(loss: str) -> None:
    """A local theory from the curvature at w0 (6 > 0 for w**3 at 1) would give 2/L, of a
    minimum the loss does not have; the theory panel says "no minimum", and so do the lines."""
    params = Params(RunSpec(w0=1.0, lr=0.01), loss)
    theory = _one(loss, params.spec, curvature=6.0)
    assert theory is not None  # there is a local theory, and its rates would be drawn
    chart, lines = _rates(params, theory)
    assert chart == {} and lines == []
    why = why_no_lines(params.spec, loss, theory, None)
    assert why is not None and "no theory lines" in why and "unbounded below" in why
    # A loss of w with a minimum keeps its local rates.
    params = Params(RunSpec(w0=2.0, lr=0.01), "w**4 - 3*w**2 + w")
    theory = _one(params.loss, params.spec, curvature=42.0)
    chart, lines = _rates(params, theory)
    # Local rates, and said to be: the estimate of the quadratic model at w0.
    assert theory is not None and chart == {
        "≈ critical 2/L (local)": 2 / 42,
        "≈ optimal 1/L (local)": 1 / 42,
    }


def test_a_local_theory_of_a_loss_of_w_is_called_an_estimate_on_both_plots() -> None:
    """Beside the exact 2/L and 1/L of a quadratic, the rates of a loss that is not quadratic
    come from its curvature at w0: the chart's labels, the range test's legend and its line of
    words say "≈" and "local" (and where: w0), never the exact sign or the plain name."""
    exact = Params(RunSpec(w0=5.0, lr=0.01), "(w + 1)**2")
    marks = theory_marks(exact, _one(exact.loss, exact.spec), None)
    assert [label for _, _, label in marks.lines] == ["critical 2/L = 1", "optimal 1/L = 0.5"]
    assert "local" not in marks.words and "≈" not in marks.words
    local = Params(RunSpec(w0=2.0, lr=0.01), "w**4 - 3*w**2 + w")
    theory = _one(local.loss, local.spec, curvature=42.0)
    assert theory is not None and not theory.exact
    chart, lines = _rates(local, theory)
    assert list(chart) == ["≈ critical 2/L (local)", "≈ optimal 1/L (local)"]
    marks = theory_marks(local, theory, None)
    assert [label for _, _, label in marks.lines] == [
        "critical 2/L ≈ 0.04762 (local)",
        "optimal 1/L ≈ 0.02381 (local)",
    ]
    assert "local theory (of the quadratic model at w0 = 2)" in marks.words
    assert "1/L ≈ 0.02381" in marks.words and "2/L ≈ 0.04762" in marks.words
    assert "=" not in marks.words.split("):", 1)[1]  # no rate given as exact


def test_a_loss_of_w1_and_w2_marks_2_over_lambda2_only_where_the_range_test_does() -> None:
    bowl = Params(RunSpec(w0=5.0, start2=2.0, lr=0.095), STRETCHED_BOWL)  # λ = 2, 20
    chart, lines = _rates(bowl)
    assert chart == {"critical 2/λ2": 0.1, "best 2/(λ1+λ2)": 2 / 22}
    assert sorted(chart.values()) == lines
    for change in UNMODELLED:
        chart, lines = _rates(replace(bowl, spec=replace(bowl.spec, **change)))
        assert chart == {} and lines == [], change
    for loss in (SADDLE, "-(w1**2) - w2**2", "w1 + w2**2", "w1 + w2", "3 + 0*w1*w2"):
        chart, lines = _rates(replace(bowl, loss=loss))
        assert chart == {} and lines == [], loss


def test_the_local_rates_of_a_loss_that_is_not_quadratic_follow_its_hessian() -> None:
    """Rosenbrock's valley from (-1.2, 1) (preset 6): its Hessian there is ((1330, 480),
    (480, 200)), a bowl, whose rates are marked; from (-1, 2) it is ((402, 400), (400, 200)),
    a saddle, and nothing is."""
    valley = Params(RunSpec(w0=-1.2, start2=1.0, lr=0.002), ROSENBROCK)
    bowl = LocalHessian((-1.2, 1.0), 24.2, (-215.6, -88.0), (1330.0, 480.0, 200.0))
    chart, lines = _rates(valley, hessian=bowl)
    mean, half = (1330 + 200) / 2, math.hypot((1330 - 200) / 2, 480)
    low, high = mean - half, mean + half
    assert chart == {  # the Hessian's at the start: said to be the local model's
        "≈ critical 2/λ2 (local)": pytest.approx(2 / high, rel=1e-12),
        "≈ best 2/(λ1+λ2) (local)": pytest.approx(2 / (low + high), rel=1e-12),
    }
    assert sorted(chart.values()) == lines
    start = replace(valley.spec, w0=-1.0, start2=2.0)
    saddle = LocalHessian((-1.0, 2.0), 104.0, (-396.0, 200.0), (402.0, 400.0, 200.0))
    chart, lines = _rates(replace(valley, spec=start), hessian=saddle)
    assert chart == {} and lines == []
    chart, lines = _rates(valley)  # no Hessian yet: no theory
    assert chart == {} and lines == []


async def _lr_plot(pilot: Pilot[None]) -> str:
    """The chart's rows in the lr view, as text."""
    chart = pilot.app.query_one(DescentChart)
    chart.view = "lr"
    await pilot.pause()
    return "\n".join(strip.text for strip in chart.render_lines(Region(0, 0, *chart.outer_size)))


async def test_the_explorers_lr_plot_draws_no_rate_line_for_a_saddle_or_momentum() -> None:
    """In the app: the saddle preset (no line), then the stretched bowl under plain descent
    (its lines), under momentum (none) and under plain descent again (its lines back)."""
    app = ExplorerApp(PRESETS[7], show_timings=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_run(pilot)
        chart = app.query_one(DescentChart)
        assert chart.marked_rates == {}
        assert "2/λ2" not in await _lr_plot(pilot)
        await type_into(pilot, "loss", STRETCHED_BOWL)
        await wait_for_run(pilot)
        assert chart.marked_rates == {"critical 2/λ2": 0.1, "best 2/(λ1+λ2)": 2 / 22}
        await pilot.pause()
        plot = await _lr_plot(pilot)
        assert "critical 2/λ2" in plot and "best 2/(λ1+λ2)" in plot, plot
        app.query_one("#optimizer", Select).value = "momentum"
        await pilot.pause()
        await wait_for_run(pilot)
        assert app.explorer.current is not None
        assert app.explorer.current.spec.optimizer == "momentum"
        assert chart.marked_rates == {}
        await pilot.pause()
        assert "2/λ2" not in await _lr_plot(pilot)
        app.query_one("#optimizer", Select).value = "gd"
        await pilot.pause()
        await wait_for_run(pilot)
        assert chart.marked_rates == {"critical 2/λ2": 0.1, "best 2/(λ1+λ2)": 2 / 22}


async def test_the_explorers_lr_plot_of_a_decaying_rate_marks_neither_2_over_l_nor_1_over_l() -> (
    None
):
    """The lesson's decay experiment (preset 3): its rate changes every step."""
    app = ExplorerApp(PRESETS[3], show_timings=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_run(pilot)
        chart = app.query_one(DescentChart)
        assert app.explorer.current is not None and app.explorer.current.spec.decays
        assert chart.marked_rates == {}
        await pilot.pause()
        plot = await _lr_plot(pilot)
        assert "2/L" not in plot and "1/L" not in plot, plot
