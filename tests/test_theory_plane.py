"""Theory of losses of w1 and w2: exact quadratics, their Hessians, rates and predicted steps.

Every figure is checked against a closed form computed here independently: NumPy's float64
eigen-decomposition and solver on the loss's coefficients, and the descent (or momentum) map
iterated in float64.
"""

from __future__ import annotations

import math
import pickle
import random
import subprocess
import sys
from fractions import Fraction
from pathlib import Path
from typing import NoReturn

import numpy as np
import pytest

from tui.engine import analysis
from tui.engine.loss_ir import Num, Op, W
from tui.engine.losses import parse_loss
from tui.engine.outcome import Outcome, Status
from tui.engine.plane_quadratic import (
    Landscape,
    LocalHessian,
    eigen,
    known_plane_minimum,
    local_hessian,
    plane_quadratic,
    quadratic_of,
    start_hessian,
)
from tui.engine.polynomials import MAX_WORK, NotPolynomial, polynomial, polynomial_in
from tui.engine.result import RunResult
from tui.engine.spec import RunSpec
from tui.engine.theory_plane import (
    PlaneTheory,
    plane_contradiction,
    plane_models,
    plane_theory,
    plane_theory_for,
)
from tui.i18n import set_language
from tui.i18n.en import MESSAGES as EN_MESSAGES

ROOT = Path(__file__).resolve().parents[1]
TOL = analysis.DEFAULT_TOL

# --- Polynomials in several parameters. ---------------------------------------------------------


def test_two_parameter_polynomials_are_exact() -> None:
    poly = polynomial_in(parse_loss("(w1 + 1)**2 + 10*(w2 - 1)**2").program, 2)
    assert dict(poly.terms) == {
        (2, 0): 1,
        (1, 0): 2,
        (0, 2): 10,
        (0, 1): -20,
        (0, 0): 11,
    }
    assert poly.degree == 2
    cancelled = polynomial_in(parse_loss("w1**3 - w1**3 + w1*w2 + w2**20 - w2**20").program, 2)
    assert cancelled.terms == (((1, 1), Fraction(1)),)
    rosenbrock = polynomial_in(parse_loss("(1 - w1)**2 + 100*(w2 - w1**2)**2").program, 2)
    assert rosenbrock.degree == 4
    assert rosenbrock.coefficient(4, 0) == 100 and rosenbrock.coefficient(2, 1) == -200


def test_polynomial_values_and_derivatives_match_the_loss() -> None:
    rng = random.Random(7)
    expr = parse_loss("(1 - w1)**2 + 100*(w2 - w1**2)**2 + w1*w2/4 - 3")
    poly = polynomial_in(expr.program, 2)
    d1, d2 = poly.derivative(0), poly.derivative(1)
    for _ in range(20):
        a, b = Fraction(rng.randint(-50, 50), 8), Fraction(rng.randint(-50, 50), 8)
        assert poly(a, b) == (1 - a) ** 2 + 100 * (b - a * a) ** 2 + a * b / 4 - 3
        assert d1(a, b) == -2 * (1 - a) - 400 * a * (b - a * a) + b / 4
        assert d2(a, b) == 200 * (b - a * a) + a / 4


@pytest.mark.parametrize(
    "text",
    ["sin(w1)*cos(w2)", "w1/w2 + w2**2", "w1**w2", "w1**2.5 + w2**2", "abs(w1) + w2**2"],
)
def test_non_polynomials_of_two_parameters(text: str) -> None:
    with pytest.raises(NotPolynomial):
        polynomial_in(parse_loss(text).program, 2)
    assert plane_quadratic(parse_loss(text)) is None


@pytest.mark.parametrize(
    "text",
    [
        "((w1 + w2 + 1)**16)**4",  # one product of 153 x 153 terms
        " + ".join(["(w1*3.7 + w2/3.3 + 1.1)**16"] * 16),  # products within a cap, but many
    ],
)
def test_too_much_exact_arithmetic_is_refused(text: str) -> None:
    # Each would take seconds (a minute with such coefficients) of exact arithmetic, on the
    # UI's thread: refused as not a polynomial, and so not an exact quadratic.
    with pytest.raises(NotPolynomial):
        polynomial_in(parse_loss(text).program, 2)
    assert MAX_WORK < 153 * 153
    # The one-parameter reading keeps its limits: degree 64, and no budget.
    assert len(polynomial(parse_loss(" + ".join(["((w + 0.3)**8)**8"] * 12)).program)) == 65


def test_one_parameter_polynomials_refuse_a_second_parameter() -> None:
    with pytest.raises(NotPolynomial):
        polynomial(parse_loss("w1**2 + w2**2").program)
    # w1 is parameter 0: a loss of w1 alone reads as a polynomial in it.
    assert polynomial(Op("add", (Op("square", (W(0),)), Num(1.0)))) == (1, 0, 1)
    with pytest.raises(NotPolynomial):
        polynomial_in(Op("mul", (W(0), W(1))), 1)


def test_a_loss_of_w_alone_is_not_a_plane_quadratic() -> None:
    assert plane_quadratic(parse_loss("(w + 1)**2")) is None


# --- Random quadratics against NumPy. ---------------------------------------------------------


def _quadratic_text(h: np.ndarray, g: tuple[float, float], c: float) -> tuple[str, np.ndarray]:
    """The text of ½ xᵀHx + g·x + c, and the Hessian its float coefficients give exactly."""
    a, b, d = float(h[0, 0]) / 2, float(h[0, 1]), float(h[1, 1]) / 2
    g = (float(g[0]), float(g[1]))
    text = f"{a!r}*w1**2 + {b!r}*w1*w2 + {d!r}*w2**2 + {g[0]!r}*w1 + {g[1]!r}*w2 + {c!r}"
    return text, np.array([[2 * a, b], [b, 2 * d]])


def _random_hessian(rng: random.Random, kind: str) -> np.ndarray:
    if kind == "axis":
        lams = sorted(rng.uniform(0.05, 20) for _ in range(2))
        return np.diag(lams if rng.random() < 0.5 else lams[::-1])
    theta = rng.uniform(0, math.pi)
    rot = np.array([[math.cos(theta), -math.sin(theta)], [math.sin(theta), math.cos(theta)]])
    if kind == "rotated":
        lams = [rng.uniform(0.05, 2), rng.uniform(2, 40)]
    else:  # saddle
        lams = [-rng.uniform(0.05, 10), rng.uniform(0.05, 10)]
    return rot @ np.diag(lams) @ rot.T


def _check_eigen(h: np.ndarray, theory: PlaneTheory) -> None:
    lams, vecs = np.linalg.eigh(h)
    scale = float(np.abs(lams).max())
    assert theory.eigenvalues == pytest.approx(tuple(lams), rel=1e-12, abs=1e-13 * scale)
    assert theory.eigenvalues[0] <= theory.eigenvalues[1]
    for i in range(2):
        v = np.array(theory.directions[i])
        assert float(np.linalg.norm(v)) == pytest.approx(1.0, abs=1e-15)
        assert abs(float(v @ vecs[:, i])) == pytest.approx(1.0, abs=1e-9)
        # H v = λ v, for the direction as given
        assert h @ v == pytest.approx(lams[i] * v, abs=1e-9 * scale)


CASES = [(kind, seed) for kind in ("axis", "rotated", "saddle") for seed in range(12)]


@pytest.mark.parametrize(("kind", "seed"), CASES)
def test_random_quadratics_against_numpy(kind: str, seed: int) -> None:
    rng = random.Random(f"{kind}{seed}")
    g = (rng.uniform(-10, 10), rng.uniform(-10, 10))
    c = rng.uniform(-5, 5)
    text, h = _quadratic_text(_random_hessian(rng, kind), g, c)
    expr = parse_loss(text)
    quad = plane_quadratic(expr)
    assert quad is not None
    start = (rng.uniform(-8, 8), rng.uniform(-8, 8))
    lams = np.linalg.eigvalsh(h)
    lr = rng.uniform(0.1, 2.5) / lams[1]
    theory = plane_theory_for(expr, RunSpec(w0=start[0], lr=lr), start)
    assert theory is not None and theory.exact
    _check_eigen(h, theory)
    assert theory.contractions == pytest.approx(tuple(abs(1 - lr * lams)), rel=1e-12)
    assert theory.factors == pytest.approx(tuple(1 - lr * lams), rel=1e-12, abs=1e-12)
    assert theory.critical_lr == pytest.approx(2 / lams[1], rel=1e-12)
    if kind == "saddle":
        assert quad.landscape is theory.landscape is Landscape.SADDLE
        assert theory.minimum is None and theory.minimum_loss is None and theory.gaps is None
        assert theory.condition is theory.best_lr is theory.momentum_lr is None
        assert theory.predicted_steps() is None and theory.prediction() is None
        assert theory.converges is None
        return
    assert quad.landscape is theory.landscape is Landscape.BOWL
    x_star = np.linalg.solve(h, -np.array(g))
    assert theory.minimum == pytest.approx(tuple(x_star), rel=1e-10, abs=1e-10)
    low = float(0.5 * x_star @ h @ x_star + np.array(g) @ x_star + c)
    assert theory.minimum_loss == pytest.approx(low, rel=1e-10, abs=1e-10)
    assert known_plane_minimum(expr) == theory.minimum_loss
    kappa = lams[1] / lams[0]
    assert theory.condition == pytest.approx(kappa, rel=1e-10)
    assert theory.best_lr == pytest.approx(2 / (lams[0] + lams[1]), rel=1e-12)
    assert theory.best_rate == pytest.approx((kappa - 1) / (kappa + 1), rel=1e-10)
    root = math.sqrt(kappa)
    assert theory.momentum_lr == pytest.approx(4 / (math.sqrt(lams[0]) + math.sqrt(lams[1])) ** 2)
    assert theory.momentum_beta == pytest.approx(((root - 1) / (root + 1)) ** 2, rel=1e-10)
    assert theory.momentum_rate == pytest.approx((root - 1) / (root + 1), rel=1e-10)
    # The start's gap along each direction, and their sum: the loss above its minimum.
    offset = np.array(start) - x_star
    _, vecs = np.linalg.eigh(h)
    comps = vecs.T @ offset
    assert theory.gaps == pytest.approx(tuple(lams / 2 * comps**2), rel=1e-8, abs=1e-12)
    assert sum(theory.gaps) == pytest.approx(float(0.5 * offset @ h @ offset), rel=1e-9)


def _descent_steps_float64(
    h: np.ndarray, g: np.ndarray, start: tuple[float, float], lr: float, limit: int
) -> tuple[int | None, list[float]]:
    """The first k whose loss above the minimum is at most TOL, iterating w -= lr * grad."""
    x_star = np.linalg.solve(h, -g)
    x = np.array(start, dtype=np.float64)
    gaps = []
    for k in range(limit + 1):
        d = x - x_star
        gap = float(0.5 * d @ h @ d)
        gaps.append(gap)
        if gap <= TOL:
            return k, gaps
        x = x - lr * (h @ x + g)
    return None, gaps


def _near_tol(gaps: list[float], k: int) -> bool:
    """Whether step k's gap (or the one before) is within float64 noise of TOL."""
    return any(abs(gaps[j] - TOL) <= 1e-9 * TOL for j in (k - 1, k) if 0 <= j < len(gaps))


@pytest.mark.parametrize("seed", range(30))
def test_predicted_steps_from_the_components_match_the_iterated_descent(seed: int) -> None:
    rng = random.Random(seed)
    h = _random_hessian(rng, "rotated" if seed % 3 else "axis")
    g = (rng.uniform(-5, 5), rng.uniform(-5, 5))
    text, h = _quadratic_text(h, g, 0.5)
    expr = parse_loss(text)
    lams = np.linalg.eigvalsh(h)
    lr = rng.uniform(0.2, 1.95) / lams[1]
    start = (rng.uniform(-6, 6), rng.uniform(-6, 6))
    theory = plane_theory_for(expr, RunSpec(w0=start[0], lr=lr), start)
    assert theory is not None
    predicted = theory.predicted_steps(TOL)
    expected, gaps = _descent_steps_float64(h, np.array(g), start, lr, 100_000)
    assert expected is not None
    assert predicted == expected or _near_tol(gaps, expected), (predicted, expected)
    assert theory.converges
    # A bound from the slowest direction alone would overcount where the start lies mostly
    # along the fast one: the prediction is the count itself, not the bound.
    slowest = max(theory.contractions)
    bound = math.ceil(math.log(TOL / sum(theory.gaps or ())) / (2 * math.log(slowest)))
    assert predicted is not None and predicted <= bound
    assert theory.predicted_steps(TOL, predicted) == predicted
    assert theory.predicted_steps(TOL, predicted - 1) is None if predicted else True
    assert str(theory.prediction(TOL)) == (
        f"predicted: within {TOL:g} of the lowest loss after {predicted:,} steps"
    )


def test_the_prediction_counts_each_direction_not_the_slowest_bound() -> None:
    # A stretched bowl, started almost along its steep axis: the flat direction's small gap
    # is within the tolerance long before the slow factor's bound says so.
    expr = parse_loss("0.5*w1**2 + 50*w2**2")  # λ = 1 and 100
    theory = plane_theory(plane_quadratic(expr) or _fail(), 0.015, (1e-3, 1.0))
    assert theory.factors == pytest.approx((0.985, -0.5))
    gaps = theory.gaps or _fail()
    assert gaps == pytest.approx((5e-7, 50.0))
    # gap(k) = 5e-7 * 0.985**2k + 50 * 0.25**k: the first k with gap(k) <= 1e-6
    exact = next(k for k in range(10_000) if 5e-7 * 0.985 ** (2 * k) + 50 * 0.25**k <= TOL)
    assert theory.predicted_steps(TOL) == exact == 14
    bound = math.ceil(math.log(TOL / sum(gaps)) / (2 * math.log(0.985)))
    assert bound > 500


def _fail() -> NoReturn:
    raise AssertionError("expected a value")


@pytest.mark.parametrize("seed", range(12))
def test_momentum_predicted_steps_match_the_iterated_heavy_ball(seed: int) -> None:
    rng = random.Random(100 + seed)
    text, h = _quadratic_text(_random_hessian(rng, "rotated"), (1.0, -2.0), 0.0)
    expr = parse_loss(text)
    quad = plane_quadratic(expr)
    assert quad is not None
    start = (rng.uniform(-5, 5), rng.uniform(-5, 5))
    lams = np.linalg.eigvalsh(h)
    beta = rng.uniform(0.0, 0.95)
    lr = rng.uniform(0.1, 1.5) / lams[1]
    theory = plane_theory(quad, lr, start, optimizer="momentum", beta=beta)
    steps = 3000
    x_star = np.linalg.solve(h, -np.array([1.0, -2.0]))
    x = np.array(start)
    prev = x.copy()
    gaps = []
    for _ in range(steps + 1):
        d = x - x_star
        gaps.append(float(0.5 * d @ h @ d))
        x, prev = x - lr * (h @ x + np.array([1.0, -2.0])) + beta * (x - prev), x
    above = [k for k, gap in enumerate(gaps) if gap > TOL]
    expected = None if above and above[-1] == steps else (above[-1] + 1 if above else 0)
    predicted = theory.predicted_steps(TOL, steps)
    close = any(abs(gap - TOL) <= 1e-8 * TOL for gap in gaps)
    assert predicted == expected or close, (predicted, expected)
    # The rate along each direction: the larger root of z**2 - (1 + β - lr λ) z + β.
    for lam, rate in zip(lams, theory.rates, strict=True):
        roots = np.roots([1.0, -(1 + beta - lr * lam), beta])
        assert rate == pytest.approx(float(np.abs(roots).max()), rel=1e-9)


def test_momentum_steps_past_one_block_of_the_recurrence() -> None:
    # Slow momentum (rates near 0.9995): the tolerance is reached after 17,000 steps, beyond
    # the first block of steps computed at once, so the early stop must not cut it short.
    quad = plane_quadratic(parse_loss("0.5*w1**2 + 50*w2**2")) or _fail()
    theory = plane_theory(quad, 0.001, (3.0, 1.0), optimizer="momentum", beta=0.999)
    h = np.diag([1.0, 100.0])
    x, prev = np.array([3.0, 1.0]), np.array([3.0, 1.0])
    last = 0
    for k in range(40_001):
        if 0.5 * x @ h @ x > TOL:
            last = k
        x, prev = x - 0.001 * (h @ x) + 0.999 * (x - prev), x
    assert 16_384 < last + 1 < 40_000
    assert theory.predicted_steps(TOL) == theory.predicted_steps(TOL, 40_000) == last + 1
    assert theory.predicted_steps(TOL, last) is None
    assert str(theory.prediction(TOL, last)) == (
        f"predicted: not within 1e-06 of the lowest loss in {last:,} steps"
    )


def test_momentum_at_its_best_pair_converges_at_its_rate() -> None:
    expr = parse_loss("(w1 + 1)**2 + 10*(w2 - 1)**2")  # λ = 2 and 20: κ = 10
    quad = plane_quadratic(expr)
    assert quad is not None
    gd = plane_theory(quad, 0.01, (5.0, 5.0))
    assert (gd.eigenvalues, gd.condition) == ((2.0, 20.0), 10.0)
    assert gd.momentum_lr is not None and gd.momentum_beta is not None
    best = plane_theory(
        quad, gd.momentum_lr, (5.0, 5.0), optimizer="momentum", beta=gd.momentum_beta
    )
    # At the best pair both directions' rates are √β (double roots), the pair's own rate.
    assert best.rates == pytest.approx((gd.momentum_rate, gd.momentum_rate), rel=1e-6)
    assert math.sqrt(gd.momentum_beta) == pytest.approx(gd.momentum_rate)
    assert gd.best_rate is not None and gd.momentum_rate is not None
    assert gd.momentum_rate < gd.best_rate  # momentum beats the best constant rate
    plain = best.predicted_steps(TOL, 10_000)
    at_best = plane_theory(quad, gd.best_lr or 0.0, (5.0, 5.0)).predicted_steps(TOL)
    assert plain is not None and at_best is not None and plain < at_best


# --- Singular Hessians: a valley of minima, or one that falls forever. --------------------------


@pytest.mark.parametrize("seed", range(8))
def test_a_valley_of_minima(seed: int) -> None:
    rng = random.Random(seed)
    p, q = rng.choice([1, 2, 3, -1, -2]), rng.choice([1, 2, 3, -1])
    s, r, m = rng.choice([0.25, 0.5, 1.0, 1.5]), rng.randint(-4, 4), rng.randint(-3, 3)
    expr = parse_loss(f"{s}*({p}*w1 + {q}*w2 + {r})**2 + {m}")
    quad = plane_quadratic(expr)
    assert quad is not None and quad.determinant == 0
    assert quad.landscape is Landscape.VALLEY
    assert quad.minimum is None and quad.minimum_loss == m
    h = np.array([[2 * s * p * p, 2 * s * p * q], [2 * s * p * q, 2 * s * q * q]])
    lr = rng.uniform(0.2, 1.9) / (2 * s * (p * p + q * q))
    start = (rng.uniform(-5, 5), rng.uniform(-5, 5))
    theory = plane_theory(quad, lr, start)
    assert theory.eigenvalues[0] == 0.0  # exactly: the determinant is exactly 0
    _check_eigen(h, theory)
    assert theory.factors[0] == 1.0 and theory.condition is None and theory.best_lr is None
    assert theory.gaps is not None and theory.gaps[0] == 0.0
    u = start[0] * p + start[1] * q + r
    assert sum(theory.gaps) == pytest.approx(s * u * u, rel=1e-12)
    # Descent moves only across the valley: the distance u shrinks by 1 - lr * λ2 a step.
    q2 = 1 - lr * 2 * s * (p * p + q * q)
    expected = next(k for k in range(100_000) if s * (u * q2**k) ** 2 <= TOL)
    assert (
        theory.predicted_steps(TOL) == expected
        or abs(expected - math.log(TOL / (s * u * u)) / (2 * math.log(abs(q2)))) < 1e-6
    )
    words = [str(m) for m in theory.sentences()]
    assert any("a valley: λ1 = 0" in w for w in words)
    assert any("along λ1's direction the gradient is 0" in w for w in words)


def test_a_valley_that_falls_forever_has_no_minimum() -> None:
    quad = plane_quadratic(parse_loss("(w1 + w2)**2 + (w1 - w2)/3"))
    assert quad is not None and quad.landscape is Landscape.SLOPE
    assert quad.minimum is None and quad.minimum_loss is None
    theory = plane_theory(quad, 0.1, (1.0, 2.0))
    assert theory.gaps is None and theory.predicted_steps() is None
    words = [str(m) for m in theory.sentences()]
    assert "no minimum: λ1 = 0, and the floor of the valley falls forever" in words
    assert any("w slides that way at a constant speed" in w for w in words)


def test_a_plane_slides_only_where_it_slopes() -> None:
    theory = plane_theory(plane_quadratic(parse_loss("w1 + w2 - w2")) or _fail(), 0.1, (1, 2))
    assert theory.landscape is Landscape.PLANE and theory.eigenvalues == (0.0, 0.0)
    assert theory.directions == ((0.0, 1.0), (1.0, 0.0)) and theory.slopes == (0.0, 1.0)
    words = [str(m) for m in theory.sentences()]
    assert "along λ1's direction the gradient is 0: w does not move that way" in words
    assert any(w.startswith("along λ2's direction the gradient stays the same") for w in words)


@pytest.mark.parametrize(
    ("text", "landscape"),
    [
        ("-(w1**2) - 2*w2**2", Landscape.CAP),
        ("-(w1 + w2)**2", Landscape.RIDGE),
        ("w1 - 2*w2", Landscape.PLANE),
        ("w1**2 - w2**2", Landscape.SADDLE),
        ("w1 - w1 + w2 - w2 + 1", Landscape.FLAT),
        ("(w1 + 1)**2 + 10*(w2 - 1)**2", Landscape.BOWL),
    ],
)
def test_landscapes_are_named(text: str, landscape: Landscape) -> None:
    quad = plane_quadratic(parse_loss(text))
    assert quad is not None and quad.landscape is landscape
    theory = plane_theory(quad, 0.1, (0.5, -0.5))
    for language in ("en", "zh"):
        set_language(language)
        try:
            assert landscape.label and all(str(m) for m in theory.sentences())
        finally:
            set_language("en")


def test_a_saddle_is_named_and_w_leaves_it() -> None:
    theory = plane_theory_for(parse_loss("w1**2 - w2**2"), RunSpec(w0=1.0, lr=0.1), (1.0, 0.5))
    assert theory is not None
    assert theory.eigenvalues == (-2.0, 2.0)
    assert theory.directions == ((0.0, 1.0), (1.0, 0.0))
    words = [str(m) for m in theory.sentences()]
    assert words[0] == (
        "a saddle: λ1 < 0 < λ2, so the loss falls away along λ1's direction and has no minimum"
    )
    assert "the Hessian's eigenvalues: λ1 = -2 along (0, 1), λ2 = 2 along (1, 0)" in words
    assert any("along λ1's direction the loss curves down" in w and "by 1.2," in w for w in words)
    assert not any(" converges: " in w for w in words)


def test_the_lessons_stretched_bowl_in_words() -> None:
    expr = parse_loss("(w1 + 1)**2 + 10*(w2 - 1)**2")
    theory = plane_theory_for(expr, RunSpec(w0=5.0, lr=0.09), (5.0, 5.0))
    assert theory is not None
    words = [str(m) for m in theory.sentences()]
    assert words[:5] == [
        "a bowl: both eigenvalues of the Hessian are above 0, and the one minimum is at"
        " w1 = -1, w2 = 1, where the loss is 0",
        "the Hessian's eigenvalues: λ1 = 2 along (1, 0), λ2 = 20 along (0, 1)",
        "κ = λ2/λ1 = 10: plain descent's best constant rate, 2/(λ1 + λ2) = 0.0909,"
        " shrinks the distance to the minimum by (κ - 1)/(κ + 1) = 0.818 a step",
        "plain descent's critical rate is 2/λ2 = 0.1: at it or above, descent no longer"
        " converges along λ2's direction",
        "at lr = 0.09 each step multiplies the gradient along λ1's direction by"
        " 1 - lr*λ1 = 0.82, and along λ2's by 1 - lr*λ2 = -0.8",
    ]
    assert "along λ2's direction w jumps from side to side" in words[5]
    assert words[6] == (
        "descent converges: each step multiplies the distance to the minimum by 0.82 or less"
    )
    assert words[7].startswith("momentum's best pair is lr = 4/(√λ1 + √λ2)^2 = 0.115")
    over = plane_theory_for(expr, RunSpec(w0=5.0, lr=0.11), (5.0, 5.0))
    assert over is not None and not over.converges and over.predicted_steps() is None
    assert any("|1 - lr*λ2| = 1.2 is above 1" in str(m) for m in over.sentences())
    cycle = plane_theory_for(expr, RunSpec(w0=5.0, lr=0.1), (5.0, 5.0))
    assert cycle is not None and cycle.factors[1] == -1.0
    assert any("jumps back and forth between two points" in str(m) for m in cycle.sentences())
    # A rate typed as 2/λ2 is the critical rate, though 1 - (2/49)*49 is not -1 in float64.
    steep = parse_loss("w1**2 + 24.5*w2**2")
    assert 1 - (2 / 49) * 49 != -1
    edge = plane_theory_for(steep, RunSpec(w0=1.0, lr=2 / 49), (1.0, 1.0))
    assert edge is not None and edge.factors == (1 - (2 / 49) * 2, -1.0)
    assert any("jumps back and forth between two points" in str(m) for m in edge.sentences())
    assert edge.converges is False
    # A tiny rate on a flat direction still shrinks it: not "never".
    slow = plane_theory_for(steep, RunSpec(w0=1.0, lr=1e-14), (1.0, 1.0))
    assert slow is not None and slow.factors[0] < 1 and slow.converges


def test_eigen_of_exact_entries() -> None:
    assert eigen((Fraction(3), Fraction(0), Fraction(3))) == ((3.0, 3.0), ((0.0, 1.0), (1.0, 0.0)))
    (low, high), (v1, v2) = eigen((Fraction(2), Fraction(1), Fraction(2)))
    assert (low, high) == (1.0, 3.0)
    assert v2 == pytest.approx((math.sqrt(0.5), math.sqrt(0.5)))
    assert v1 == pytest.approx((math.sqrt(0.5), -math.sqrt(0.5)))
    # a tiny eigenvalue beside a large one keeps its relative precision (no cancellation)
    # (the quadratic formula would lose it: in float64 entirely, in the 40 digits too).
    (low, high), _ = eigen((Fraction(10**30), Fraction(1), Fraction(2, 10**30)))
    assert low * high == pytest.approx(1.0, rel=1e-15)  # the determinant, 2 - 1
    assert high == 1e30
    assert low == pytest.approx(1e-30, rel=1e-15)


# --- Other losses: the Hessian at the start, with TensorFlow. ----------------------------------


def _finite_hessian(expr_text: str, w1: float, w2: float) -> np.ndarray:
    """Central second differences of the loss in float64, computed with TensorFlow in float64."""
    import tensorflow as tf

    fn = parse_loss(expr_text).tf_function()

    def f(a: float, b: float) -> float:
        return float(fn(tf.constant(a, tf.float64), tf.constant(b, tf.float64)))

    # w1, w2 rounded to float32 first: the engine's Hessian is at the float32 start.
    w1, w2 = float(np.float32(w1)), float(np.float32(w2))
    e = 1e-4
    h11 = (f(w1 + e, w2) - 2 * f(w1, w2) + f(w1 - e, w2)) / e**2
    h22 = (f(w1, w2 + e) - 2 * f(w1, w2) + f(w1, w2 - e)) / e**2
    h12 = (f(w1 + e, w2 + e) - f(w1 + e, w2 - e) - f(w1 - e, w2 + e) + f(w1 - e, w2 - e)) / (
        4 * e * e
    )
    return np.array([[h11, h12], [h12, h22]])


@pytest.mark.parametrize(
    ("text", "start"),
    [
        ("sin(w1)*cos(w2) + 0.1*(w1**2 + w2**2)", (0.7, -1.3)),
        ("(1 - w1)**2 + 100*(w2 - w1**2)**2", (-1.2, 1.0)),
        ("exp(0.3*w1*w2) + w1**4/4", (1.1, 0.4)),
        ("log(1 + w1**2 + 2*w2**2) + tanh(w1 - w2)", (0.5, 0.25)),
        ("sin(w1)", (0.3, 2.0)),  # w2 unused: its row of the Hessian is 0
    ],
)
def test_local_hessian_against_finite_differences(text: str, start: tuple[float, float]) -> None:
    expr = parse_loss(text)
    local = local_hessian(expr, *start)
    h11, h12, h22 = local.hessian
    fd = _finite_hessian(text, *start)
    scale = float(np.abs(fd).max()) or 1.0
    got = np.array([[h11, h12], [h12, h22]])
    assert np.abs(got - fd).max() <= 1e-4 * scale + 1e-5, (got, fd)
    assert local.point == (float(np.float32(start[0])), float(np.float32(start[1])))
    theory = plane_theory_for(expr, RunSpec(w0=start[0], lr=0.001), start, local)
    assert theory is not None and not theory.exact
    lams = np.linalg.eigvalsh(got)
    assert theory.eigenvalues == pytest.approx(tuple(lams), rel=1e-9, abs=1e-9 * scale)
    words = [str(m) for m in theory.sentences()]
    assert words[0].startswith("not a quadratic: these figures are local")
    assert words[1].startswith("its quadratic model at the start")
    said = theory.prediction(TOL, 10_000)
    if theory.gaps is None:  # the model has no minimum: nothing to be within tol of
        assert said is None
    else:
        assert str(said).startswith("estimated from the model at the start")
    assert pickle.loads(pickle.dumps(local)) == local


def test_the_engine_sends_a_hessian_only_for_a_loss_of_w1_w2_that_is_not_quadratic() -> None:
    rosenbrock = "(1 - w1)**2 + 100*(w2 - w1**2)**2"
    sent = start_hessian(rosenbrock, (-1.2, 1.0))
    assert sent == local_hessian(parse_loss(rosenbrock), -1.2, 1.0)
    assert sent is not None and sent.hessian == pytest.approx((1330.0, 480.0, 200.0), rel=1e-6)
    assert start_hessian("(w1 + 1)**2 + 10*(w2 - 1)**2", (5.0, 5.0)) is None  # exact theory
    assert start_hessian("sin(w)", (0.5,)) is None  # one parameter: the curvature's job
    assert start_hessian(rosenbrock, (1.0,)) is None
    assert start_hessian("w1 +", (1.0, 2.0)) is None  # refused: no Hessian, no failure


def test_no_local_theory_without_the_hessian() -> None:
    expr = parse_loss("sin(w1)*cos(w2)")
    assert plane_theory_for(expr, RunSpec(w0=0.5), (0.5, 0.5)) is None
    bad = LocalHessian((0.5, 0.5), math.nan, (0.0, 0.0), (1.0, 0.0, 1.0))
    assert plane_theory_for(expr, RunSpec(w0=0.5), (0.5, 0.5), bad) is None
    assert plane_theory_for(parse_loss("(w - 1)**2"), RunSpec(), (5.0, 0.0)) is None


def test_the_local_model_minimum_is_the_newton_step() -> None:
    local = LocalHessian((1.0, 2.0), 3.0, (2.0, -1.0), (4.0, 1.0, 2.0))
    model = local.model()
    assert model is not None and model.landscape is Landscape.BOWL
    h = np.array([[4.0, 1.0], [1.0, 2.0]])
    newton = np.array([1.0, 2.0]) - np.linalg.solve(h, [2.0, -1.0])
    assert model.minimum is not None
    assert tuple(float(x) for x in model.minimum) == pytest.approx(tuple(newton))
    step = newton - np.array([1.0, 2.0])
    low = 3.0 + np.array([2.0, -1.0]) @ step + 0.5 * step @ h @ step
    assert float(model.minimum_loss or 0) == pytest.approx(float(low))
    assert model(*model.minimum) == model.minimum_loss
    assert model.gradient(*model.minimum) == (0, 0)


# --- What the theory does not model, and what a run contradicts. ------------------------------


def test_what_the_theory_does_not_model_is_said() -> None:
    assert plane_models(RunSpec(lr=0.1)) is None
    assert plane_models(RunSpec(lr=0.1, optimizer="momentum")) is None
    assert str(plane_models(RunSpec(optimizer="adam"))) == (
        "the theory is of plain descent and momentum, not of adam: it predicts nothing of this run"
    )
    assert "not of nesterov" in str(plane_models(RunSpec(optimizer="nesterov")))
    for spec in (RunSpec(lr=0.1, decay=0.9), RunSpec(lr=0.1, warmup=5)):
        assert str(plane_models(spec)) == (
            "the rate changes from step to step (a schedule or a warm-up): the theory is of a"
            " constant lr = 0.1 and predicts nothing of this run"
        )


def test_an_unmodelled_run_gets_the_loss_but_no_prediction() -> None:
    expr = parse_loss("(w1 + 1)**2 + 10*(w2 - 1)**2")
    adam = plane_theory_for(expr, RunSpec(w0=5.0, lr=0.05, optimizer="adam"), (5.0, 5.0))
    warm = plane_theory_for(expr, RunSpec(w0=5.0, lr=0.05, warmup=3), (5.0, 5.0))
    plain = plane_theory_for(expr, RunSpec(w0=5.0, lr=0.05), (5.0, 5.0))
    assert adam is not None and warm is not None and plain is not None
    assert plain.unmodelled is None and plain.predicted_steps() is not None
    for theory in (adam, warm):
        assert theory.unmodelled is not None
        assert theory.predicted_steps() is None and theory.prediction() is None
        words = [str(m) for m in theory.sentences()]
        assert words[0] == str(theory.unmodelled)
        assert not any(w.startswith(("at lr =", "descent converges")) for w in words)
        assert theory.eigenvalues == plain.eigenvalues  # the loss's figures stay
        diverged = _result(10, Status(Outcome.DIVERGED, 3, theory.unmodelled))
        assert plane_contradiction(theory, diverged) is None
        assert plane_contradiction(plain, diverged) is not None


def _result(steps: int, status: Status, loss: np.ndarray | None = None) -> RunResult:
    """A run of ``steps`` steps with this status and loss (at the start and after each step
    but the last: ``steps + 1`` values, the last being the final loss); zeros by default."""
    zeros = np.zeros(steps, np.float32)
    seen = np.zeros(steps + 1, np.float32) if loss is None else loss.astype(np.float32)
    return RunResult(
        spec=RunSpec(epochs=steps),
        loss_expr="",
        step=np.arange(1, steps + 1),
        w=zeros,
        loss=seen[:-1],
        lr=zeros,
        lr64=zeros.astype(np.float64),
        final_loss=seen[-1],
        final_grad=np.float32(0),
        status=status,
        backend="test",
    )


def test_contradictions() -> None:
    from tui.i18n import msg

    quad = plane_quadratic(parse_loss("(w1 + 1)**2 + 10*(w2 - 1)**2"))
    assert quad is not None
    good = plane_theory(quad, 0.05, (5.0, 5.0))
    predicted = good.predicted_steps(TOL)
    assert predicted is not None and 50 < predicted < 200
    reason = msg("status.loss_tol", tol=TOL)
    falling = np.where(np.arange(301) < predicted, 1.0, 0.0)  # within tol from `predicted` on
    on_time = _result(300, Status(Outcome.CONVERGED, predicted, reason), falling)
    assert plane_contradiction(good, on_time) is None
    diverged = _result(300, Status(Outcome.DIVERGED, 40, reason))
    assert str(plane_contradiction(good, diverged)) == "the run diverged"
    late = _result(300, Status(Outcome.DESCENDING, None, reason), np.full(301, 1e-3))
    assert str(plane_contradiction(good, late)) == (
        f"the run had not reached the tolerance by step {predicted:,}"
    )
    # Judged from the loss's exact minimum, not the status's floor: a status that converged
    # by another rule (the gradient) does not hide a loss that never came within tol ...
    other_rule = _result(300, Status(Outcome.CONVERGED, 250, reason), np.full(301, 1e-3))
    assert str(plane_contradiction(good, other_rule)) == str(plane_contradiction(good, late))
    # ... and a status that did not reach it hides no loss that did.
    unjudged = _result(300, Status(Outcome.STALLED, 290, reason), falling)
    assert plane_contradiction(good, unjudged) is None
    short = _result(predicted, Status(Outcome.DESCENDING, None, reason), np.ones(predicted + 1))
    assert plane_contradiction(good, short) is None  # the run ended before the prediction
    bad = plane_theory(quad, 0.11, (5.0, 5.0))
    converged = _result(300, Status(Outcome.CONVERGED, 12, reason))
    assert str(plane_contradiction(bad, converged)) == "the run converged"
    saddle = plane_theory(plane_quadratic(parse_loss("w1**2 - w2**2")) or _fail(), 0.1, (1, 1))
    assert plane_contradiction(saddle, converged) is None  # no claim to contradict


# --- Predicted steps beside the engine's measured steps. ---------------------------------------


def _centred_bowl(rng: random.Random, rotated: bool) -> tuple[str, tuple[float, float]]:
    """A random bowl written around its minimum (so float32 computes its loss there to the
    last bits, and the minimum loss is 0), every constant a float32 (TensorFlow's loss is then
    exactly the polynomial the theory reads); and the minimum."""
    h = _random_hessian(rng, "rotated" if rotated else "axis")
    a, b, d = (float(np.float32(x)) for x in (h[0, 0] / 2, h[0, 1], h[1, 1] / 2))
    if 4 * a * d <= b * b:  # rounding made it singular: keep it a bowl
        d = float(np.float32(b * b / (4 * a) * 1.5 + 0.01))
    p, q = rng.randint(-24, 24) / 8, rng.randint(-24, 24) / 8
    text = f"{a!r}*(w1 - {p!r})**2 + {b!r}*(w1 - {p!r})*(w2 - {q!r}) + {d!r}*(w2 - {q!r})**2"
    return text, (p, q)


def test_predicted_steps_match_the_engine_on_random_bowls() -> None:
    from tui.engine import descent

    rng = random.Random(2026)
    agree = total = 0
    for case in range(16):
        text, minimum = _centred_bowl(rng, rotated=bool(case % 2))
        expr = parse_loss(text)
        assert known_plane_minimum(expr) == 0.0
        quad = plane_quadratic(expr)
        assert quad is not None and quad.minimum == minimum
        high = np.linalg.eigvalsh(
            np.array(
                [
                    [float(quad.hessian[0]), float(quad.hessian[1])],
                    [float(quad.hessian[1]), float(quad.hessian[2])],
                ]
            )
        )[1]
        specs, theories = [], []
        for _ in range(6):
            start = (rng.uniform(-5, 5), rng.uniform(-5, 5))
            lr = rng.uniform(0.2, 1.9) / high
            spec = RunSpec(w0=start[0], start2=start[1], lr=lr, epochs=5000)
            specs.append(spec)
            theory = plane_theory_for(expr, spec, start)
            assert theory is not None and theory.exact
            theories.append(theory)
        results = descent.run_batch(specs, expr)
        for spec, theory, result in zip(specs, theories, results, strict=True):
            assert plane_models(spec) is None
            # The engine's float32 loss above the minimum, 0: the first step after which it
            # stays within the tolerance (as the status counts it where the floor is known).
            seen = np.append(result.loss, result.final_loss).astype(np.float64)
            above = np.nonzero(seen > TOL)[0]
            measured = int(above[-1]) + 1 if above.size else 0
            assert measured <= spec.epochs
            predicted = theory.predicted_steps(TOL, spec.epochs)
            assert predicted is not None
            # float32 rounding (of lr, w and the gradient, step after step) may move the
            # crossing of the tolerance by a step, or by a few in a long run: near the end a
            # step of the slow direction is only a few float32 spacings of w. Measured: 95 of
            # these 96 runs to the step, one 3,862 steps for 3,860 predicted.
            slack = max(1, predicted // 1000)
            assert abs(measured - predicted) <= slack, (text, spec, measured, predicted)
            total += 1
            agree += measured == predicted
            assert plane_contradiction(theory, result) is None
    assert agree / total >= 0.9, (agree, total)


# --- Texts, pickling, imports. ------------------------------------------------------------------


def test_every_plane_key_is_in_the_catalogue() -> None:
    for landscape in Landscape:
        name = landscape.name.lower()
        for prefix in ("plane.landscape", "plane.kind", "plane.model"):
            assert f"{prefix}.{name}" in EN_MESSAGES


def test_a_theory_pickles_with_its_words() -> None:
    quad = quadratic_of(parse_loss("(w1 + 1)**2 + 10*(w2 - 1)**2").program)
    assert quad is not None
    theory = plane_theory(quad, 0.05, (5.0, 5.0), optimizer="momentum", beta=0.5)
    again = pickle.loads(pickle.dumps(theory))
    assert again == theory
    assert [str(m) for m in again.sentences()] == [str(m) for m in theory.sentences()]


def test_bad_arguments() -> None:
    quad = plane_quadratic(parse_loss("w1**2 + w2**2"))
    assert quad is not None
    for bad in (
        lambda: plane_theory(quad, -0.1, (0.0, 0.0)),
        lambda: plane_theory(quad, math.nan, (0.0, 0.0)),
        lambda: plane_theory(quad, 0.1, (math.inf, 0.0)),
        lambda: plane_theory(quad, 0.1, (0.0, 0.0), optimizer="adam"),
        lambda: plane_theory(quad, 0.1, (0.0, 0.0), optimizer="momentum", beta=1.0),
        lambda: plane_theory(quad, 0.1, (1.0, 0.0)).predicted_steps(0.0),
    ):
        with pytest.raises(ValueError):
            bad()


def test_import_loads_neither_tensorflow_nor_textual() -> None:
    code = (
        "import sys, tui.engine.theory_plane, tui.engine.plane_quadratic\n"
        "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    modules = set(proc.stdout.split())
    assert "tui" in modules
    assert "tensorflow" not in modules and "textual" not in modules
