"""A parsed loss: :class:`LossExpr`, what :func:`tui.engine.losses.parse_loss` gives.

Pure Python: TensorFlow is imported only by :meth:`LossExpr.tf_function`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tui.engine.loss_functions import XLA_EXACT_OPS
from tui.engine.loss_ir import Node, builder

if TYPE_CHECKING:
    import tensorflow as tf

__all__ = ["ONE_PARAMETER", "TWO_PARAMETERS", "LossExpr"]

#: The parameters of a loss of ``w`` and of a loss of ``w1`` and ``w2``.
ONE_PARAMETER: tuple[str, ...] = ("w",)
TWO_PARAMETERS: tuple[str, ...] = ("w1", "w2")


@dataclass(frozen=True)
class LossExpr:
    """A validated loss of ``w``, or of ``w1`` and ``w2``; build it with :func:`parse_loss`.

    ``params`` names its parameters in order: :data:`ONE_PARAMETER` ``("w",)`` or
    :data:`TWO_PARAMETERS` ``("w1", "w2")`` (also when the text names only one of ``w1``, ``w2``:
    both exist, and the gradient of the one the loss does not use is 0).

    ``source`` is the text as typed (stripped), ``ops`` the TensorFlow-level operations the
    expression uses (``"add"``, ``"sub"``, ``"mul"``, ``"div"``, ``"neg"``, ``"square"``,
    ``"pow"`` and function names such as ``"sin"``), after constant folding and power lowering.
    ``str(expr)`` is the canonical text: ``^`` written ``**``, normalized spacing and parentheses,
    numbers as typed; it parses back to the same expression.

    ``program`` is what the expression computes, constants folded and powers lowered: a frozen
    tree of :mod:`tui.engine.loss_ir` nodes, whose operations are described in
    :data:`tui.engine.loss_functions.REGISTRY`. The whole object is immutable, so
    :func:`parse_loss` hands out one shared object per text.
    """

    source: str
    ops: frozenset[str]
    program: Node = field(repr=False)
    _canonical: str = field(repr=False, compare=False)
    params: tuple[str, ...] = ONE_PARAMETER

    @property
    def xla_exact(self) -> bool:
        """Whether every op is in :data:`XLA_EXACT_OPS`, so XLA reproduces the eager loop's bits."""
        return self.ops <= XLA_EXACT_OPS

    def tf_function(self) -> Callable[..., tf.Tensor]:
        """Build the elementwise TensorFlow loss (imports TensorFlow): ``w -> loss(w)`` for one
        parameter, ``(w1, w2) -> loss(w1, w2)`` for two (one tensor per name of :attr:`params`).

        Each argument is a float32 tensor (or variable), all of one shape; folded constants
        enter as ``tf.constant(value, w.dtype)``, which rounds them to float32 as eager Python
        would. The callable is plain Python: call it eagerly, under a ``GradientTape`` or inside
        a ``tf.function``. A parameter the text does not name is an argument all the same; its
        gradient is then unconnected: take it with
        ``unconnected_gradients=tf.UnconnectedGradients.ZERO`` (0, as the engine does).
        """
        import tensorflow as tf

        build = builder(tf, self.program)
        names = ", ".join(self.params)
        if len(self.params) == 1:

            def loss(w: tf.Tensor) -> tf.Tensor:
                return build(tf.convert_to_tensor(w))

        else:

            def loss(w1: tf.Tensor, w2: tf.Tensor) -> tf.Tensor:  # type: ignore[misc]
                return build(tf.convert_to_tensor(w1), tf.convert_to_tensor(w2))

        loss.__name__ = "loss"
        loss.__qualname__ = "loss"
        loss.__doc__ = f"loss({names}) = {self._canonical}"
        return loss

    def __str__(self) -> str:
        """The canonical text, e.g. ``(w + 1)**2`` for ``(w+1)^2``."""
        return self._canonical
