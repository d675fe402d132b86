"""Graph-mode descent on many lanes in one loop, every lane rounded as the eager loop's scalar.

The graph-mode loop (losses XLA does not compute exactly, and every loss where XLA is off) must
give, lane by lane, the bits of the lesson's eager loop on a scalar ``w``. The earlier loop
built the whole loss and its gradient once per lane: about 25 graph ops per lane and step, and
a trace that grew with the lanes and was made again for each new count. Here each operation of
the loss's program is built once for all the lanes of a block
(:class:`~tui.engine.lane_loss.LaneLoss`); an op that vector kernels would round differently
is taken on groups of lanes small enough for Eigen's scalar kernels
(:mod:`tui.engine.scalar_lanes`).

The loop takes the parameters as a tuple of lane vectors (``w``, or ``w1`` and ``w2``; the IR's
:class:`~tui.engine.loss_ir.W` ``index`` picks one) and takes the tape's gradient for each,
each taking the seed's step ``w - lr * g``.

A compiled loop serves any step count (``input_signature``) and one lane count: counts are
padded to a power of two up to :data:`BLOCK` lanes, and more lanes run as several blocks of
:data:`BLOCK`, so a range test of any count up to :data:`BLOCK` or above it reuses one trace.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from tui.engine import tfenv
from tui.engine.lane_loss import LaneLoss, loss_and_gradients
from tui.engine.loss_functions import REGISTRY
from tui.engine.losses import LossExpr, parse_loss

tf = tfenv.load()

#: Steps per compiled call: a caller can stop a run, and see its progress, between chunks.
CHUNK = 1 << 13

#: The most lanes one compiled loop holds when the loss has ops taken by groups (its trace and
#: graph grow with them); more lanes run block after block. A loss of vector-exact ops only has
#: one op per node whatever the lanes: :data:`VECTOR_BLOCK`.
BLOCK = 256
VECTOR_BLOCK = 2048


def lanewise_ops(expr: LossExpr) -> frozenset[str]:
    """The operations of ``expr`` that are taken group by group (not ``vector_exact``)."""
    return frozenset(name for name in expr.ops if not REGISTRY[name].vector_exact)


def block_size(expr: LossExpr, k: int) -> int:
    """The lanes of one compiled loop for ``k`` runs of ``expr``: ``k`` padded to a power of
    two, at most :data:`BLOCK` (or :data:`VECTOR_BLOCK` for a loss of vector-exact ops)."""
    most = BLOCK if lanewise_ops(expr) else VECTOR_BLOCK
    return min(tfenv.bucket(k, 1), most)


#: The most steps a short run (within :func:`tui.engine.tfenv.graph_only`: the explorer's first
#: run, ``lr-explorer run``'s short one) takes as one call of a compiled step each
#: (:func:`compiled_step`) rather than through :func:`compiled_loop`: the loop's first trace and
#: run take about 0.25 s here, a step's about 0.06 s, and each call of it about 0.3 ms.
STEPWISE_MOST = 256


def _step(
    loss: LaneLoss, ws: tuple[Any, ...], lr: Any
) -> tuple[tuple[Any, ...], Any, tuple[Any, ...]]:
    """One step of the seed's update on lane vectors: ``(w after it, the loss before it, the
    gradient)``; the loop's body, and :func:`compiled_step`."""
    value, grads = loss_and_gradients(loss, ws)
    # As the seed: w.assign_sub(lr * grads), the product rounded to float32 first.
    return tuple(w - lr * g for w, g in zip(ws, grads, strict=True)), value, tuple(grads)


@lru_cache(maxsize=32)
def compiled_step(expr: str, lanes: int) -> Callable[..., Any]:
    """One step of :func:`compiled_loop`'s body as a graph of its own, the same ops:
    ``step(w[P, lanes], lr[lanes]) -> (w after it [P, lanes], loss before it [lanes],
    g[P, lanes])``; at ``lr`` 0, the loss and gradient at ``w``."""
    parsed = parse_loss(expr)
    count = len(parsed.params)
    loss = LaneLoss(parsed.program, lanes)

    def step(w: Any, lr: Any) -> tuple[Any, Any, Any]:
        w_next, value, grads = _step(loss, tuple(tf.unstack(w, num=count)), lr)
        return tf.stack(w_next), value, tf.stack(grads)

    signature = [tf.TensorSpec([count, lanes], tf.float32), tf.TensorSpec([lanes], tf.float32)]
    compiled: Callable[..., Any] = tf.function(step, input_signature=signature, autograph=False)
    return compiled


def stepwise_loop(expr: str, lanes: int) -> Callable[..., tuple[np.ndarray, ...]]:
    """:func:`compiled_loop`'s loop, the same bits, as one call of :func:`compiled_step` a step:
    for a short run, whose time the loop's trace would take (see :data:`STEPWISE_MOST`)."""
    step = compiled_step(expr, lanes)

    def loop(w0: Any, lrs: np.ndarray) -> tuple[np.ndarray, ...]:
        w = tf.constant(w0)
        w_rows, loss_rows = [], []
        for row in np.asarray(lrs):
            w, value, _ = step(w, tf.constant(row))
            w_rows.append(w.numpy())
            loss_rows.append(value.numpy())
        _, final_loss, final_grads = step(w, tf.zeros([lanes]))
        count = w.shape[0]
        ws = np.stack(w_rows, 1) if w_rows else np.empty((count, 0, lanes), np.float32)
        loss = np.array(loss_rows, np.float32).reshape(len(loss_rows), lanes)
        return ws, loss, w.numpy(), final_loss.numpy(), final_grads.numpy()

    return loop


@lru_cache(maxsize=32)
def compiled_loop(expr: str, lanes: int) -> Callable[..., Any]:
    """The graph-mode loop of one loss on ``lanes`` lanes, traced once for any step count:
    ``loop(w0[P, lanes], lrs[N, lanes]) -> (w[P, N, lanes], loss[N, lanes], w_N[P, lanes],
    L_N[lanes], g_N[P, lanes])`` (w after each step, the loss before it, and the loss and
    gradient at the last point)."""
    parsed = parse_loss(expr)
    count = len(parsed.params)
    loss = LaneLoss(parsed.program, lanes)

    def step(ws: tuple[Any, ...], lr: Any) -> tuple[tuple[Any, ...], Any, tuple[Any, ...]]:
        return _step(loss, ws, lr)

    def loop(w0: Any, lrs: Any) -> tuple[Any, ...]:
        n = tf.shape(lrs)[0]
        w_tas = tuple(
            tf.TensorArray(tf.float32, size=n, element_shape=[lanes]) for _ in range(count)
        )
        loss_ta = tf.TensorArray(tf.float32, size=n, element_shape=[lanes])

        def body(i: Any, ws: tuple[Any, ...], w_tas: tuple[Any, ...], loss_ta: Any) -> Any:
            w_next, value, _ = step(ws, lrs[i])
            w_tas = tuple(ta.write(i, w) for ta, w in zip(w_tas, w_next, strict=True))
            return i + 1, w_next, w_tas, loss_ta.write(i, value)

        _, ws, w_tas, loss_ta = tf.while_loop(
            lambda i, *_: i < n,
            body,
            (tf.constant(0), tuple(tf.unstack(w0, num=count)), w_tas, loss_ta),
        )
        _, final_loss, final_grads = step(ws, tf.zeros([lanes]))
        return (
            tf.stack([ta.stack() for ta in w_tas]),
            loss_ta.stack(),
            tf.stack(ws),
            final_loss,
            tf.stack(final_grads),
        )

    signature = [
        tf.TensorSpec([count, lanes], tf.float32),
        tf.TensorSpec([None, lanes], tf.float32),
    ]
    compiled: Callable[..., Any] = tf.function(loop, input_signature=signature, autograph=False)
    return compiled


@dataclass(frozen=True)
class LaneRun:
    """What :func:`descend` gives: per parameter ``ws[p][step, lane]`` (after each step), the
    loss before each step ``loss[step, lane]``, the loss at the last point per lane and the
    gradient there ``final_grads[p, lane]``."""

    ws: tuple[np.ndarray, ...]
    loss: np.ndarray
    final_loss: np.ndarray
    final_grads: np.ndarray


def steps(
    expr: LossExpr, w: np.ndarray, lrs: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``len(lrs)`` steps of the seed's update on K lanes from ``w[P, K]`` at ``lrs[step,
    lane]`` (float32): ``(w[P, N, K] after each step, loss[N, K] before each, w_N[P, K],
    L_N[K], g_N[P, K])``, the last two the loss and gradient at ``w_N``. Lanes are padded to
    :func:`block_size`, and run block after block beyond it, all through one compiled loop."""
    count, k = w.shape
    n = lrs.shape[0]
    lanes = block_size(expr, k)
    if n <= STEPWISE_MOST and tfenv.in_graph_only():
        loop: Callable[..., Any] = stepwise_loop(str(expr), lanes)
    else:
        loop = compiled_loop(str(expr), lanes)
    ws_out = np.empty((count, n, k), np.float32)
    loss_out = np.empty((n, k), np.float32)
    w_end = np.empty((count, k), np.float32)
    final_loss = np.empty(k, np.float32)
    final_grads = np.empty((count, k), np.float32)
    for first in range(0, k, lanes):
        last = min(first + lanes, k)
        w_block = np.zeros((count, lanes), np.float32)
        w_block[:, : last - first] = w[:, first:last]
        lrs_block = np.zeros((n, lanes), np.float32)
        lrs_block[:, : last - first] = lrs[:, first:last]
        outs = loop(tf.constant(w_block), tf.constant(lrs_block))
        ws, ls, w_n, f_loss, f_grads = (np.asarray(t) for t in outs)
        ws_out[:, :, first:last] = ws[:, :, : last - first]
        loss_out[:, first:last] = ls[:, : last - first]
        w_end[:, first:last] = w_n[:, : last - first]
        final_loss[first:last] = f_loss[: last - first]
        final_grads[:, first:last] = f_grads[:, : last - first]
    return ws_out, loss_out, w_end, final_loss, final_grads


def descend(
    expr: LossExpr,
    starts: np.ndarray,
    lr32: Sequence[np.ndarray],
    epochs: int,
    should_stop: Callable[[], bool] | None = None,
    progress: Callable[[int, int], None] | None = None,
    stopped: type[Exception] = RuntimeError,
) -> LaneRun:
    """The seed's update on K lanes from ``starts[P, K]`` (float32: one row per parameter) at
    rates ``lr32[lane][step]`` for ``epochs`` steps; a lane whose table is shorter goes on at
    rate 0. ``should_stop`` is polled before each chunk of :data:`CHUNK` steps (it raises
    ``stopped``); ``progress(done, epochs)`` follows each chunk."""
    count, k = starts.shape
    w = np.asarray(starts, np.float32)
    ws_out = tuple(np.empty((epochs, k), np.float32) for _ in range(count))
    loss_out = np.empty((epochs, k), np.float32)
    final_loss = np.zeros(k, np.float32)
    final_grads = np.zeros((count, k), np.float32)
    for start in range(0, epochs, CHUNK):
        if should_stop is not None and should_stop():
            raise stopped
        stop = min(start + CHUNK, epochs)
        lrs = np.zeros((stop - start, k), np.float32)
        for lane, table in enumerate(lr32):
            part = table[start:stop]
            lrs[: part.size, lane] = part
        ws, loss_out[start:stop], w, final_loss, final_grads = steps(expr, w, lrs)
        for p in range(count):
            ws_out[p][start:stop] = ws[p]
        if progress is not None:
            progress(stop, epochs)
    return LaneRun(ws=ws_out, loss=loss_out, final_loss=final_loss, final_grads=final_grads)


def graph_loop(expr: str) -> Callable[..., tuple[Any, ...]]:
    """:func:`steps` as the engine's compiled graph-mode loop is called
    (:func:`tui.engine.descent._compiled_loop`): ``loop(w0, lrs[N, K], n)`` takes the first
    ``n`` rows of ``lrs``; ``w0`` is one tensor ``[K]`` (then it gives ``(w[N, K], loss[N, K],
    w_n[K], L_n[K], g_n[K])``) or a tuple of one per parameter (then each ``w`` part is a tuple
    of one per parameter)."""
    parsed = parse_loss(expr)

    def loop(w0: Any, lrs: Any, n: Any) -> tuple[Any, ...]:
        single = not isinstance(w0, (tuple, list))
        w = np.array([np.asarray(w0)] if single else [np.asarray(x) for x in w0], np.float32)
        rows = int(n)
        ws, ls, w_n, f_loss, f_grads = steps(parsed, w, np.asarray(lrs, np.float32)[:rows])
        loss, final_loss = tf.constant(ls), tf.constant(f_loss)
        if single:
            return (
                tf.constant(ws[0]),
                loss,
                tf.constant(w_n[0]),
                final_loss,
                tf.constant(f_grads[0]),
            )
        per_param = [tuple(tf.constant(row) for row in out) for out in (ws, w_n, f_grads)]
        return per_param[0], loss, per_param[1], final_loss, per_param[2]

    return loop
