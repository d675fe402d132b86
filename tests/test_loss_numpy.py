"""The NumPy evaluator of a loss's program (the landscape's grid) against TensorFlow's loss."""

from __future__ import annotations

import numpy as np
import pytest

from tui.engine.loss_functions import REGISTRY
from tui.engine.loss_numpy import NUMPY_OPS, evaluate
from tui.engine.losses import parse_loss

LOSSES = (
    "(w1 + 1)**2 + 10*(w2 - 1)**2",
    "(1 - w1)**2 + 100*(w2 - w1**2)**2",
    "w1**2 - w2**2",
    "sin(w1)*cos(w2) + 0.1*(w1**2 + w2**2)",
    "exp(0.3*w1) + log1p(w2**2) + tanh(w1*w2) + sigmoid(w2) + softplus(w1 - w2)",
    "atan(w1)**3 + sqrt(w2**2 + 1) + abs(w1)/(1 + w2**2) + min(w1, w2) + max(w1, 2*w2)",
    "w1**7 / 1000 + w2**-2 + (w2**2 + 1)**0.75 + sinh(0.5*w1) - cosh(0.2*w2) + tan(0.1*w1)",
    "(w + 1)**2",
    "sin(3*w) + 0.1*w^2 + log(w**2 + 1)",
)


def test_every_operation_has_a_numpy_function() -> None:
    assert set(NUMPY_OPS) == set(REGISTRY)


@pytest.mark.parametrize("text", LOSSES)
def test_agrees_with_tensorflow_within_float32_rounding(text: str) -> None:
    import tensorflow as tf

    expr = parse_loss(text)
    rng = np.random.default_rng(15)
    points = rng.uniform(-2.5, 2.5, size=(len(expr.params), 400)).astype(np.float32)
    points[:, 0] = 0.5  # away from w2 = 0, where w2**-2 has no float32 value to compare
    if "w2**-2" in text:
        points[1] = np.where(np.abs(points[1]) < 0.1, 0.5, points[1])
    loss = expr.tf_function()
    expected = np.array(
        [float(loss(*(tf.constant(v) for v in column))) for column in points.T], np.float64
    )
    got = evaluate(expr.program, *points)
    assert got.dtype == np.float64 and got.shape == (400,)
    # Each op of the float32 program rounds once: a few ulps of the largest term.
    scale = np.maximum(np.abs(expected), 1.0)
    assert np.all(np.abs(got - expected) <= 64 * np.finfo(np.float32).eps * scale)
    # And it is float64, not float32: the evaluator keeps digits TensorFlow rounds away.
    assert np.any(got != got.astype(np.float32))


def test_a_grid_broadcasts_and_outside_the_domain_gives_nan_quietly() -> None:
    expr = parse_loss("log(w1) + w2**2")
    w1, w2 = np.meshgrid(np.linspace(-1, 1, 5), np.linspace(0, 2, 3))
    with np.errstate(all="raise"):  # no warning escapes the evaluator
        values = evaluate(expr.program, w1, w2)
    assert values.shape == (3, 5)
    assert np.isnan(values[:, 0]).all() and np.isinf(values[:, 2]).all()
    assert values[1, 4] == pytest.approx(1.0)
    # A loss naming only w1 still gives the grid's shape.
    assert evaluate(parse_loss("w1**2").program, w1, w2).shape == (3, 5)


def test_constants_enter_in_float64_not_rounded_to_float32() -> None:
    # TensorFlow rounds 0.1 to float32 (0.10000000149...); the grid keeps Python's 0.1.
    assert evaluate(parse_loss("0.1*w1 + w2").program, 1.0, 0.0) == 0.1
    assert evaluate(parse_loss("w**3 / 3").program, 0.1) == 0.1 * (0.1 * 0.1) / 3
