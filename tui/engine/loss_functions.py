"""The one registry of what a loss can compute: each operator and function, described once.

A record (:class:`LossFunction`) says everything the rest of the code needs to know about one
TensorFlow-level operation of a loss: how many arguments it takes, how the parser folds it in
float64 when its arguments are constants, its derivative (the theory's forward-mode slope), the
TensorFlow op it becomes, whether XLA reproduces that op's eager bits, and which message explains
a value outside its domain. The tables other modules read (:data:`FUNCTIONS`,
:data:`XLA_EXACT_OPS`, the arities, the binary operators) are all derived from :data:`REGISTRY`.

Adding a function of ``w`` is one record here plus ``fn.<name>`` in both catalogues.

Pure Python: TensorFlow is only touched through :meth:`LossFunction.tf_op`, given the module.
"""

from __future__ import annotations

import functools
import math
import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from tui.i18n import Msg, msg

__all__ = [
    "BINARY_OPERATORS",
    "FUNCTIONS",
    "REGISTRY",
    "VECTOR_EXACT_OPS",
    "XLA_EXACT_OPS",
    "LossFunction",
    "sigmoid",
    "softplus",
]

#: A forward-mode slope rule: (argument values, argument slopes, the value) -> the slope.
Slope = Callable[[Sequence[float], Sequence[float], float], float]


@dataclass(frozen=True)
class LossFunction:
    """One operation a loss can compute, and all that is known of it.

    ``name`` is its name in :attr:`tui.engine.losses.LossExpr.ops` and in the IR's
    :class:`~tui.engine.loss_ir.Op` nodes. ``operator`` is True for the operations the parser
    lowers operators to (``add``, ``neg``, ``square``...): a loss cannot call them by name;
    ``symbol`` is the binary operator typed for one (``"+"``). ``fold`` computes it in float64
    (Python's ``math``), as the parser folds constant arguments; it raises ValueError outside the
    domain, which ``domain`` (a catalogue key) explains. ``slope(xs, dxs, value)`` is the
    derivative as a forward-mode rule, following TensorFlow's gradient conventions at kinks.
    ``tf_path`` is the op under the ``tensorflow`` module (``"math.add"``); ``xla_exact`` whether
    XLA on CPU computes it bit for bit as the eager kernel does (see :data:`XLA_EXACT_OPS`);
    ``vector_exact`` whether graph mode rounds it the same on a vector of lanes as on the one
    element the eager loop computes (IEEE arithmetic; Eigen's vector transcendentals do not).
    ``np_path`` is its NumPy function (``"add"``, or a name in :mod:`tui.engine.loss_numpy` for
    the two NumPy lacks), for drawing a loss in float64 (:mod:`tui.engine.loss_numpy`).
    """

    name: str
    arity: int
    fold: Callable[..., float]
    slope: Slope
    tf_path: str
    xla_exact: bool = False
    domain: str | None = None
    operator: bool = False
    symbol: str | None = None
    vector_exact: bool = False
    np_path: str = ""

    def tf_op(self, tf: Any) -> Callable[..., Any]:
        """The TensorFlow op, looked up in the ``tensorflow`` module ``tf``."""
        op: Callable[..., Any] = functools.reduce(getattr, self.tf_path.split("."), tf)
        return op

    def domain_reason(self) -> Msg:
        """Why a constant argument is refused (``fold`` raised ValueError), as a message."""
        if self.domain is None:
            return msg("loss.domain", name=self.name)
        return msg(self.domain)

    def description(self) -> Msg:
        """The function in words, for help texts (only for functions a loss may call)."""
        return msg(f"fn.{self.name}")


def sigmoid(x: float) -> float:
    """The logistic function in float64, without overflow for large ``|x|``."""
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def softplus(x: float) -> float:
    """``log(1 + exp(x))`` in float64, without overflow for large ``x``."""
    return math.log1p(math.exp(-abs(x))) + max(x, 0.0)


def _sign(x: float) -> float:
    return float((x > 0) - (x < 0))


def _function(
    name: str,
    fold: Callable[[float], float],
    derivative: Callable[[float], float],
    *,
    xla_exact: bool = False,
    domain: str | None = None,
    tf_path: str | None = None,
    np_path: str | None = None,
) -> LossFunction:
    """A function of one argument, its slope by the chain rule from ``derivative``."""

    def slope(xs: Sequence[float], dxs: Sequence[float], value: float) -> float:
        return derivative(xs[0]) * dxs[0]

    return LossFunction(
        name,
        1,
        fold,
        slope,
        tf_path or f"math.{name}",
        xla_exact=xla_exact,
        domain=domain,
        np_path=np_path or name,
    )


def _operator(
    name: str,
    symbol: str | None,
    fold: Callable[..., float],
    slope: Slope,
    tf_path: str | None = None,
    xla_exact: bool = False,
    vector_exact: bool = True,
    np_path: str | None = None,
) -> LossFunction:
    """An operation the parser lowers operators to: binary with a ``symbol``, else unary (IEEE
    arithmetic, so ``vector_exact`` unless said otherwise: ``pow`` is not)."""
    arity = 1 if symbol is None else 2
    return LossFunction(
        name,
        arity,
        fold,
        slope,
        tf_path or f"math.{name}",
        xla_exact=xla_exact,
        operator=True,
        symbol=symbol,
        vector_exact=vector_exact,
        np_path=np_path or name,
    )


def _pow_slope(xs: Sequence[float], dxs: Sequence[float], value: float) -> float:
    (x, y), (dx, dy) = xs, dxs
    slope = y * math.pow(x, y - 1) * dx if dx else 0.0
    if dy:
        slope += value * math.log(x) * dy
    return slope


def _min(x: float, y: float) -> float:
    return x if x <= y else y


def _max(x: float, y: float) -> float:
    return x if x >= y else y


#: The TensorFlow-level ops that XLA on CPU (``XLA_FLAGS=--xla_cpu_max_isa=AVX``) computes bit for
#: bit as the eager kernels do, so that a loss made only of them may run in the engine's
#: ``jit_compile=True`` loop: the records marked ``xla_exact`` below. Measured on TF 2.21 / x86-64
#: (script /tmp/xla_exact/measure.py, not shipped): 94 losses, each descended from 52 random
#: (w0, lr) for 300 steps (15,600 steps each; 44 losses and 686,400 steps made only of these
#: ops), every step's w and loss compared as int32 bits between the literal eager GradientTape
#: loop on a scalar variable and XLA while-loops with w of shape [1] and [16] (13 runs at once,
#: 3 padding lanes), through descent.py's own loop and through a plain one; plus runs that blow
#: up to inf/nan and runs from extreme w0 (0, denormals, 1e19, 1e30, 3.4e38). These ops had zero
#: mismatches there. Left out, with what was seen:
#:
#: * div, tan, log, log1p (their gradients divide): XLA rewrites ``x / c`` to ``x * (1/c)`` and
#:   ``a / b / c`` to ``a / (b * c)``; exp, tanh, sinh, cosh, sigmoid, softplus: XLA's own
#:   approximations differ in the last bit; pow: ``(w**2 + 1)**0.75`` differs on shape [1].
#: * abs: XLA's sign(-0.0) is -0.0, Eigen's is 0.0, so w differs in sign once it reaches -0.0.
#: * min, max: with a constant first, ``max(0.5, nan)`` is 0.5 under XLA on shape [1], nan eager.
#: * neg: after a blow-up, the nan differs in its sign bit (values are equal, bits are not).
#:
#: Caveat: on shapes [] and [1], XLA's algebraic simplifier reassociates products with constants
#: (``0.01*(2*s)*(2*w)`` becomes ``(s*w)*0.04``): a plain loop broke on 5 of the 44 losses (e.g.
#: ``-0.5*w**2 + 0.01*w**4`` on shape []); descent.py's loop escapes only because the constants
#: are hoisted out of its while body. ``--xla_disable_hlo_passes=algsimp`` removes the rewrites
#: (zero mismatches on every shape in the same measurement, at the same speed).
_RECORDS: tuple[LossFunction, ...] = (
    # Operators: what the parser lowers + - * / ** and powers to.
    _operator("add", "+", operator.add, lambda xs, dxs, v: dxs[0] + dxs[1], xla_exact=True),
    _operator(
        "sub",
        "-",
        operator.sub,
        lambda xs, dxs, v: dxs[0] - dxs[1],
        "math.subtract",
        xla_exact=True,
        np_path="subtract",
    ),
    _operator(
        "mul",
        "*",
        operator.mul,
        lambda xs, dxs, v: dxs[0] * xs[1] + xs[0] * dxs[1],
        "math.multiply",
        xla_exact=True,
        np_path="multiply",
    ),
    _operator(
        "div",
        "/",
        operator.truediv,
        lambda xs, dxs, v: (dxs[0] * xs[1] - xs[0] * dxs[1]) / (xs[1] * xs[1]),
        "math.truediv",
        np_path="true_divide",
    ),
    _operator("pow", "**", math.pow, _pow_slope, vector_exact=False, np_path="power"),
    _operator(
        "neg", None, operator.neg, lambda xs, dxs, v: -dxs[0], "math.negative", np_path="negative"
    ),
    _operator(
        "square", None, lambda x: x * x, lambda xs, dxs, v: 2.0 * xs[0] * dxs[0], xla_exact=True
    ),
    # Functions a loss may call, in the order the help lists them.
    _function("sin", math.sin, math.cos, xla_exact=True),
    _function("cos", math.cos, lambda x: -math.sin(x), xla_exact=True),
    _function("tan", math.tan, lambda x: 1.0 / math.cos(x) ** 2),
    _function("atan", math.atan, lambda x: 1.0 / (1.0 + x * x), xla_exact=True, np_path="arctan"),
    _function("sinh", math.sinh, math.cosh),
    _function("cosh", math.cosh, math.sinh),
    _function("tanh", math.tanh, lambda x: 1.0 - math.tanh(x) ** 2),
    _function("exp", math.exp, math.exp),
    _function("log", math.log, lambda x: 1.0 / x, domain="loss.domain.log"),
    _function("log1p", math.log1p, lambda x: 1.0 / (1.0 + x), domain="loss.domain.log1p"),
    _function(
        "sqrt", math.sqrt, lambda x: 0.5 / math.sqrt(x), xla_exact=True, domain="loss.domain.sqrt"
    ),
    _function("abs", abs, _sign),  # TensorFlow's slope of abs at 0 is 0
    _function("sigmoid", sigmoid, lambda x: sigmoid(x) * (1.0 - sigmoid(x))),
    _function("softplus", softplus, sigmoid, tf_path="nn.softplus"),
    # On a tie, TensorFlow passes the slope to the first argument.
    LossFunction(
        "min",
        2,
        _min,
        lambda xs, dxs, v: dxs[0] if xs[0] <= xs[1] else dxs[1],
        "math.minimum",
        np_path="minimum",
    ),
    LossFunction(
        "max",
        2,
        _max,
        lambda xs, dxs, v: dxs[0] if xs[0] >= xs[1] else dxs[1],
        "math.maximum",
        np_path="maximum",
    ),
)

#: Every operation a loss can compute, by name: the one table of them.
REGISTRY: Mapping[str, LossFunction] = MappingProxyType({r.name: r for r in _RECORDS})

#: The functions a loss may call: name -> one-line description, for help texts. The description
#: is a message: ``str(FUNCTIONS[name])`` (or an f-string) is its text in the current language.
FUNCTIONS: Mapping[str, Msg] = MappingProxyType(
    {r.name: r.description() for r in _RECORDS if not r.operator}
)

#: The binary operators a loss may use: typed symbol -> the operation's name.
BINARY_OPERATORS: Mapping[str, str] = MappingProxyType(
    {r.symbol: r.name for r in _RECORDS if r.symbol is not None}
)

#: The operations XLA computes bit for bit as the eager kernels do (see the comment above).
XLA_EXACT_OPS: frozenset[str] = frozenset(r.name for r in _RECORDS if r.xla_exact)

#: The operations graph mode may take on a vector of lanes, rounded as for one element: IEEE
#: arithmetic. On 8 lanes Eigen's vector sin, cos and atan round differently from the scalar
#: kernel the eager loop's one-element tensor takes (248 of 512 Adam values differed on
#: ``sin(3*w) + 0.1*w**2``), so a loss with any other op goes lane by lane in graph mode.
VECTOR_EXACT_OPS: frozenset[str] = frozenset(r.name for r in _RECORDS if r.vector_exact)
