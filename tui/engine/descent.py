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
- Other losses run in graph mode with Grappler off, the same kernels as eager, all lanes in one
  loop (:mod:`tui.engine.lanes`): IEEE arithmetic on the vector of lanes, sin/exp/... on groups
  of lanes too short for Eigen's vectorised kernels (which differ in the last bit from the
  scalar path that a one-element eager tensor takes), and the gradients of w's uses summed in
  the eager tape's order.
- The learning rates are computed beforehand in float64 exactly as Python does
  (:mod:`tui.engine.schedules`) and rounded to float32, as ``lr * grads`` rounds them.
- Step counts are padded to powers of two so that a new epoch count rarely means a recompile;
  long runs go in chunks, so that a caller can stop them and follow their progress.

A loss of two parameters (:attr:`tui.engine.losses.LossExpr.params` ``("w1", "w2")``) runs the
same loops with one tensor per parameter, as the user's two-variable loop::

    with tf.GradientTape() as tape:
        loss = <the expression>
    g1, g2 = tape.gradient(loss, [w1, w2])
    w1.assign_sub(lr * g1); w2.assign_sub(lr * g2)

(or ``opt.apply_gradients(zip([g1, g2], [w1, w2]))``). The gradient of a parameter the loss does
not use is 0 (``unconnected_gradients=ZERO``), so that parameter stands still.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from tui.engine import memory, tfenv
from tui.engine.analysis import classify
from tui.engine.losses import SEED_LOSS, LossExpr, parse_loss
from tui.engine.plane_quadratic import known_plane_minimum
from tui.engine.result import RunResult
from tui.engine.schedules import lr_tables
from tui.engine.spec import DEFAULT_TOL, MAX_CELLS, ParameterError, RunSpec
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
    A loss of ``w1`` and ``w2`` takes specs with both starts (``w0`` and ``start2``), a loss of
    ``w`` specs without ``start2``: :meth:`RunSpec.check_starts` refuses any other.
    """
    if not specs:
        return []
    expr = parse_loss(loss) if isinstance(loss, str) else loss
    for spec in specs:
        spec.validate().check_starts(expr.params)
    params = len(expr.params)
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
    shape = (0, k) if whole else (epochs, k)
    w_out = [np.empty(shape, np.float32) for _ in range(params)]
    loss_out = np.empty(shape, np.float32)
    final_loss = np.empty(k, np.float32)
    final_grad = np.empty((params, k), np.float32)
    backends = [""] * k
    for number, lanes in enumerate(parts):
        # Progress counts the parts one after another, as steps of one long run.
        def part_progress(done: int, total: int, before: int = number * epochs) -> None:
            if progress is not None:
                progress(before + done, len(parts) * epochs)

        run_part = _run_plain if specs[lanes[0]].plain else _run_optimizer
        part_specs = [specs[i] for i in lanes]
        part_rates = [tables[i][1] for i in lanes]
        backend, ws, ls, f_loss, f_grad = run_part(
            part_specs, part_rates, expr, epochs, should_stop, part_progress
        )
        if backend == "xla" and params > 1:
            _redo_nan_lanes_in_graph_mode(
                run_part, part_specs, part_rates, expr, epochs, should_stop, ws, ls, f_loss, f_grad
            )
        if whole:
            w_out, loss_out = list(ws), ls
        else:
            for out, part in zip(w_out, ws, strict=True):
                out[:, lanes] = part
            loss_out[:, lanes] = ls
        final_loss[lanes] = f_loss
        final_grad[:, lanes] = f_grad
        for i in lanes:
            backends[i] = backend
    seconds = time.perf_counter() - started
    # The loss's exact minimum, for the status's tolerance (known for a quadratic).
    floor = known_minimum(expr) if params == 1 else known_plane_minimum(expr)
    results = []
    for lane, spec in enumerate(specs):
        n = spec.epochs
        paths = tuple(np.ascontiguousarray(out[:n, lane]) for out in w_out)
        loss_lane = np.ascontiguousarray(loss_out[:n, lane])
        # A shorter run in a batch stood still past its end: the loss at its last w is the next
        # loss computed, and the final gradient is the gradient there.
        f_loss = final_loss[lane] if n == epochs else loss_out[n, lane]
        grads = tuple(np.float32(g) for g in final_grad[:, lane])
        lr64, lr32 = tables[lane]
        status = classify(spec.starts, paths, loss_lane, lr32, float(f_loss), grads, tol, floor)
        results.append(
            RunResult(
                spec=spec,
                loss_expr=str(expr),
                step=np.arange(1, n + 1, dtype=np.int64),
                w=paths[0],
                loss=loss_lane,
                lr=lr32,
                lr64=lr64,
                final_loss=np.float32(f_loss),
                final_grad=grads[0],
                status=status,
                backend=backends[lane],
                tol=tol,
                seconds=seconds,
                w2=paths[1] if params == 2 else None,
                final_grad2=grads[1] if params == 2 else None,
            )
        )
    return results


#: What running one part of a batch gives: ``(backend, w[P][N, K], loss[N, K], final loss[K],
#: final gradient[P, K])``, one w array and one gradient row per parameter.
_Part = tuple[str, tuple[np.ndarray, ...], np.ndarray, np.ndarray, np.ndarray]


def _redo_nan_lanes_in_graph_mode(
    run_part: Callable[..., _Part],
    specs: list[RunSpec],
    lr32: list[np.ndarray],
    expr: LossExpr,
    epochs: int,
    should_stop: Callable[[], bool] | None,
    ws: tuple[np.ndarray, ...],
    ls: np.ndarray,
    final_loss: np.ndarray,
    final_grad: np.ndarray,
) -> None:
    """Run again in graph mode, in place, each XLA lane of a two-parameter loss that met a NaN.

    XLA (TensorFlow 2.21, CPU) does not keep the sign of a NaN as the eager kernels do: in
    ``(w1 - w2)**2`` at ``w1 = w2 = inf`` the eager gradient of w2 is ``neg(nan)``, a NaN of the
    other sign, where XLA's is the NaN itself (tests/test_two_params_engine.py reproduces it).
    Overflow to nan is common with two parameters (Rosenbrock's valley at a large rate), so the
    lanes that met one are recomputed with the eager kernels. Nothing else differs: a lane
    without NaN keeps XLA's bits, which the probe and the tests check against eager.
    """
    nan = np.isnan(ls).any(axis=0) | np.isnan(final_loss) | np.isnan(final_grad).any(axis=0)
    for path in ws:
        nan |= np.isnan(path).any(axis=0)
    redo = np.flatnonzero(nan)
    if not redo.size:
        return
    backend, ws2, ls2, loss2, grad2 = run_part(
        [specs[i] for i in redo],
        [lr32[i] for i in redo],
        expr,
        epochs,
        should_stop,
        lambda done, total: None,
        graph=True,
    )
    for path, again in zip(ws, ws2, strict=True):
        path[:, redo] = again
    ls[:, redo] = ls2
    final_loss[redo] = loss2
    final_grad[:, redo] = grad2


def _starts(specs: list[RunSpec], lanes: int) -> np.ndarray:
    """Each spec's starts as float32, ``w[parameter, lane]``; lanes past the specs at 0."""
    starts = np.zeros((len(specs[0].starts), lanes), np.float32)
    starts[:, : len(specs)] = np.array([spec.starts for spec in specs], np.float64).T
    return starts


def _run_plain(
    specs: list[RunSpec],
    lr32: list[np.ndarray],
    expr: LossExpr,
    epochs: int,
    should_stop: Callable[[], bool] | None,
    progress: Callable[[int, int], None],
    graph: bool = False,
) -> _Part:
    """The seed's update for K lanes (see :data:`_Part`); in graph mode if ``graph``.

    A lane shorter than ``epochs`` goes on with lr 0 past its end, so its w stands still.
    """
    k = len(specs)
    backend = "xla" if expr.xla_exact and not graph and _xla_trusted() else "graph"
    lanes = tfenv.bucket(k, 1) if backend == "xla" else k
    w = _starts(specs, lanes)
    w_out = tuple(np.empty((epochs, k), np.float32) for _ in w)
    loss_out = np.empty((epochs, k), np.float32)
    loop = _compiled_loop(str(expr), backend)
    chunk = XLA_CHUNK if backend == "xla" else GRAPH_CHUNK
    final_loss = np.zeros(lanes, np.float32)
    final_grad = np.zeros_like(w)
    for start, stop in _chunks(epochs, chunk, should_stop):
        n = stop - start
        lrs = _chunk_rates(lr32, start, stop, lanes)
        starts = tuple(tf.constant(row) for row in w)
        ws, ls, w_n, f_loss, f_grad = loop(starts, tf.constant(lrs), tf.constant(n, tf.int32))
        for out, stack in zip(w_out, ws, strict=True):
            out[start:stop] = stack.numpy()[:n, :k]
        loss_out[start:stop] = ls.numpy()[:n, :k]
        w = np.array([t.numpy() for t in w_n])
        final_loss = f_loss.numpy()
        final_grad = np.array([t.numpy() for t in f_grad])
        progress(stop, epochs)
    final_loss, final_grad = final_loss[:k], final_grad[:, :k]
    short = [lane for lane, spec in enumerate(specs) if spec.epochs < epochs]
    if short:
        # A lane past its end goes on at lr 0, which keeps w where it is unless the gradient
        # is inf or nan (0 * inf is nan): its loss and gradient are taken at its own last
        # point, with the eager kernels (graph mode, no step).
        last = [[out[specs[lane].epochs - 1, lane] for lane in short] for out in w_out]
        points = tuple(tf.constant(np.array(row, np.float32)) for row in last)
        no_rates = tf.zeros((1, len(short)), tf.float32)
        at_end = _compiled_loop(str(expr), "graph")(points, no_rates, tf.constant(0, tf.int32))
        final_loss[short] = at_end[3].numpy()
        final_grad[:, short] = np.array([g.numpy() for g in at_end[4]])
    return backend, w_out, loss_out, final_loss, final_grad


def _run_optimizer(
    specs: list[RunSpec],
    lr32: list[np.ndarray],
    expr: LossExpr,
    epochs: int,
    should_stop: Callable[[], bool] | None,
    progress: Callable[[int, int], None],
    graph: bool = False,
) -> _Part:
    """K lanes of one ``tf.keras`` optimizer (same kind and beta), as :func:`_run_plain`.

    XLA runs them when the loss is XLA-exact and both probes trust XLA here: the seed's loop
    (:func:`_xla_trusted`) and this optimizer's (:func:`tui.engine.optimizers.xla_trusted`).
    """
    from tui.engine import optimizers

    k = len(specs)
    kind = specs[0].optimizer
    xla = expr.xla_exact and not graph and _xla_trusted() and optimizers.xla_trusted(kind)
    backend = "xla" if xla else "graph"
    lanes = tfenv.bucket(k, 1)
    runner = optimizers.lanes_runner(str(expr), kind, specs[0].beta, lanes, backend)
    w_out = tuple(np.empty((epochs, k), np.float32) for _ in expr.params)
    loss_out = np.empty((epochs, k), np.float32)
    ends = np.array([spec.epochs for spec in specs], np.int32)
    with runner.lock:
        runner.reset(_starts(specs, lanes), ends)
        for start, stop in _chunks(epochs, XLA_CHUNK if xla else GRAPH_CHUNK, should_stop):
            lrs = _chunk_rates(lr32, start, stop, lanes)
            ws, ls = runner.steps(lrs, start, stop - start)
            for out, part in zip(w_out, ws, strict=True):
                out[start:stop] = part[:, :k]
            loss_out[start:stop] = ls[:, :k]
            progress(stop, epochs)
        final_loss, final_grad = runner.final()
    return backend, w_out, loss_out, final_loss[:k], final_grad[:, :k]


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
    """The compiled loop for one loss, with one tensor per parameter (P of them):
    ``loop(w0[P][K], lrs[N, K], n) -> (w[P][N, K], loss[N, K], w_n[P][K], L_n[K], g_n[P][K])``."""
    if backend == "graph":  # every lane on the scalar kernels, all in one loop (tui.engine.lanes)
        from tui.engine import lanes

        return lanes.graph_loop(expr)
    fn = parse_loss(expr).tf_function()

    def step(ws: tuple[Any, ...], lr: Any) -> tuple[tuple[Any, ...], Any, tuple[Any, ...]]:
        with tf.GradientTape() as tape:
            for w in ws:
                tape.watch(w)
            value = fn(*ws)
        grads = tape.gradient(value, list(ws), unconnected_gradients=tf.UnconnectedGradients.ZERO)
        # As the seed: w.assign_sub(lr * grads), the product rounded to float32 first.
        return tuple(w - lr * g for w, g in zip(ws, grads, strict=True)), value, tuple(grads)

    if backend == "xla":

        @tf.function(jit_compile=True, autograph=False)
        def loop(w0: tuple[Any, ...], lrs: Any, n: Any) -> tuple[Any, ...]:
            size = lrs.shape[0]
            shape = w0[0].shape
            w_tas = tuple(tf.TensorArray(tf.float32, size=size, element_shape=shape) for _ in w0)
            loss_ta = tf.TensorArray(tf.float32, size=size, element_shape=shape)

            def body(i: Any, ws: Any, w_tas: Any, loss_ta: Any) -> tuple[Any, ...]:
                w_next, value, _ = step(ws, lrs[i])
                written = tuple(ta.write(i, w) for ta, w in zip(w_tas, w_next, strict=True))
                return i + 1, w_next, written, loss_ta.write(i, value)

            _, ws, w_tas, loss_ta = tf.while_loop(
                lambda i, *_: i < n, body, (tf.constant(0), tuple(w0), w_tas, loss_ta)
            )
            _, final_loss, final_grad = step(ws, tf.zeros_like(ws[0]))
            stacks = tuple(ta.stack() for ta in w_tas)
            return stacks, loss_ta.stack(), ws, final_loss, final_grad

        return loop

    raise ValueError(f"not a backend: {backend!r}")


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
            args = ((tf.constant(w0),), tf.constant(table), tf.constant(MIN_BUCKET, tf.int32))
            xla = _compiled_loop(SEED_LOSS, "xla")(*args)
            graph = _compiled_loop(SEED_LOSS, "graph")(*args)
            _probe_result = all(
                np.array_equal(a.numpy().view(np.int32), b.numpy().view(np.int32))
                for a, b in zip((*xla[0], xla[1]), (*graph[0], graph[1]), strict=True)
            )
        return _probe_result


def xla_in_use() -> bool:
    """Whether exact XLA compilation is available on this machine (see the module docstring)."""
    return _xla_trusted()
