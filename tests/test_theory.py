"""Theory beside the curve: quadratic detection, the regimes of q = 1 - lr*L, predicted steps."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tui.engine import analysis, descent
from tui.engine.losses import parse_loss
from tui.engine.spec import RunSpec
from tui.engine.theory import (
    Quadratic,
    Regime,
    local_curvature,
    quadratic,
    theory_for,
)

ROOT = Path(__file__).resolve().parents[1]
TOL = analysis.DEFAULT_TOL
SEED = parse_loss("(w + 1)**2")

# --- Detection. --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "a", "b", "c"),
    [
        ("(w + 1)**2", 1, 2, 1),
        ("(w+1)^2", 1, 2, 1),
        ("3*(w - 2)**2 + 1", 3, -12, 13),
        ("w**2/2", 0.5, 0, 0),
        ("w*w + w", 1, 1, 0),
        ("-(-w)**2 + 2*w**2", 1, 0, 0),
        ("(2*w + 1)*(w - 3)", 2, -5, -3),
        ("w**3 - w**3 + w**2", 1, 0, 0),  # higher terms that cancel
        ("w**20 - w**20 + w**2", 1, 0, 0),  # tf.pow with a whole exponent
        ("0*w**3 + (w - pi)**2", 1, -2 * math.pi, math.pi**2),
        ("w**2 + 1/(w - w + 2)", 1, 0, 0.5),  # division by a constant
        ("(w/4 - 1)**2*16", 1, -8, 16),
    ],
)
def test_quadratics_are_recognized_with_their_coefficients(
    text: str, a: float, b: float, c: float
) -> None:
    quad = quadratic(parse_loss(text))
    assert quad is not None
    assert (quad.a, quad.b, quad.c) == pytest.approx((a, b, c), rel=1e-15, abs=1e-15)
    assert quad.curvature == pytest.approx(2 * a)
    assert quad.minimum_w == pytest.approx(-b / (2 * a), abs=1e-15)
    assert quad.minimum_loss == pytest.approx(c - b * b / (4 * a), abs=1e-12)


@pytest.mark.parametrize(
    "text",
    [
        "w**4 - 3*w**2 + w",
        "sin(w)",
        "abs(w - 2)",
        "w**3",
        "-(w**2)",  # concave: no minimum
        "1 - (w + 1)**2",  # concave
        "2*w",  # linear
        "w - w + 3",  # constant
        "sqrt((w + 1)**2)",  # a function of w, though it equals |w + 1|
        "w**2 + 1/w",  # division by w
        "w**3/w",  # not w**2: it is nan at w = 0
        "w**2/(w - w)",  # division by zero
        "w**2.5",  # fractional power
        "w**w",  # exponent with w
        "(w**16)**16 - (w**16)**16 + w**2",  # beyond MAX_DEGREE
        "(1e38*w*1e38*1e38*1e38*1e38*1e38*1e38*1e38*1e38)**2",  # coefficient overflows float64
    ],
)
def test_non_quadratics_are_refused(text: str) -> None:
    assert quadratic(parse_loss(text)) is None


def test_exact_minimum_survives_rounded_coefficients() -> None:
    quad = quadratic(parse_loss("(w - 1000)**2 + 1e-3"))
    assert quad is not None
    assert quad.c == 1000000.001  # rounded: c - b**2/(4a) from it would be 0.0010000000475
    assert quad.minimum_w == 1000.0
    assert quad.minimum_loss == 1e-3
    assert Quadratic(1.0, 2.0, 1.0) == quadratic(SEED)
    assert Quadratic(1.0, 2.0, 1.0)(5.0) == 36.0


# --- The lesson's numbers. ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lr", "q", "regime"),
    [
        (0.01, 0.98, Regime.MONOTONE),
        (0.5, 0.0, Regime.ONE_STEP),
        (0.99, -0.98, Regime.OSCILLATING),
        (1.0, -1.0, Regime.TWO_CYCLE),
        (1.01, -1.02, Regime.DIVERGING),
        (0.0, 1.0, Regime.STILL),
    ],
)
def test_lesson_rates(lr: float, q: float, regime: Regime) -> None:
    theory = theory_for(SEED, lr, 5.0)
    assert theory is not None
    assert theory.exact
    assert theory.curvature == 2.0
    assert theory.contraction == pytest.approx(q, abs=1e-15)
    assert theory.regime is regime
    assert theory.critical_lr == 1.0
    assert theory.optimal_lr == 0.5
    assert (theory.minimum_w, theory.minimum_loss) == (-1.0, 0.0)


def test_same_speed_one_side_or_across() -> None:
    slow, fast = theory_for(SEED, 0.01, 5.0), theory_for(SEED, 0.99, 5.0)
    assert slow is not None and fast is not None
    assert abs(slow.contraction) == pytest.approx(abs(fast.contraction))
    assert slow.predicted_steps(TOL, 5.0) == fast.predicted_steps(TOL, 5.0) == 431
    assert str(slow.why) == (
        "each step multiplies the distance to the minimum by q = 0.98: w approaches from one side"
    )
    assert "q = -0.98" in str(fast.why) and "across the minimum, closer" in str(fast.why)


def test_why_never_rounds_to_a_boundary() -> None:
    near = theory_for(SEED, 0.9999999, 5.0)
    assert near is not None and near.regime is Regime.OSCILLATING
    assert "q = -0.9999998" in str(near.why)


@pytest.mark.parametrize(
    ("lr", "steps"),
    [(0.0, None), (0.5, 1), (1.0, None), (1.01, None), (3.0, None)],
)
def test_predicted_steps_edges(lr: float, steps: int | None) -> None:
    theory = theory_for(SEED, lr, 5.0)
    assert theory is not None
    assert theory.predicted_steps(TOL, 5.0) == steps
    assert theory.predicted_steps(TOL, -1.0005) == 0  # already within tol
    assert theory.predicted_steps() == steps  # the theory's own w0 and DEFAULT_TOL


def test_boundaries_of_other_curvatures() -> None:
    expr = parse_loss("3*(w - 2)**2 + 1")
    one = theory_for(expr, 1 / 6, 5.0)
    two = theory_for(expr, 1 / 3, 5.0)
    assert one is not None and one.regime is Regime.ONE_STEP and one.contraction == 0.0
    assert two is not None and two.regime is Regime.TWO_CYCLE and two.contraction == -1.0
    assert (one.minimum_w, one.minimum_loss, one.critical_lr) == (2.0, 1.0, 1 / 3)


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="lr"):
        theory_for(SEED, -0.1, 5.0)
    with pytest.raises(ValueError, match="lr"):
        theory_for(SEED, math.nan, 5.0)
    with pytest.raises(ValueError, match="w0"):
        theory_for(SEED, 0.1, math.inf)
    theory = theory_for(SEED, 0.1, 5.0)
    assert theory is not None
    with pytest.raises(ValueError, match="tol"):
        theory.predicted_steps(0.0, 5.0)


# --- Predicted steps next to the engine's measured ones. ---------------------------------------

W0S = [5.0, -3.0, 0.5, 10.0, -100.0, 1234.5, 1e4]

#: How far float32 rounding (of lr, w and the gradient, step after step) may move the crossing
#: of the tolerance, in steps. Measured: at most 0.06 over 3,200 random (lr, w0) on 4 quadratics.
SLACK = 0.1


def _continuous_steps(gap0: float, q: float, tol: float) -> float:
    """The real number k at which gap0 * q**(2k) equals tol (the prediction is its ceiling)."""
    return math.log(tol / gap0) / (2 * math.log(abs(q)))


def _first(hits: np.ndarray) -> int:
    """The first step (1-based) after which ``hits`` holds, as steps_to_tolerance counts."""
    found = np.nonzero(hits)[0]
    assert found.size, "the run did not reach the tolerance"
    return int(found[0]) + 1


@pytest.mark.parametrize(
    ("text", "lrs"),
    [
        ("(w + 1)**2", [0.001, 0.01, 0.05, 0.1, 0.25, 0.3, 0.45, 0.5, 0.55, 0.7, 0.9, 0.95, 0.99]),
        ("3*(w - 2)**2 + 1", [0.001, 0.01, 0.05, 0.1, 1 / 6, 0.2, 0.25, 0.3, 0.32, 0.33]),
    ],
)
def test_predicted_steps_match_the_engine(text: str, lrs: list[float]) -> None:
    expr = parse_loss(text)
    quad = quadratic(expr)
    assert quad is not None
    c = quad.minimum_loss
    # The engine's loss is float32: near c it is a multiple of this spacing, so "loss - c <= tol"
    # holds for a gap anywhere up to half a spacing on either side of tol (about 6e-8 at c = 1).
    half = float(np.spacing(np.float32(c + TOL))) / 2 if c else 0.0
    counts = exact = 0
    for w0 in W0S:
        specs = [RunSpec(w0=w0, lr=lr, epochs=10_000) for lr in lrs]
        for lr, result in zip(lrs, descent.run_batch(specs, expr), strict=True):
            theory = theory_for(expr, lr, w0)
            assert theory is not None and theory.exact
            predicted = theory.predicted_steps(TOL, w0)
            assert predicted is not None
            # Measured from the engine's float32 loss above its minimum: the first step within
            # the tolerance, which for these runs is also the step after which it stays within
            # (the status's steps to the tolerance, measured from the same exact minimum) ...
            after = np.append(result.loss[1:], result.final_loss).astype(np.float64)
            by_loss = _first(after - c <= TOL)
            assert result.status.steps_to_tol == by_loss, (w0, lr)
            # ... and from the engine's float32 w in float64, free of the loss's rounding near c.
            by_w = _first(quad.a * (result.w.astype(np.float64) - quad.minimum_w) ** 2 <= TOL)
            if theory.contraction == 0:
                assert by_loss == by_w == predicted == 1
                counts, exact = counts + 2, exact + 2
                continue
            gap0 = quad.a * (w0 - quad.minimum_w) ** 2
            k = _continuous_steps(gap0, theory.contraction, TOL)
            assert predicted == math.ceil(k)
            # By w: the prediction, unless k is within SLACK of a whole number (then +-1).
            assert math.ceil(k - SLACK) <= by_w <= math.ceil(k + SLACK), (w0, lr, k, by_w)
            # By loss: the same, for any tolerance within half a float32 spacing of tol.
            k_early = _continuous_steps(gap0, theory.contraction, TOL + half)
            k_late = _continuous_steps(gap0, theory.contraction, TOL - half)
            where = (w0, lr, k, by_loss)
            assert math.ceil(k_early - SLACK) <= by_loss <= math.ceil(k_late + SLACK), where
            counts += 2
            exact += (by_w == predicted) + (by_loss == predicted)
    assert exact / counts >= 0.9, (exact, counts)  # most agree to the step


def test_predicted_zero_when_starting_within_tolerance() -> None:
    theory = theory_for(SEED, 0.1, -1.0005)
    assert theory is not None and theory.predicted_steps(TOL, -1.0005) == 0
    result = descent.run(RunSpec(w0=-1.0005, lr=0.1, epochs=5), SEED)
    assert result.loss[0] <= TOL  # within the tolerance at w0, and it stays: 0 steps, as predicted
    assert result.status.steps_to_tol == 0
    assert str(result.status) == "converged from the start"


# --- Local curvature for other losses. ---------------------------------------------------------


def test_local_curvature() -> None:
    assert local_curvature(parse_loss("sin(w)"), 0.3) == pytest.approx(-math.sin(0.3), rel=1e-6)
    assert local_curvature(parse_loss("w**4 - 3*w**2 + w"), 1.0) == 6.0
    assert local_curvature(SEED, 5.0) == 2.0
    assert local_curvature(parse_loss("2*w"), 5.0) == 0.0


def test_local_theory() -> None:
    expr = parse_loss("w**4 - 3*w**2 + w")
    assert theory_for(expr, 0.1, 1.0) is None  # not quadratic, no curvature given
    theory = theory_for(expr, 0.1, 1.0, lambda w: local_curvature(expr, w))
    assert theory is not None
    assert not theory.exact
    assert theory.curvature == 6.0
    assert theory.contraction == pytest.approx(0.4)
    assert theory.regime is Regime.MONOTONE
    assert theory.critical_lr == pytest.approx(1 / 3)
    # The local model 6/2 (w - 1)**2 - (w - 1) - 1 has its minimum at 1 + 1/6.
    assert theory.minimum_w == pytest.approx(1 + 1 / 6)
    assert theory.minimum_loss == pytest.approx(-1 - 1 / 12)
    assert "about q = 0.4 (curvature 6 at w = 1)" in str(theory.why)
    gap = 3 * (1 / 6) ** 2
    expected = math.ceil(math.log(TOL / gap) / (2 * math.log(0.4)))
    assert theory.predicted_steps(TOL, 1.0) == expected


@pytest.mark.parametrize(
    ("text", "w0"),
    [("sin(w)", 0.3), ("-(w**2)", 1.0), ("2*w", 1.0), ("log(w)", -1.0), ("1/w", 0.0)],
)
def test_no_minimum_in_sight(text: str, w0: float) -> None:
    expr = parse_loss(text)
    assert theory_for(expr, 0.1, w0, lambda w: local_curvature(expr, w)) is None


@pytest.mark.parametrize(
    "text",
    [
        "sin(w) + cos(w) + tan(w) + atan(w)",
        "sinh(w) + cosh(w) + tanh(w) + exp(w)",
        "log(w) + log1p(w) + sqrt(w) + abs(w - 2)",
        "sigmoid(w) + softplus(w) + min(w, 0.5) + max(2*w, 1)",
        "w**2.5 + 2**w + w**w + w**5 + 1/(w + 1) - w*sin(w)",
    ],
)
def test_local_slope_matches_tensorflow(text: str) -> None:
    import tensorflow as tf

    expr = parse_loss(text)
    w0 = 0.7
    x = tf.constant(w0, tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(x)
        value = expr.tf_function()(x)
    slope_tf = float(tape.gradient(value, x))
    # With curvature 1, the local model's minimum is one slope below w0.
    theory = theory_for(expr, 0.1, w0, lambda w: 1.0)
    assert theory is not None and not theory.exact
    assert w0 - theory.minimum_w == pytest.approx(slope_tf, rel=1e-5)
    assert theory.minimum_loss == pytest.approx(float(value) - slope_tf**2 / 2, rel=1e-5)


# --- Import hygiene. ---------------------------------------------------------------------------


def test_import_loads_neither_tensorflow_nor_textual() -> None:
    code = (
        "import sys, tui.engine.theory\n"
        "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    modules = set(proc.stdout.split())
    assert "tui" in modules
    assert "tensorflow" not in modules
    assert "textual" not in modules
