"""Theory beside the curve: what plain gradient descent does on a quadratic loss (pure Python).

On a quadratic loss ``a*(w - w*)**2 + c`` with ``a > 0``, one step with rate ``lr`` maps
``w - w*`` to ``(1 - lr*L) * (w - w*)``, ``L = 2a`` being the second derivative. The contraction
factor ``q = 1 - lr*L`` tells everything:

* ``lr == 0``: w does not move;
* ``0 < q < 1`` (``lr < 1/L``): monotone convergence, w approaches from one side;
* ``q == 0`` (``lr == 1/L``, the one-step optimum): the first step lands on the minimum;
* ``-1 < q < 0`` (``1/L < lr < 2/L``): oscillating convergence, w jumps across the minimum;
* ``q == -1`` (``lr == 2/L``, the critical rate): a pure 2-cycle between two mirror points;
* ``q < -1`` (``lr > 2/L``): divergence, w jumps across the minimum, farther each time.

The loss above its minimum shrinks by ``q**2`` a step, so from ``w0`` it falls to ``tol`` after
``ceil(log(tol / (loss_0 - c)) / (2 log|q|))`` steps.

:func:`quadratic` recognizes quadratic losses exactly, by polynomial arithmetic
(:mod:`tui.engine.polynomials`) over the parser's folded tree (the public IR
:attr:`LossExpr.program`, see :mod:`tui.engine.loss_ir`);
:func:`theory_for` gives the exact theory for them and, for other losses, a local one from the
curvature at ``w0`` (which the engine computes with :func:`local_curvature`).

This module imports neither TensorFlow nor Textual at module level: the terminal UI shows the
theory before TensorFlow has loaded. Only :func:`local_curvature` imports TensorFlow, when called.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from fractions import Fraction
from typing import TYPE_CHECKING

from tui.engine.loss_functions import REGISTRY
from tui.engine.loss_ir import IntPow, Node, Num, Op, W
from tui.engine.losses import LossExpr
from tui.engine.outcome import Outcome
from tui.engine.polynomials import MAX_DEGREE, NotPolynomial, polynomial
from tui.engine.spec import DEFAULT_TOL, RunSpec
from tui.i18n import Msg, msg, t

if TYPE_CHECKING:
    from tui.engine.result import RunResult

__all__ = [
    "loss_curve",
    "BOUNDARY_TOL",
    "MAX_DEGREE",
    "Quadratic",
    "Regime",
    "Theory",
    "contradiction",
    "known_minimum",
    "local_curvature",
    "models",
    "no_minimum",
    "quadratic",
    "theory_for",
    "why_no_theory",
]

#: How close q must come to 0 or -1, in absolute terms, to count as exactly that boundary (a
#: rate typed as ``2/L`` gives ``q = -1`` up to the rounding of ``lr * L`` in float64).
BOUNDARY_TOL: float = 1e-12


# --- Recognizing quadratics. ------------------------------------------------------------------


@dataclass(frozen=True)
class Quadratic:
    """The loss ``a*w**2 + b*w + c`` with ``a > 0``: one minimum, at ``w* = -b/(2a)``.

    The coefficients are the exact coefficients of the typed polynomial (constants folded in
    float64 as the parser folds them), rounded once to float. :func:`quadratic` also keeps the
    exact minimum, so that ``(w - 1000)**2 + 1e-3`` has its minimum loss 0.001 to the last bit
    even though ``c = 1000000.001`` is rounded; built by hand, the minimum is computed exactly
    from the float coefficients.
    """

    a: float
    b: float
    c: float
    _exact: tuple[Fraction, Fraction, Fraction] | None = field(
        default=None, repr=False, compare=False
    )

    def _coefficients(self) -> tuple[Fraction, Fraction, Fraction]:
        if self._exact is not None:
            return self._exact
        return Fraction(self.a), Fraction(self.b), Fraction(self.c)

    @property
    def curvature(self) -> float:
        """The second derivative ``L = 2a``, the same at every w."""
        return 2.0 * self.a

    @property
    def minimum_w(self) -> float:
        """Where the minimum is: ``w* = -b / (2a)`` (0.0, not -0.0, when b is 0)."""
        a, b, _ = self._coefficients()
        return float(-b / (2 * a)) + 0.0

    @property
    def minimum_loss(self) -> float:
        """The loss at the minimum, ``c - b**2 / (4a)``."""
        a, b, c = self._coefficients()
        return float(c - b * b / (4 * a))

    def __call__(self, w: float) -> float:
        """The loss at ``w``, in float64."""
        return (self.a * w + self.b) * w + self.c


def quadratic(expr: LossExpr) -> Quadratic | None:
    """The loss as ``a*w**2 + b*w + c`` if it is exactly a polynomial of degree 2 with ``a > 0``.

    The parser's folded tree is walked with exact rational arithmetic: sums, differences,
    products, negation, whole powers of polynomials and division by a constant are followed,
    so ``(w + 1)**2``, ``w*w + w``, ``w**2/2`` and ``w**3 - w**3 + w**2`` are recognized. A
    function of w (``sin(w)``, ``abs(w - 2)``), a division by an expression in w, a fractional
    power or a power whose exponent contains w make the loss not quadratic, as do degrees other
    than 2 (``2*w``, ``w**3``) and intermediate degrees above :data:`MAX_DEGREE`.

    A concave quadratic (``a < 0``, e.g. ``-(w**2)``) has no minimum for gradient descent to
    find: it gives ``None`` too, as does one whose coefficients overflow float64.
    """
    try:
        poly = polynomial(expr.program)
    except NotPolynomial:
        return None
    if len(poly) != 3 or poly[2] <= 0:
        return None
    exact_c, exact_b, exact_a = poly
    try:
        a, b, c = float(exact_a), float(exact_b), float(exact_c)
        quad = Quadratic(a, b, c, (exact_a, exact_b, exact_c))
        finite = [a, b, c, quad.curvature, quad.minimum_w, quad.minimum_loss]
    except OverflowError:
        return None
    if not all(math.isfinite(x) for x in finite) or a <= 0:
        return None
    return quad


def known_minimum(expr: LossExpr) -> float | None:
    """The loss's lowest value where it is known exactly (a quadratic, see :func:`quadratic`).

    ``None`` for any other loss: its minimum, if it has one, is not known. The engine's status
    measures the tolerance from this (see :func:`tui.engine.analysis.steps_to_tolerance`).
    """
    quad = quadratic(expr)
    return None if quad is None else quad.minimum_loss


def no_minimum(expr: LossExpr) -> Msg | None:
    """Why ``expr`` has no minimum for descent to find, if it is a polynomial without one.

    A constant has nothing to descend; a line, a polynomial of odd degree or one whose leading
    coefficient is negative is unbounded below. ``None`` for any other loss: a polynomial with
    a minimum, or a loss that is not a polynomial (nothing is known of it as a whole). A local
    theory from the curvature at w0 would describe a minimum of its local model that such a
    loss does not have, so the panel says this instead.
    """
    try:
        poly = polynomial(expr.program)
    except NotPolynomial:
        return None
    degree = len(poly) - 1
    if degree <= 0:
        return msg("why.none_constant")
    if degree == 1:
        return msg("why.none_linear")
    if degree % 2 or poly[-1] < 0:
        return msg("why.none_unbounded")
    return None


def why_no_theory(expr: LossExpr, w0: float, curvature: float | None) -> Msg:
    """Why :func:`theory_for` gives no theory for ``expr`` from ``w0``, in one message.

    A polynomial without a minimum says so (:func:`no_minimum`). Any other loss is judged by
    ``curvature``, its curvature at ``w0`` (``None`` if not known): at or below 0 the local
    model has no minimum, and the theory is unknown rather than a guess.
    """
    whole = no_minimum(expr)
    if whole is not None:
        return whole
    if curvature is None or not math.isfinite(curvature):
        return msg("why.none_unknown")
    if curvature == 0:
        return msg("why.none_flat_at", w0=_number(w0))
    if curvature < 0:
        return msg("why.none_concave_at", w0=_number(w0), curvature=_number(curvature))
    return msg("why.none_unknown")


# --- The theory. -------------------------------------------------------------------------------


class Regime(str, Enum):
    """What plain gradient descent does near a minimum, by the contraction factor q.

    The values are identifiers and stay English; :attr:`label` is the name to show, in the
    current language.
    """

    STILL = "does not move"
    MONOTONE = "monotone convergence"
    ONE_STEP = "one-step convergence"
    OSCILLATING = "oscillating convergence"
    TWO_CYCLE = "2-cycle"
    DIVERGING = "oscillating divergence"

    @property
    def label(self) -> str:
        """The regime in words, in the current language (``monotone convergence``...)."""
        return t(f"regime.{self.name.lower()}")


@dataclass(frozen=True)
class Theory:
    """The theory of one rate on one loss: the contraction ``q = 1 - lr*L`` and its regime.

    ``curvature`` is L, the loss's second derivative: exact and constant for a quadratic
    (``exact`` True), else the local curvature at ``w0`` (``exact`` False), an approximation that
    holds only while w stays where the curvature is about that. ``critical_lr`` (2/L) is the
    rate at and above which descent no longer converges; ``optimal_lr`` (1/L) the rate that
    reaches the minimum in one step. ``minimum_w`` and ``minimum_loss`` are where the minimum is
    and its loss: exact for a quadratic, else those of the local quadratic model at ``w0``
    (the Newton step ``w0 - slope/L``). ``why`` says it in one sentence: a
    :class:`~tui.i18n.Msg`, whose ``str()`` is that sentence in the current language.
    """

    curvature: float
    contraction: float
    regime: Regime
    why: Msg
    critical_lr: float
    optimal_lr: float
    exact: bool
    w0: float
    minimum_w: float
    minimum_loss: float

    def predicted_steps(self, tol: float = DEFAULT_TOL, w0: float | None = None) -> int | None:
        """The steps until the loss above its minimum is at most ``tol``, starting from ``w0``.

        ``w0`` defaults to the one the theory was made for. The loss above the minimum starts
        at ``L/2 * (w0 - w*)**2`` and shrinks by ``q**2`` a step, so the answer is 0 if it is
        already within ``tol``, 1 when ``q == 0``, ``None`` (never) when ``|q| >= 1``, else
        ``ceil(log(tol / gap) / (2 log|q|))``. It counts steps as
        :func:`tui.engine.analysis.steps_to_tolerance` does, but on ``loss - minimum_loss``.

        For a loss that is not quadratic (``exact`` False) this is only an estimate: it treats
        the loss as the quadratic with the local curvature at ``w0`` around the minimum of that
        local model, which may be far from the loss's own minimum and its curvature there.
        ``tol`` must be above 0, else :class:`ValueError`.
        """
        if not tol > 0:
            raise ValueError(f"tol must be above 0, not {tol!r}")
        start = self.w0 if w0 is None else w0
        gap = 0.5 * self.curvature * (start - self.minimum_w) ** 2
        if not math.isfinite(gap):
            return None
        if gap <= tol:
            return 0
        q = abs(self.contraction)
        if q == 0:
            return 1
        if q >= 1:
            return None
        return max(1, math.ceil(math.log(tol / gap) / (2.0 * math.log(q))))


def theory_for(
    expr: LossExpr,
    lr: float,
    w0: float,
    curvature_at: Callable[[float], float] | None = None,
) -> Theory | None:
    """The theory of rate ``lr`` from ``w0`` on ``expr``, or ``None`` when there is none.

    For a quadratic loss (see :func:`quadratic`) the theory is exact and ``curvature_at`` is not
    used. For any other loss, ``curvature_at(w0)`` gives the local curvature (the engine's
    :func:`local_curvature`), the slope at ``w0`` is computed here in float64, and the theory is
    that of the local quadratic model, marked ``exact=False``. ``None`` means no minimum is in
    sight: a concave or linear loss, no ``curvature_at`` for a non-quadratic loss, a curvature
    that is not positive and finite at ``w0``, or a slope that cannot be computed there.

    ``lr`` must be finite and at least 0 and ``w0`` finite, else :class:`ValueError`.
    """
    if not (math.isfinite(lr) and lr >= 0):
        raise ValueError(f"lr must be finite and at least 0, not {lr!r}")
    if not math.isfinite(w0):
        raise ValueError(f"w0 must be finite, not {w0!r}")
    quad = quadratic(expr)
    if quad is not None:
        curvature, minimum_w, minimum_loss = quad.curvature, quad.minimum_w, quad.minimum_loss
        exact = True
    else:
        if curvature_at is None:
            return None
        curvature = float(curvature_at(w0))
        if not (math.isfinite(curvature) and curvature > 0):
            return None
        try:
            value, slope = _value_and_slope(expr.program, float(w0))
        except (ArithmeticError, ValueError):
            return None
        minimum_w = w0 - slope / curvature
        minimum_loss = value - slope * slope / (2.0 * curvature)
        if not (math.isfinite(minimum_w) and math.isfinite(minimum_loss)):
            return None
        exact = False
    q = 1.0 - lr * curvature
    if abs(q) <= BOUNDARY_TOL:
        q = 0.0
    elif abs(q + 1.0) <= BOUNDARY_TOL:
        q = -1.0
    regime = _regime(lr, q)
    return Theory(
        curvature=curvature,
        contraction=q,
        regime=regime,
        why=_why(regime, q, curvature, exact, w0),
        critical_lr=2.0 / curvature,
        optimal_lr=1.0 / curvature,
        exact=exact,
        w0=w0,
        minimum_w=minimum_w,
        minimum_loss=minimum_loss,
    )


def models(spec: RunSpec) -> bool:
    """Whether the theory models ``spec``'s run: the seed's plain descent at a constant rate.

    The theory is that of ``w -= lr * grads`` with one ``lr`` throughout. A ``tf.keras``
    optimizer (momentum, Nesterov, Adagrad, RMSprop, Adam), a schedule or a warm-up make a
    different iteration, of which it predicts nothing.
    """
    return spec.plain and not spec.decays


#: The regimes in which w converges, and those in which it jumps across the minimum.
_CONVERGING = (Regime.MONOTONE, Regime.ONE_STEP, Regime.OSCILLATING)
_JUMPING = (Regime.OSCILLATING, Regime.TWO_CYCLE, Regime.DIVERGING)


def contradiction(theory: Theory, result: RunResult, tol: float = DEFAULT_TOL) -> Msg | None:
    """What ``result`` does that ``theory`` says it would not, or ``None`` if nothing.

    For a run the theory models (see :func:`models`), from the same w0 and rate. Checked, in
    this order: a converging regime whose run diverged; a 2-cycle or a divergence whose run
    converged or (2-cycle) diverged; monotone convergence where w turned back before reaching
    the tolerance; a jumping regime where w only ever moved one way; a predicted number of
    steps that the run passed (by at least one more step) without reaching the tolerance.
    A local theory (``exact`` False) is thus caught where its estimate fails; an exact one only
    where float32 arithmetic departs from exact arithmetic (an overflow, say).
    """
    status = result.status
    regime = theory.regime
    if regime in _CONVERGING and status.outcome is Outcome.DIVERGED:
        return msg("why.seen_diverged")
    if regime in (Regime.TWO_CYCLE, Regime.DIVERGING) and status.outcome is Outcome.CONVERGED:
        return msg("why.seen_converged")
    if regime is Regime.TWO_CYCLE and status.outcome is Outcome.DIVERGED:
        return msg("why.seen_diverged")
    from tui.engine.turns import moves_and_turns  # NumPy's: not loaded by the first frame

    reached = status.steps_to_tol
    before = result.w if reached is None else result.w[:reached]
    moves, turns = moves_and_turns(float(result.spec.w0), before)
    if regime is Regime.MONOTONE and turns:
        return msg("why.seen_turned")
    if regime in _JUMPING and moves >= 2 and not turns:
        return msg("why.seen_one_way")
    predicted = theory.predicted_steps(tol, result.spec.w0)
    if predicted is not None and reached is None and predicted < len(result.w):
        return msg("why.seen_not_by", steps=predicted)
    return None


def _regime(lr: float, q: float) -> Regime:
    if lr == 0:
        return Regime.STILL
    if q > 0:
        return Regime.MONOTONE
    if q == 0:
        return Regime.ONE_STEP
    if q > -1:
        return Regime.OSCILLATING
    if q == -1:
        return Regime.TWO_CYCLE
    return Regime.DIVERGING


def _number(x: float) -> str:
    """``x`` in few digits, but never shown as 0, 1 or -1 when it is not exactly that."""
    for digits in range(3, 18):
        text = f"{x:.{digits}g}"
        if float(text) not in (0.0, 1.0, -1.0) or float(text) == x:
            return text
    return repr(x)  # pragma: no cover - 17 digits always round-trip


def _why(regime: Regime, q: float, curvature: float, exact: bool, w0: float) -> Msg:
    """The sentence saying why ``regime``: one whole sentence per regime, exact or local.

    The local sentences (``exact`` False) say ``about q`` and where the curvature was taken;
    the numbers are formatted here, by :func:`_number`, and the words by the catalogue.
    """
    key = f"why.{regime.name.lower()}"
    if regime is Regime.STILL:
        return msg(key)
    if exact:
        return msg(key, q=_number(q))
    return msg(f"{key}_local", q=_number(q), curvature=_number(curvature), w0=_number(w0))


# --- The loss and its slope in float64, without TensorFlow (forward-mode derivatives). ------


def loss_curve(expr: LossExpr, ws: Sequence[float]) -> list[float]:
    """The loss at each of ``ws`` in float64, for drawing (nan where it is undefined).

    Pure Python, no TensorFlow: for pictures of the loss, never for the descent itself.
    """
    values = []
    for w in ws:
        try:
            values.append(_value_and_slope(expr.program, float(w))[0])
        except (ArithmeticError, ValueError):
            values.append(math.nan)
    return values


def _value_and_slope(node: Node, w: float) -> tuple[float, float]:
    """The loss and its derivative at ``w`` in float64; raise ArithmeticError or ValueError.

    Each operation's value and slope come from its record in the registry
    (:data:`tui.engine.loss_functions.REGISTRY`), which follows TensorFlow's conventions where
    the function has a kink: ``abs`` has slope 0 at 0, ``min``/``max`` pass the slope to their
    first argument on a tie.
    """
    if isinstance(node, Num):
        return node.value, 0.0
    if isinstance(node, W):
        return w, 1.0
    if isinstance(node, IntPow):
        x, dx = _value_and_slope(node.base, w)
        return x**node.n, node.n * x ** (node.n - 1) * dx
    if not isinstance(node, Op):  # pragma: no cover - the tree has no other node types
        raise ValueError(f"unknown node {node!r}")
    record = REGISTRY[node.name]
    if len(node.args) == 1:
        x, dx = _value_and_slope(node.args[0], w)
        value = record.fold(x)
        return value, record.slope((x,), (dx,), value)
    (x, dx), (y, dy) = (_value_and_slope(arg, w) for arg in node.args)
    value = record.fold(x, y)
    return value, record.slope((x, y), (dx, dy), value)


# --- The local curvature, with TensorFlow (for the engine's process). ----------------------


def local_curvature(expr: LossExpr, w: float) -> float:
    """The second derivative of the loss at ``w``, by nested ``tf.GradientTape`` in float32.

    Imports TensorFlow (configured by :mod:`tui.engine.tfenv`) when called: the engine's
    process calls this, the UI never does. The result may be negative (no minimum nearby),
    zero, or not finite; :func:`theory_for` turns those into ``None``.
    """
    from tui.engine import tfenv

    tf = tfenv.load()
    fn = expr.tf_function()
    x = tf.constant(w, tf.float32)
    zero = tf.UnconnectedGradients.ZERO
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            value = fn(x)
        slope = inner.gradient(value, x, unconnected_gradients=zero)
    curvature = outer.gradient(slope, x, unconnected_gradients=zero)
    return float(curvature.numpy())
