"""The seed's gradient-descent loop, compiled, bit-exact with the eager loop, single and batched.

The seed's loop, for reference (``lr`` a Python float, ``w`` a float32 ``tf.Variable``)::

    for step in range(epoch):
        with tf.GradientTape() as tape:
            loss = tf.square(w + 1)
        grads = tape.gradient(loss, w)
        w.assign_sub(lr * grads)

How this module stays exact and fast:

- The loop runs inside one ``tf.function`` as a ``tf.while_loop`` with the same ``GradientTape``
  in its body, so TensorFlow's autodiff builds the same gradient ops as in the eager loop.
- Losses made only of ops that XLA computes exactly as the eager kernels do
  (:data:`tui.engine.losses.XLA_EXACT_OPS`) are compiled with XLA (``jit_compile=True``), with
  FMA contraction ruled out (see :mod:`tui.engine.tfenv`): about 0.006 us a step, against
  280 us a step for the eager loop. A probe at first use checks XLA against graph mode bit for
  bit and turns XLA off if the two ever differ on this machine.
- Other losses run in graph mode with Grappler off, the same kernels as eager. Batches then run
  each lane as its own scalar, because Eigen's vectorised sin/exp/... differ in the last bit
  from the scalar path that a one-element eager tensor takes.
- The learning rates are computed beforehand in float64 exactly as Python does
  (:mod:`tui.engine.schedules`) and rounded to float32, as ``lr * grads`` rounds them.
- Step counts are padded to powers of two so that a new epoch count rarely means a recompile;
  long runs go in chunks, so that a caller can stop them and follow their progress.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from tui.engine import memory, tfenv
from tui.engine.analysis import DEFAULT_TOL, classify
from tui.engine.losses import SEED_LOSS, LossExpr, parse_loss
from tui.engine.result import RunResult
from tui.engine.schedules import lr_tables
from tui.engine.spec import MAX_CELLS, ParameterError, RunSpec
from tui.engine.theory import known_minimum
from tui.i18n import msg

tf = tfenv.load()

#: Steps per compiled call with XLA and with graph mode. A caller can stop a run between chunks.
XLA_CHUNK = 1 << 20
GRAPH_CHUNK = 1 << 13

#: The smallest padded step count, so that short runs share one compiled loop.
MIN_BUCKET = tfenv.MIN_BUCKET


class Cancelled(Exception):
    """Raised by :func:`run_batch` when its ``should_stop`` callback asked it to stop."""


def run(
    spec: RunSpec,
    loss: str | LossExpr = SEED_LOSS,
    *,
    tol: float = DEFAULT_TOL,
    should_stop: Callable[[], bool] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> RunResult:
    """Run the seed's descent loop for ``spec`` on ``loss``; see :func:`run_batch`."""
    return run_batch([spec], loss, tol=tol, should_stop=should_stop, progress=progress)[0]


def run_batch(
    specs: Sequence[RunSpec],
    loss: str | LossExpr = SEED_LOSS,
    *,
    tol: float = DEFAULT_TOL,
    should_stop: Callable[[], bool] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[RunResult]:
    """Run K descent loops (any w0, lr, schedule, epochs) on one loss in one TensorFlow call.

    Each result is bit for bit what the seed's eager loop gives for that spec alone. Overflow
    never raises: w and the loss become inf or nan, and the status says where. ``should_stop``
    is polled between chunks (raising :class:`Cancelled`); ``progress(done, total)`` follows.
    """
    if not specs:
        return []
    expr = parse_loss(loss) if isinstance(loss, str) else loss
    for spec in specs:
        spec.validate()
    k = len(specs)
    epochs = max(spec.epochs for spec in specs)
    if k * epochs > MAX_CELLS:
        raise ParameterError("epochs", msg("spec.cells", runs=k, epochs=epochs, cells=MAX_CELLS))
    memory.check(k, epochs, len(expr.params))  # what would not fit, before it is allocated
    started = time.perf_counter()
    tables = [lr_tables(spec) for spec in specs]
    plain = [i for i, spec in enumerate(specs) if spec.plain]
    groups: dict[tuple[str, float], list[int]] = {}
    for i, spec in enumerate(specs):
        if not spec.plain:
            groups.setdefault((spec.optimizer, spec.beta), []).append(i)
    parts = ([plain] if plain else []) + list(groups.values())
    # One part of every lane, in order (a single run, a range test): its arrays are the log.
    # Otherwise each part's columns are copied into place.
    whole = len(parts) == 1
    w_out = np.empty((0, k) if whole else (epochs, k), np.float32)
    loss_out = np.empty((0, k) if whole else (epochs, k), np.float32)
    final_loss = np.empty(k, np.float32)
    final_grad = np.empty(k, np.float32)
    backends = [""] * k
    for number, lanes in enumerate(parts):
        # Progress counts the parts one after another, as steps of one long run.
        def part_progress(done: int, total: int, before: int = number * epochs) -> None:
            if progress is not None:
                progress(before + done, len(parts) * epochs)

        run_part = _run_plain if specs[lanes[0]].plain else _run_optimizer
        backend, ws, ls, f_loss, f_grad = run_part(
            [specs[i] for i in lanes],
            [tables[i][1] for i in lanes],
            expr,
            epochs,
            should_stop,
            part_progress,
        )
        if whole:
            w_out, loss_out = ws, ls
        else:
            w_out[:, lanes] = ws
            loss_out[:, lanes] = ls
        final_loss[lanes] = f_loss
        final_grad[lanes] = f_grad
        for i in lanes:
            backends[i] = backend
    seconds = time.perf_counter() - started
    floor = known_minimum(expr)  # the loss's exact minimum, for the status's tolerance
    results = []
    for lane, spec in enumerate(specs):
        n = spec.epochs
        w_lane = np.ascontiguousarray(w_out[:n, lane])
        loss_lane = np.ascontiguousarray(loss_out[:n, lane])
        # A shorter run in a batch stood still past its end: the loss at its last w is the next
        # loss computed, and the final gradient is the gradient there.
        f_loss = final_loss[lane] if n == epochs else loss_out[n, lane]
        f_grad = final_grad[lane]
        lr64, lr32 = tables[lane]
        results.append(
            RunResult(
                spec=spec,
                loss_expr=str(expr),
                step=np.arange(1, n + 1, dtype=np.int64),
                w=w_lane,
                loss=loss_lane,
                lr=lr32,
                lr64=lr64,
                final_loss=np.float32(f_loss),
                final_grad=np.float32(f_grad),
                status=classify(
                    spec.w0,
                    w_lane,
                    loss_lane,
                    lr32,
                    float(f_loss),
                    float(f_grad),
                    tol,
                    floor,
                ),
                backend=backends[lane],
                tol=tol,
                seconds=seconds,
            )
        )
    return results


def _run_plain(
    specs: list[RunSpec],
    lr32: list[np.ndarray],
    expr: LossExpr,
    epochs: int,
    should_stop: Callable[[], bool] | None,
    progress: Callable[[int, int], None],
) -> tuple[str, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The seed's update for K lanes: ``(backend, w[N, K], loss[N, K], final loss, final grad)``.

    A lane shorter than ``epochs`` goes on with lr 0 past its end, so its w stands still.
    """
    k = len(specs)
    backend = "xla" if expr.xla_exact and _xla_trusted() else "graph"
    lanes = tfenv.bucket(k, 1) if backend == "xla" else k
    w = np.zeros(lanes, np.float32)
    w[:k] = [np.float32(spec.w0) for spec in specs]
    w_out = np.empty((epochs, k), np.float32)
    loss_out = np.empty((epochs, k), np.float32)
    loop = _compiled_loop(str(expr), backend)
    chunk = XLA_CHUNK if backend == "xla" else GRAPH_CHUNK
    final_loss = final_grad = np.zeros(lanes, np.float32)
    for start, stop in _chunks(epochs, chunk, should_stop):
        n = stop - start
        lrs = _chunk_rates(lr32, start, stop, lanes)
        ws, ls, w, final_loss, final_grad = (
            t.numpy() for t in loop(tf.constant(w), tf.constant(lrs), tf.constant(n, tf.int32))
        )
        w_out[start:stop] = ws[:n, :k]
        loss_out[start:stop] = ls[:n, :k]
        progress(stop, epochs)
    return backend, w_out, loss_out, final_loss[:k], final_grad[:k]


def _run_optimizer(
    specs: list[RunSpec],
    lr32: list[np.ndarray],
    expr: LossExpr,
    epochs: int,
    should_stop: Callable[[], bool] | None,
    progress: Callable[[int, int], None],
) -> tuple[str, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """K lanes of one ``tf.keras`` optimizer (same kind and beta), as :func:`_run_plain`.

    XLA runs them when the loss is XLA-exact and both probes trust XLA here: the seed's loop
    (:func:`_xla_trusted`) and this optimizer's (:func:`tui.engine.optimizers.xla_trusted`).
    """
    from tui.engine import optimizers

    k = len(specs)
    kind = specs[0].optimizer
    xla = expr.xla_exact and _xla_trusted() and optimizers.xla_trusted(kind)
    backend = "xla" if xla else "graph"
    lanes = tfenv.bucket(k, 1)
    runner = optimizers.lanes_runner(str(expr), kind, specs[0].beta, lanes, backend)
    w_out = np.empty((epochs, k), np.float32)
    loss_out = np.empty((epochs, k), np.float32)
    ends = np.array([spec.epochs for spec in specs], np.int32)
    with runner.lock:
        runner.reset([spec.w0 for spec in specs], ends)
        for start, stop in _chunks(epochs, XLA_CHUNK if xla else GRAPH_CHUNK, should_stop):
            lrs = _chunk_rates(lr32, start, stop, lanes)
            ws, ls = runner.steps(lrs, start, stop - start)
            w_out[start:stop] = ws[:, :k]
            loss_out[start:stop] = ls[:, :k]
            progress(stop, epochs)
        final_loss, final_grad = runner.final()
    return backend, w_out, loss_out, final_loss[:k], final_grad[:k]


def _chunks(
    epochs: int, size: int, should_stop: Callable[[], bool] | None
) -> Iterator[tuple[int, int]]:
    """(start, stop) of each chunk of ``size`` steps; :class:`Cancelled` if asked to stop first."""
    for start in range(0, epochs, size):
        if should_stop is not None and should_stop():
            raise Cancelled
        yield start, min(start + size, epochs)


def _chunk_rates(lr32: list[np.ndarray], start: int, stop: int, lanes: int) -> np.ndarray:
    """Steps ``start`` to ``stop`` of each lane's rates, as ``lrs[step, lane]``: rows padded to
    a power of two, lanes past ``lr32`` and steps past a lane's end at rate 0."""
    lrs = np.zeros((tfenv.bucket(stop - start), lanes), np.float32)
    for lane, table in enumerate(lr32):
        part = table[start:stop]
        lrs[: part.size, lane] = part
    return lrs


@lru_cache(maxsize=32)
def _compiled_loop(expr: str, backend: str) -> Callable[..., Any]:
    """The compiled loop for one loss: ``loop(w0[K], lrs[N, K], n) -> (w, loss, w_n, L_n, g_n)``."""
    if backend == "graph":  # every lane on the scalar kernels, all in one loop (tui.engine.lanes)
        from tui.engine import lanes

        return lanes.graph_loop(expr)
    fn = parse_loss(expr).tf_function()

    def step(w: Any, lr: Any) -> tuple[Any, Any, Any]:
        with tf.GradientTape() as tape:
            tape.watch(w)
            value = fn(w)
        grad = tape.gradient(value, w, unconnected_gradients=tf.UnconnectedGradients.ZERO)
        # As the seed: w.assign_sub(lr * grads), the product rounded to float32 first.
        return w - lr * grad, value, grad

    if backend == "xla":

        @tf.function(jit_compile=True, autograph=False)
        def loop(w0: Any, lrs: Any, n: Any) -> tuple[Any, ...]:
            size = lrs.shape[0]
            w_ta = tf.TensorArray(tf.float32, size=size, element_shape=w0.shape)
            loss_ta = tf.TensorArray(tf.float32, size=size, element_shape=w0.shape)

            def body(i: Any, w: Any, w_ta: Any, loss_ta: Any) -> tuple[Any, ...]:
                w_next, value, _ = step(w, lrs[i])
                return i + 1, w_next, w_ta.write(i, w_next), loss_ta.write(i, value)

            _, w, w_ta, loss_ta = tf.while_loop(
                lambda i, *_: i < n, body, (tf.constant(0), w0, w_ta, loss_ta)
            )
            _, final_loss, final_grad = step(w, tf.zeros_like(w))
            return w_ta.stack(), loss_ta.stack(), w, final_loss, final_grad

        return loop

    @tf.function(autograph=False)
    def graph_loop(w0: Any, lrs: Any, n: Any) -> tuple[Any, ...]:
        lanes = w0.shape[0]
        w_ta = tf.TensorArray(tf.float32, size=tf.shape(lrs)[0], element_shape=w0.shape)
        loss_ta = tf.TensorArray(tf.float32, size=tf.shape(lrs)[0], element_shape=w0.shape)

        def lanes_step(ws: Any, i: Any) -> tuple[list[Any], list[Any], list[Any]]:
            # One scalar per lane: the scalar kernels, as a one-element eager tensor takes them.
            outs = [step(ws[lane], lrs[i, lane]) for lane in range(lanes)]
            return [out[0] for out in outs], [out[1] for out in outs], [out[2] for out in outs]

        def body(i: Any, ws: Any, w_ta: Any, loss_ta: Any) -> tuple[Any, ...]:
            w_next, values, _ = lanes_step(ws, i)
            return (
                i + 1,
                w_next,
                w_ta.write(i, tf.stack(w_next)),
                loss_ta.write(i, tf.stack(values)),
            )

        _, ws, w_ta, loss_ta = tf.while_loop(
            lambda i, *_: i < n,
            body,
            (tf.constant(0), tf.unstack(w0, num=lanes), w_ta, loss_ta),
        )
        _, final_loss, final_grad = lanes_step(ws, 0)
        return (
            w_ta.stack(),
            loss_ta.stack(),
            tf.stack(ws),
            tf.stack(final_loss),
            tf.stack(final_grad),
        )

    return graph_loop


_probe_lock = threading.Lock()
_probe_result: bool | None = None


def _xla_trusted() -> bool:
    """Whether XLA reproduces graph mode bit for bit here (checked once, on the seed's loss)."""
    global _probe_result
    if not tfenv.xla_allowed():
        return False  # off (tfenv.XLA_ENV, or tfenv.graph_only here): never probed, nor waited for
    with _probe_lock:
        if _probe_result is None:
            lrs = np.array([0.01, 0.99, 0.2, 0.37, 0.5, 0.999, 0.123456, 0.7], np.float32)
            table = np.tile(lrs, (MIN_BUCKET, 1))
            w0 = np.linspace(-7.3, 5.0, lrs.size).astype(np.float32)
            args = (tf.constant(w0), tf.constant(table), tf.constant(MIN_BUCKET, tf.int32))
            xla = _compiled_loop(SEED_LOSS, "xla")(*args)
            graph = _compiled_loop(SEED_LOSS, "graph")(*args)
            _probe_result = all(
                np.array_equal(a.numpy().view(np.int32), b.numpy().view(np.int32))
                for a, b in zip(xla[:2], graph[:2], strict=True)
            )
        return _probe_result


def xla_in_use() -> bool:
    """Whether exact XLA compilation is available on this machine (see the module docstring)."""
    return _xla_trusted()
