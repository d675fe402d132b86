"""A loss's program evaluated by NumPy in float64, on whole grids at once, without TensorFlow.

The chart's landscape (the level lines of a loss of ``w1`` and ``w2``) needs the loss at
thousands of points while the explorer draws; TensorFlow is the engine's, in its own process,
and would round every value to float32 anyway. This evaluator walks the same program
(:mod:`tui.engine.loss_ir`) that :func:`~tui.engine.loss_ir.builder` gives TensorFlow, op for
op, with the NumPy function of each operation of the registry: what it gives agrees with the
engine's float32 loss to float32 rounding (``tests/test_loss_numpy.py``), and is meant for
drawing, never for the run's numbers.

A point outside an operation's domain (``log`` of a negative, an overflow) gives nan or inf as
NumPy does, with no warning: the caller keeps the finite values.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

import numpy as np

from tui.engine.loss_functions import REGISTRY
from tui.engine.loss_ir import Node, Num, Op, W

__all__ = ["NUMPY_OPS", "evaluate"]


def _sigmoid(x: np.ndarray) -> np.ndarray:
    """The logistic function, without overflow for large ``|x|``."""
    z = np.exp(-np.abs(x))
    out: np.ndarray = np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))
    return out


def _softplus(x: np.ndarray) -> np.ndarray:
    """``log(1 + exp(x))`` without overflow for large ``x``."""
    out: np.ndarray = np.logaddexp(0.0, x)
    return out


#: The two functions NumPy lacks, by the registry's ``np_path`` (:mod:`tui.engine.loss_functions`).
_OWN: dict[str, Callable[..., Any]] = {"sigmoid": _sigmoid, "softplus": _softplus}

#: The NumPy function of each operation of :data:`~tui.engine.loss_functions.REGISTRY`, by
#: name, from each record's ``np_path`` (a test checks that every operation has one).
NUMPY_OPS: Mapping[str, Callable[..., Any]] = MappingProxyType(
    {
        name: _OWN[record.np_path] if record.np_path in _OWN else getattr(np, record.np_path)
        for name, record in REGISTRY.items()
    }
)


def evaluate(program: Node, *ws: np.ndarray | float) -> np.ndarray:
    """The loss ``program`` at the points ``ws`` (one array per parameter, broadcast together:
    ``evaluate(p, w)`` or ``evaluate(p, w1, w2)``), in float64, as an array of their shape."""
    arrays = [np.asarray(w, dtype=np.float64) for w in ws]
    shape = np.broadcast_shapes(*(a.shape for a in arrays))

    def power(x: np.ndarray, n: int) -> np.ndarray:
        if n == 1:
            return x
        value: np.ndarray = (
            np.square(power(x, n // 2)) if n % 2 == 0 else np.multiply(x, power(x, n - 1))
        )
        return value

    def emit(node: Node) -> np.ndarray:
        if isinstance(node, W):
            return arrays[node.index]
        if isinstance(node, Num):
            return np.asarray(node.value, dtype=np.float64)
        if isinstance(node, Op):
            result: np.ndarray = NUMPY_OPS[node.name](*(emit(arg) for arg in node.args))
            return result
        return power(emit(node.base), node.n)

    with np.errstate(all="ignore"):
        values = emit(program)
    grid: np.ndarray = np.broadcast_to(np.asarray(values, dtype=np.float64), shape).copy()
    return grid
