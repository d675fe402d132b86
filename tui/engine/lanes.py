"""Graph-mode descent on many lanes in one loop, every lane rounded as the eager loop's scalar.

The graph-mode loop (losses XLA does not compute exactly, and every loss where XLA is off) must
give, lane by lane, the bits of the lesson's eager loop on a scalar ``w``. Element-wise IEEE
arithmetic (the registry's ``vector_exact`` operations: add, sub, mul, div, neg, square) rounds
a vector exactly as it rounds each element; Eigen's vectorised transcendentals (sin, exp, tanh,
pow...) differ in the last bit from the scalar kernel that a one-element eager tensor takes. The
earlier loop therefore built the whole loss and its gradient once per lane: about 25 graph ops
per lane and step, and a trace that grew with the lanes and was made again for each new count.

Here each operation of the loss's program is built once for all the lanes of a block:

- a ``vector_exact`` operation is one op on the vector of lanes, and so is its gradient
  (TensorFlow's gradients of these ops are the same IEEE arithmetic);
- any other operation is one node (:func:`_lanewise`, a ``tf.custom_gradient``): forward, the
  lanes are split into groups and the op applied to each group; backward, the op's registered
  gradient is taken group by group on the same tensors (an inner tape). A group is shorter
  than a vector packet of this build (:func:`group_size`), and Eigen's element-wise loops form
  a packet only while a whole packet of elements is left: every element of a group goes
  through the scalar kernel, as the eager loop's one-element tensor does.

The outer tape thus records one operation per node of the program, in the order the eager loop
records them, so it visits them in the same order and sums the gradients of a value used twice
in the same order (``AddN`` of three terms rounds by its order; of two, the order picks which
NaN survives). The group ops each node hides are not recorded (``stop_recording``).

The loop takes the parameters as a tuple of lane vectors (``w``, or ``w1`` and ``w2``; the IR's
:class:`~tui.engine.loss_ir.W` ``index`` picks one) and takes the tape's gradient for each,
each taking the seed's step ``w - lr * g``.

A compiled loop serves any step count (``input_signature``) and one lane count: counts are
padded to a power of two up to :data:`BLOCK` lanes, and more lanes run as several blocks of
:data:`BLOCK`, so a range test of any count up to :data:`BLOCK` or above it reuses one trace.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from tui.engine import tfenv
from tui.engine.loss_functions import REGISTRY
from tui.engine.loss_ir import IntPow, Node, Num, Op, W, ops_of
from tui.engine.losses import LossExpr, parse_loss

tf = tfenv.load()

#: Steps per compiled call: a caller can stop a run, and see its progress, between chunks.
CHUNK = 1 << 13

#: Lanes per group when the probe cannot tell the packet size: fewer than the 4 float32 of the
#: smallest vector packet of any of Eigen's CPU back ends (SSE, NEON, AltiVec...).
SAFE_GROUP = 3

#: The packet sizes of float32 that Eigen's CPU back ends have (SSE/NEON, AVX, AVX-512).
PACKET_SIZES = (4, 8, 16)

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


_group_lock = threading.Lock()
_group: int | None = None


def group_size() -> int:
    """Lanes per group of a scalar-path op: one less than this build's float32 packet.

    Eigen computes element-wise ops in packets of ``P`` elements while ``P`` are left and
    element by element after, with the scalar kernel; ``P`` is one constant of the build
    (``packet_traits<float>::size``, the same for every op). So a tensor of fewer than ``P``
    elements never meets a vector kernel. ``P`` is measured once: ``sin`` on vectors of each
    length against the same values one at a time (Eigen's vector sin differs from the scalar
    one in the last bit for about half of all inputs); the shortest length that differs is
    ``P``. Anything unexpected (no difference, or one at a length that is no packet size)
    gives :data:`SAFE_GROUP`.
    """
    global _group
    with _group_lock:
        if _group is None:
            with tf.init_scope():  # eagerly, even when first asked while tracing
                _group = _measure_group()
        return _group


def _measure_group(op: Callable[[Any], Any] | None = None) -> int:
    """The probe of :func:`group_size`, on ``op`` (``tf.math.sin``; another for tests)."""
    sin = tf.math.sin if op is None else op
    values = np.random.default_rng(8).uniform(-40.0, 40.0, 16 * 16).astype(np.float32)
    scalar = np.array([np.asarray(sin(tf.constant(v))) for v in values], np.float32)
    for length in range(2, max(PACKET_SIZES) + 1):
        count = values.size // length * length
        parts = values[:count].reshape(-1, length)
        vector = np.concatenate([np.asarray(sin(tf.constant(part))) for part in parts])
        if not np.array_equal(vector.view(np.int32), scalar[:count].view(np.int32)):
            return length - 1 if length in PACKET_SIZES else SAFE_GROUP
    return SAFE_GROUP


def _groups(lanes: int, size: int) -> list[int]:
    """The sizes of the groups of ``size`` lanes :func:`_lanewise` applies an op to."""
    full, rest = divmod(lanes, size)
    return [size] * full + ([rest] if rest else [])


def _split(vector: Any, sizes: list[int]) -> list[Any]:
    return tf.split(vector, sizes) if len(sizes) > 1 else [vector]


def _join(parts: Sequence[Any]) -> Any:
    return tf.concat(list(parts), 0) if len(parts) > 1 else parts[0]


def _lanewise(
    op: Callable[..., Any], args: list[tuple[Any, bool]], sizes: list[int], tape: Any
) -> Any:
    """``op`` on each group of lanes, recorded on ``tape`` as one operation whose gradient is
    ``op``'s own gradient taken group by group. ``args`` are ``(tensor, varies by lane)``: a
    lane vector, or a constant scalar (which the op broadcasts, as the eager loop's)."""

    def forward(*vectors: Any) -> tuple[Any, Callable[..., Any]]:
        with tape.stop_recording():
            inner = tf.GradientTape()
            with inner:
                columns = [_split(vector, sizes) for vector in vectors]
                for column in columns:
                    for part in column:
                        inner.watch(part)
                outs = []
                for group in range(len(sizes)):
                    it: Iterator[list[Any]] = iter(columns)
                    operands = [next(it)[group] if varies else value for value, varies in args]
                    outs.append(op(*operands))
            result = _join(outs)

        def backward(upstream: Any) -> list[Any]:
            grads = inner.gradient(
                outs,
                [part for column in columns for part in column],
                output_gradients=_split(upstream, sizes),
                unconnected_gradients=tf.UnconnectedGradients.ZERO,
            )
            n = len(sizes)
            return [_join(grads[i * n : (i + 1) * n]) for i in range(len(vectors))]

        return result, backward

    return tf.custom_gradient(forward)(*(value for value, varies in args if varies))


def _fold(terms: Sequence[Any]) -> Any:
    """``((t0 + t1) + t2) + ...``: the sum ``AddN`` computes, in its order, when no input of it
    is forwarded as its output (as in the eager loop); see :class:`LaneLoss`."""
    total = terms[0]
    for term in terms[1:]:
        total = tf.math.add(total, term)
    return total


class LaneLoss:
    """A loss's program on lane vectors, and how to sum the gradients of its uses of ``w``.

    Calling it builds the loss under a tape, one op per node (see the module docstring), on
    one tensor per *use* of a parameter (each ``W`` leaf of the program, and each use of a
    parameter inside a power): nothing on the tape is used twice, so the tape sums nothing.
    The eager loop, where ``w`` is read once and used at every leaf, sums the gradients of the
    uses with ``AddN`` in the order its tape pushes them; graph mode's ``AddN`` may instead
    start from whichever input buffer it can reuse as its output, and so sum in another order
    (``w*w + exp(w)``: 27 of 150 values differed). :meth:`gradients` sums them as eager does, in
    :attr:`order`, found by running the tape's own walk (``tensorflow/c/eager/tape.h``: a queue
    from the loss's op, each op's inputs in order, an op taken once all its outputs' users were)
    over the ops the eager loop records for the program.
    """

    def __init__(self, program: Node, lanes: int, group: int | None = None) -> None:
        self.program = program
        by_groups = any(not REGISTRY[name].vector_exact for name in ops_of(program))
        if by_groups and group is None:
            group = group_size()  # probed only for a loss that has ops taken by groups
        #: The sizes of the lane groups of a scalar-path op (:func:`group_size` lanes each).
        self.sizes = _groups(lanes, group) if group is not None else []
        self.ops = {name: record.tf_op(tf) for name, record in REGISTRY.items()}
        #: The parameter (``W.index``) of each use, in the order the program is built.
        self.use_params: list[int] = []
        # The eager loop's recorded ops: each a list of inputs, ("use", u), ("op", j) or None.
        eager_ops: list[list[tuple[str, int] | None]] = []

        def record(inputs: list[tuple[str, int] | None]) -> tuple[str, int]:
            eager_ops.append(inputs)
            return ("op", len(eager_ops) - 1)

        def use(index: int) -> tuple[str, int]:
            self.use_params.append(index)
            return ("use", len(self.use_params) - 1)

        def walk(node: Node) -> tuple[str, int] | None:
            if isinstance(node, W):
                return use(node.index)
            if isinstance(node, Num):
                return None
            if isinstance(node, Op):
                return record([walk(arg) for arg in node.args])
            base = node.base
            shared = None if isinstance(base, W) else walk(base)

            def take() -> tuple[str, int] | None:
                return use(base.index) if isinstance(base, W) else shared

            def power(n: int) -> tuple[str, int] | None:
                if n == 1:
                    return take()
                if n % 2 == 0:
                    return record([power(n // 2)])
                x = take()
                return record([x, power(n - 1)])

            return power(node.n)

        root = walk(program)
        self.order: list[int] = _tape_order(eager_ops, root)
        """The uses in the order the eager tape pushes their gradients."""

    def __call__(self, uses: Sequence[Any], tape: Any) -> Any:
        """The loss on each lane, from one lane vector per use (:attr:`use_params`)."""
        taken = iter(uses)

        def emit(node: Node) -> tuple[Any, bool]:
            """(the tensor, whether it varies by lane); a constant is a float32 scalar."""
            if isinstance(node, W):
                return next(taken), True
            if isinstance(node, Num):
                return tf.constant(node.value, dtype=tf.float32), False
            if isinstance(node, IntPow):
                if isinstance(node.base, W):
                    return self.power(lambda: next(taken), node.n), True
                return _shared_power(self, emit(node.base)[0], node.n, tape), True
            args = [emit(arg) for arg in node.args]
            if REGISTRY[node.name].vector_exact:
                return self.ops[node.name](*(value for value, _ in args)), True
            return _lanewise(self.ops[node.name], args, self.sizes, tape), True

        return emit(self.program)[0]

    def gradients(self, terms: Sequence[Any], params: Sequence[Any]) -> tuple[Any, ...]:
        """Each parameter's gradient: its uses' ``terms`` summed in the eager order (0 for a
        parameter the loss does not use)."""
        sums = []
        for index, param in enumerate(params):
            mine = [terms[u] for u in self.order if self.use_params[u] == index]
            sums.append(_fold(mine) if mine else tf.zeros_like(param))
        return tuple(sums)

    def power(self, take: Callable[[], Any], n: int) -> Any:
        """``x ** n`` as :func:`tui.engine.loss_ir.builder` builds it (binary exponentiation
        with square and multiply), each use of ``x`` from ``take()``, outermost first."""
        if n == 1:
            return take()
        if n % 2 == 0:
            return self.ops["square"](self.power(take, n // 2))
        x = take()
        return self.ops["mul"](x, self.power(take, n - 1))


def _tape_order(
    eager_ops: list[list[tuple[str, int] | None]], root: tuple[str, int] | None
) -> list[int]:
    """The order in which the eager tape pushes the gradients of the uses (see
    :class:`LaneLoss`): ops from a queue (taken from its back, added at its front), each op's
    inputs in order, an op queued when the last of its output's users was taken."""
    if root is None:
        return []
    if root[0] == "use":
        return [root[1]]
    users = [0] * len(eager_ops)
    for inputs in eager_ops:
        for ref in inputs:
            if ref is not None and ref[0] == "op":
                users[ref[1]] += 1
    order: list[int] = []
    queue = [root[1]]
    while queue:
        op = queue.pop()
        for ref in eager_ops[op]:
            if ref is None:
                continue
            kind, index = ref
            if kind == "use":
                order.append(index)
                continue
            users[index] -= 1
            if users[index] == 0:
                queue.insert(0, index)
    return order


def _shared_power(loss: LaneLoss, base: Any, n: int, tape: Any) -> Any:
    """``base ** n`` for a computed ``base``, recorded on ``tape`` as one operation: inside,
    each use of ``base`` is its own tensor, and the gradient sums theirs outermost first, the
    order in which the eager tape reaches them (the powers are a chain, taken in turn)."""

    def forward(x: Any) -> tuple[Any, Callable[..., Any]]:
        with tape.stop_recording():
            inner = tf.GradientTape()
            copies: list[Any] = []

            def take() -> Any:
                copy = tf.identity(x)
                inner.watch(copy)
                copies.append(copy)
                return copy

            with inner:
                result = loss.power(take, n)

        def backward(upstream: Any) -> Any:
            terms = inner.gradient(
                result,
                copies,
                output_gradients=upstream,
                unconnected_gradients=tf.UnconnectedGradients.ZERO,
            )
            return _fold(terms)

        return result, backward

    return tf.custom_gradient(forward)(base)


def loss_and_gradients(loss: LaneLoss, ws: Sequence[Any]) -> tuple[Any, tuple[Any, ...]]:
    """The loss of each lane at ``ws`` (one lane vector per parameter) and each parameter's
    gradient, bit for bit as the eager loop's tape gives them for each lane alone.

    For a keras optimizer's loop, pass the variable's value (``w.read_value()``) and hand the
    gradient to ``apply_gradients`` for the variable: reading a variable passes its gradient on
    unchanged.
    """
    uses = [tf.identity(ws[index]) for index in loss.use_params]
    with tf.GradientTape() as tape:
        for x in uses:
            tape.watch(x)
        value = loss(uses, tape)
    terms = tape.gradient(value, uses, unconnected_gradients=tf.UnconnectedGradients.ZERO)
    return value, loss.gradients(terms, ws)


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
        value, grads = loss_and_gradients(loss, ws)
        # As the seed: w.assign_sub(lr * grads), the product rounded to float32 first.
        return tuple(w - lr * g for w, g in zip(ws, grads, strict=True)), value, tuple(grads)

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
        ws, ls, w_n, f_loss, f_grads = (t.numpy() for t in outs)
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
