"""The loss's gradient at a few values of w, as the descent loop's tape computes it.

Playback writes the current step's update out with its numbers (``w - lr * g``); ``g`` must be
the very float32 the loop subtracted, so it is computed here with the loop's own step
(:mod:`tui.engine.descent`): the same ``GradientTape`` over the same loss, on the same backend (XLA
for an XLA-exact loss where XLA is trusted, with the XLA loop's step; else graph mode, with the
graph-mode loop's :func:`tui.engine.lane_loss.loss_and_gradients`). For the seed's ``gd`` this makes
``w_after == float32(w_before - float32(lr32 * g))`` hold at every step (the tests check it).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any, cast

import numpy as np

from tui.engine import descent, tfenv
from tui.engine.losses import LossError, parse_loss
from tui.i18n import msg

#: The most values of w one request may ask about: a window of steps around the one shown
#: (the classroom's engine serves many visitors: nobody may ask for a million gradients).
MAX_POINTS = 32

tf = descent.tf


def gradients(loss: str, ws: Sequence[float]) -> np.ndarray:
    """The gradient of ``loss`` at each of ``ws`` (rounded to float32 first), as float32.

    Raises :class:`~tui.engine.losses.LossError` for a loss that is refused, or is not of the
    one parameter ``w``, and ``ValueError`` for more than :data:`MAX_POINTS` values.
    """
    expr = parse_loss(loss)
    if len(expr.params) != 1:
        raise LossError(loss, msg("loss.update_one_parameter"))
    if len(ws) > MAX_POINTS:
        raise ValueError(f"{len(ws)} values of w asked for, at most {MAX_POINTS}")
    k = len(ws)
    if k == 0:
        return np.empty(0, np.float32)
    backend = "xla" if expr.xla_exact and descent.xla_in_use() else "graph"
    lanes = tfenv.bucket(k, 1)  # a few sizes only: each is traced once
    w = np.zeros(lanes, np.float32)
    w[:k] = np.asarray(ws, np.float64).astype(np.float32)
    grads = _compiled(str(expr), backend, lanes)(tf.constant(w))
    out: np.ndarray = np.asarray(grads.numpy(), np.float32)[:k]
    return out


@lru_cache(maxsize=32)
def _compiled(expr: str, backend: str, lanes: int) -> Callable[[Any], Any]:
    """``grads(w[lanes]) -> g[lanes]`` for one loss, as the descent loop of ``backend`` takes
    its gradient (tf.function is untyped: TensorFlow ships no types)."""
    if backend == "graph":
        from tui.engine import lane_loss

        # The graph-mode loop's own loss and gradients: every lane on the scalar kernels, the
        # gradients of w's uses summed in the eager tape's order.
        loss = lane_loss.LaneLoss(parse_loss(expr).program, lanes)

        def graph_grads(w: Any) -> Any:
            _, grads = lane_loss.loss_and_gradients(loss, (w,))
            return grads[0]

        return cast("Callable[[Any], Any]", tf.function(graph_grads, autograph=False))
    fn = parse_loss(expr).tf_function()

    def xla_grads(w: Any) -> Any:
        # The XLA loop's step: the tape over the loss function, the lanes one vector.
        with tf.GradientTape() as tape:
            tape.watch(w)
            value = fn(w)
        return tape.gradient(value, w, unconnected_gradients=tf.UnconnectedGradients.ZERO)

    return cast("Callable[[Any], Any]", tf.function(xla_grads, jit_compile=True, autograph=False))
