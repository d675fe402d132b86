"""A loss's program on lane vectors and its gradients, summed in the eager tape's order.

Each operation of the loss's program is built once for all the lanes of a block:

- a ``vector_exact`` operation of the registry (add, sub, mul, div, neg, square) is one op on
  the vector of lanes, and so is its gradient: element-wise IEEE arithmetic rounds a vector
  exactly as it rounds each element, and TensorFlow's gradients of these ops are the same
  arithmetic;
- any other operation is one node taken group by group on the scalar kernels
  (:func:`tui.engine.scalar_lanes.lanewise`).

The outer tape thus records one operation per node of the program, in the order the eager loop
records them, so it visits them in the same order and sums the gradients of a value used twice
in the same order (``AddN`` of three terms rounds by its order; of two, the order picks which
NaN survives): see :class:`LaneLoss`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from tui.engine import scalar_lanes, tfenv
from tui.engine.loss_functions import REGISTRY
from tui.engine.loss_ir import IntPow, Node, Num, Op, W, ops_of

tf = tfenv.load()


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
            group = scalar_lanes.group_size()  # probed only for a loss with ops taken by groups
        #: The sizes of the lane groups of a scalar-path op (``group`` lanes each).
        self.sizes = scalar_lanes.groups(lanes, group) if group is not None else []
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
            return scalar_lanes.lanewise(self.ops[node.name], args, self.sizes, tape), True

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
