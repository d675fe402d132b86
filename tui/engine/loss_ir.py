"""The program of a parsed loss: a frozen tree with one node per TensorFlow-level op.

:func:`tui.engine.losses.parse_loss` folds the constant parts of the typed text in float64 and
lowers powers, giving a tree of these nodes as :attr:`~tui.engine.losses.LossExpr.program`:

* :class:`Num`: a folded constant (float64; it enters TensorFlow rounded to float32);
* :class:`W`: a parameter: ``w`` of a one-parameter loss, or ``w1``/``w2`` of a two-parameter
  loss (``index`` 0 or 1);
* :class:`Op`: an operation of :data:`~tui.engine.loss_functions.REGISTRY` (``add``, ``neg``,
  ``square``, ``pow``, ``sin``, ``min``...) applied to its arguments, in Python's operand order;
* :class:`IntPow`: ``base ** n`` for a whole ``3 <= n <= 16``, built by binary exponentiation
  with ``square`` and ``mul``, the base computed once.

Every node is a frozen dataclass holding only numbers, strings and tuples of nodes, so a program
is immutable and hashable, can be shared (the parser's results are cached), compared and pickled.
The theory (:mod:`tui.engine.theory`) reads it for exact polynomial arithmetic and float64 slopes;
:func:`builder` makes the TensorFlow function of it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tui.engine.loss_functions import REGISTRY

if TYPE_CHECKING:
    import tensorflow as tf

__all__ = ["IntPow", "Node", "Num", "Op", "W", "builder", "ops_of"]


@dataclass(frozen=True)
class Num:
    """A constant, folded in float64 at parse time."""

    value: float


@dataclass(frozen=True)
class W:
    """A parameter: ``index`` 0 is ``w`` (one-parameter loss) or ``w1``, 1 is ``w2``."""

    index: int = 0


@dataclass(frozen=True)
class Op:
    """The operation ``name`` (a key of the registry) applied to ``args``, in that order."""

    name: str
    args: tuple[Node, ...]


@dataclass(frozen=True)
class IntPow:
    """``base ** n`` for a whole ``3 <= n <= 16``: binary exponentiation, base computed once.

    ``n`` odd is ``base * base**(n - 1)``; ``n`` even is ``square(base**(n // 2))``: so
    ``X**3 = X * square(X)``, ``X**4 = square(square(X))``, ``X**6 = square(X * square(X))``.
    """

    base: Node
    n: int


#: Any node of a loss's program.
Node = Num | W | Op | IntPow


def ops_of(node: Node) -> frozenset[str]:
    """The names of the TensorFlow-level operations the program ``node`` builds."""
    if isinstance(node, Op):
        ops = {node.name}
        for arg in node.args:
            ops |= ops_of(arg)
        return frozenset(ops)
    if isinstance(node, IntPow):
        ops = set(ops_of(node.base)) | {"square"}
        if node.n & (node.n - 1):  # not a power of 2: some step multiplies
            ops.add("mul")
        return frozenset(ops)
    return frozenset()


def builder(tf: Any, node: Node) -> Callable[..., tf.Tensor]:
    """A function building the program ``node`` with the ``tensorflow`` module, on one tensor
    per parameter: ``build(w)``, or ``build(w1, w2)`` (:class:`W` ``index`` picks the argument).

    The TensorFlow ops are looked up once, here. Constants enter as
    ``tf.constant(value, w.dtype)`` (the first tensor's dtype), which rounds them as eager
    Python would.
    """
    ops = {name: record.tf_op(tf) for name, record in REGISTRY.items()}
    square, multiply = ops["square"], ops["mul"]

    def power(x: Any, n: int) -> Any:
        if n == 1:
            return x
        if n % 2 == 0:
            return square(power(x, n // 2))
        return multiply(x, power(x, n - 1))

    def build(*ws: tf.Tensor) -> tf.Tensor:
        dtype = ws[0].dtype

        def emit(node: Node) -> Any:
            if isinstance(node, W):
                return ws[node.index]
            if isinstance(node, Num):
                return tf.constant(node.value, dtype=dtype)
            if isinstance(node, Op):
                return ops[node.name](*(emit(arg) for arg in node.args))
            return power(emit(node.base), node.n)

        return emit(node)

    return build
