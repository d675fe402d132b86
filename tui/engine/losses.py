"""Loss expressions of ``w``, or of ``w1`` and ``w2``: a safe parser and the TensorFlow function.

Typed text such as ``(w + 1)**2`` or ``sin(3*w) + 0.1*w^2`` is parsed with :mod:`ast` and checked
against a whitelist: numbers, the parameter ``w`` (or the two parameters ``w1`` and ``w2``, as in
``(w1 + 1)**2 + 10*(w2 - 1)**2``), the constants ``pi`` and ``e``, unary ``+ -``,
binary ``+ - * /``, powers written ``**`` or ``^``, parentheses, and calls of the functions in
:data:`FUNCTIONS`. Nothing typed is ever evaluated or compiled by Python.

Subexpressions without ``w`` are folded in float64 at parse time, exactly as a Python lambda would
compute ``0.1*0.2`` before TensorFlow sees it; the rest maps onto TensorFlow ops one to one, in the
operand order Python would use, with ``X**2`` as ``tf.square(X)`` so that the seed loss
``(w + 1)**2`` builds exactly ``tf.square(w + 1.0)``, the loss of the lesson.

Integer powers ``X**n`` with a constant whole ``n``:

* ``n == 2``: ``tf.square(X)``; ``n == 1``: ``X`` itself;
* ``3 <= n <= 16``: binary exponentiation with ``tf.square`` and ``tf.multiply``
  (``X**3 = X * square(X)``, ``X**4 = square(square(X))``, ``X**6 = square(X * square(X))``);
* ``-16 <= n <= -1``: ``1.0 / X**-n`` built as above;
* ``n == 0``: the constant ``1.0`` (as Python's ``x**0``, also for ``x = 0``); it folds into the
  rest of the expression like any constant, so ``w**0`` alone is refused as not depending on ``w``;
* any other exponent (fractional, beyond 16, or containing ``w``): ``tf.pow(X, Y)``.

A loss is of one parameter, ``w``, or of two, ``w1`` and ``w2`` (:attr:`LossExpr.params`); a loss
naming only ``w1`` or only ``w2`` is still of two parameters, the other one's gradient being 0.
``w`` mixed with ``w1``/``w2`` is refused, and so is any other name such as ``w3``.

This module is the parser's front door (:func:`parse_loss`, cached); the parser itself is
:mod:`tui.engine.loss_parser`, the parsed loss :mod:`tui.engine.loss_expr`. What it builds lives
beside it: the typed syntax tree and its canonical text in :mod:`tui.engine.loss_syntax`, the
folded program (the public IR, as :attr:`LossExpr.program`) in :mod:`tui.engine.loss_ir`, and
what each operation and function is (arity, folding, derivative, TensorFlow op, XLA exactness,
domain) in the one registry :mod:`tui.engine.loss_functions`.

This module is pure Python: TensorFlow is imported only by :meth:`LossExpr.tf_function`, so the
terminal UI can validate typed text before TensorFlow has loaded.
"""

from __future__ import annotations

import functools

from tui.engine.loss_errors import LossError
from tui.engine.loss_expr import ONE_PARAMETER, TWO_PARAMETERS, LossExpr
from tui.engine.loss_functions import FUNCTIONS, XLA_EXACT_OPS
from tui.engine.loss_parser import (
    CONSTANTS,
    MAX_DEPTH,
    MAX_LENGTH,
    PARAMETER_NAMES,
    SEED_LOSS,
)
from tui.engine.loss_parser import Parser as _Parser
from tui.i18n import msg

__all__ = [
    "CACHE_SIZE",
    "CONSTANTS",
    "FUNCTIONS",
    "MAX_DEPTH",
    "MAX_LENGTH",
    "ONE_PARAMETER",
    "PARAMETER_NAMES",
    "SEED_LOSS",
    "TWO_PARAMETERS",
    "XLA_EXACT_OPS",
    "LossError",
    "LossExpr",
    "parse_loss",
]

#: How many distinct texts :func:`parse_loss` remembers (the newest ones).
CACHE_SIZE: int = 256


def parse_loss(text: str) -> LossExpr:
    """Parse and validate a typed loss of ``w`` (or ``w1``, ``w2``); raise :class:`LossError`.

    Whatever the input, this raises nothing but :class:`LossError`, and it never evaluates the
    text: it is parsed with :func:`ast.parse` and walked against a whitelist.

    A text is parsed once: the form, the engine, the theory and the chart all ask for the same
    loss, and get the same (immutable) :class:`LossExpr` from a cache of the last
    :data:`CACHE_SIZE` texts. A refused text is not cached: it raises afresh every time.
    """
    if not isinstance(text, str):
        raise LossError(repr(text), msg("loss.not_text", type=type(text).__name__))
    try:
        return _parse(text)
    except LossError:
        raise
    except (RecursionError, MemoryError):
        raise LossError(text, msg("loss.too_deep", depth=MAX_DEPTH)) from None
    except Exception as exc:  # pragma: no cover - a bug; keep the promise of LossError only
        error = f"{type(exc).__name__}: {exc}"
        raise LossError(text, msg("loss.bug", error=error)) from None


@functools.lru_cache(maxsize=CACHE_SIZE)
def _parse(text: str) -> LossExpr:
    """One parse of ``text``, remembered (lru_cache keeps results, never exceptions)."""
    return _Parser(text).parse()
