"""Quadratics in two parameters, ``w1`` and ``w2``, recognized exactly, and their Hessians.

:func:`plane_quadratic` reads a loss of w1, w2 with exact rational arithmetic
(:mod:`tui.engine.polynomials`): a polynomial of total degree at most 2 once its terms cancel is
a :class:`PlaneQuadratic`, ``value + slope·d + ½ dᵀ H d``, classified exactly by its Hessian H
(:class:`Landscape`: a bowl, a valley of minima, a saddle...), with its exact minimum where it
has one. :func:`eigen` gives H's eigenvalues ``λ1 <= λ2`` and their directions. For a loss that
is not quadratic, :func:`local_hessian` computes the loss, gradient and Hessian at a point by
nested tapes in float32, as the engine computes the one-parameter curvature; its
:meth:`LocalHessian.model` is the quadratic model there. The theory built on these is
:mod:`tui.engine.theory_plane`.

This module imports neither TensorFlow nor Textual at module level; only :func:`local_hessian`
imports TensorFlow, when called (in the engine's process).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal, localcontext
from enum import Enum
from fractions import Fraction
from functools import lru_cache
from typing import TYPE_CHECKING

from tui.engine.loss_ir import Node
from tui.engine.polynomials import NotPolynomial, polynomial_in
from tui.i18n import t

if TYPE_CHECKING:
    from tui.engine.losses import LossExpr

__all__ = [
    "DIGITS",
    "Landscape",
    "LocalHessian",
    "PlaneQuadratic",
    "Point",
    "eigen",
    "known_plane_minimum",
    "local_hessian",
    "plane_quadratic",
    "quadratic_of",
    "start_hessian",
]

#: Digits of the decimal arithmetic the eigenvalues and the rates are computed in before they
#: are rounded once to float64 (a square root of an exact Fraction, so not exact itself).
DIGITS: int = 40

#: A point (or a direction) in the plane of w1, w2.
Point = tuple[float, float]


class Landscape(str, Enum):
    """The shape of a quadratic in w1, w2, by its Hessian's eigenvalues (and its slope).

    The values are identifiers and stay English; :attr:`label` is the name to show.
    """

    BOWL = "bowl"  # λ1 > 0: one minimum
    VALLEY = "valley"  # λ1 = 0 < λ2, the slope along the valley 0: a line of minima
    SLOPE = "sloping valley"  # λ1 = 0 < λ2, the valley floor falls forever: no minimum
    SADDLE = "saddle"  # λ1 < 0 < λ2
    RIDGE = "ridge"  # λ1 < 0 = λ2
    CAP = "cap"  # λ2 < 0: a maximum
    PLANE = "plane"  # H = 0, the slope not: linear
    FLAT = "flat"  # H = 0 and slope 0: a constant

    @property
    def label(self) -> str:
        """The shape in words, in the current language."""
        return t(f"plane.landscape.{self.name.lower()}")


# --- Recognizing quadratics. ------------------------------------------------------------------


@dataclass(frozen=True)
class PlaneQuadratic:
    """``L(centre + d) = value + slope·d + ½ dᵀ H d`` exactly, H = ``((h11, h12), (h12, h22))``.

    For a loss that is a quadratic (:func:`plane_quadratic`) the centre is ``(0, 0)`` and every
    coefficient is the exact rational coefficient of the typed polynomial (constants folded in
    float64 as the parser folds them). A local model (:func:`LocalHessian.model`) is centred on
    the start, its numbers the float32 ones TensorFlow computed there, taken exactly.
    """

    hessian: tuple[Fraction, Fraction, Fraction]
    slope: tuple[Fraction, Fraction]
    value: Fraction
    centre: tuple[Fraction, Fraction] = (Fraction(0), Fraction(0))

    @property
    def determinant(self) -> Fraction:
        """``h11·h22 - h12²``: the product of the eigenvalues."""
        h11, h12, h22 = self.hessian
        return h11 * h22 - h12 * h12

    @property
    def trace(self) -> Fraction:
        """``h11 + h22``: the sum of the eigenvalues."""
        return self.hessian[0] + self.hessian[2]

    @property
    def landscape(self) -> Landscape:
        """The shape, decided exactly from the determinant, the trace and the slope."""
        det, trace = self.determinant, self.trace
        if det > 0:
            return Landscape.BOWL if trace > 0 else Landscape.CAP
        if det < 0:
            return Landscape.SADDLE
        if trace < 0:
            return Landscape.RIDGE
        if trace == 0:  # and so H = 0 (h11 = -h22 and h11*h22 = h12**2 >= 0)
            return Landscape.PLANE if any(self.slope) else Landscape.FLAT
        # H = trace·v vᵀ: the minima form a line when the slope is along v (H's columns).
        h11, h12, h22 = self.hessian
        g1, g2 = self.slope
        along = g1 * h12 == g2 * h11 and g1 * h22 == g2 * h12
        return Landscape.VALLEY if along else Landscape.SLOPE

    @property
    def minimum(self) -> tuple[Fraction, Fraction] | None:
        """The one minimum of a bowl, ``centre - H⁻¹ slope``, exactly; ``None`` for any other."""
        if self.landscape is not Landscape.BOWL:
            return None
        h11, h12, h22 = self.hessian
        g1, g2 = self.slope
        det = self.determinant
        return (
            self.centre[0] - (h22 * g1 - h12 * g2) / det,
            self.centre[1] - (h11 * g2 - h12 * g1) / det,
        )

    @property
    def minimum_loss(self) -> Fraction | None:
        """The lowest loss, exactly: of the bowl's minimum, the valley's line of minima or a
        constant; ``None`` where the loss has no lowest value."""
        g1, g2 = self.slope
        if self.landscape is Landscape.FLAT:
            return self.value
        if self.landscape is Landscape.VALLEY:
            return self.value - (g1 * g1 + g2 * g2) / (2 * self.trace)
        minimum = self.minimum
        if minimum is None:
            return None
        d1, d2 = minimum[0] - self.centre[0], minimum[1] - self.centre[1]
        return self.value + (g1 * d1 + g2 * d2) / 2

    def __call__(self, w1: Fraction | float, w2: Fraction | float) -> Fraction:
        """The loss at ``(w1, w2)``, exactly."""
        d1, d2 = Fraction(w1) - self.centre[0], Fraction(w2) - self.centre[1]
        h11, h12, h22 = self.hessian
        g1, g2 = self.slope
        return self.value + g1 * d1 + g2 * d2 + (h11 * d1 * d1 + h22 * d2 * d2) / 2 + h12 * d1 * d2

    def gradient(self, w1: Fraction | float, w2: Fraction | float) -> tuple[Fraction, Fraction]:
        """The gradient at ``(w1, w2)``, exactly."""
        d1, d2 = Fraction(w1) - self.centre[0], Fraction(w2) - self.centre[1]
        h11, h12, h22 = self.hessian
        g1, g2 = self.slope
        return g1 + h11 * d1 + h12 * d2, g2 + h12 * d1 + h22 * d2


@lru_cache(maxsize=64)
def quadratic_of(program: Node) -> PlaneQuadratic | None:
    """The program as a :class:`PlaneQuadratic` in w1, w2, if it is a polynomial of total degree
    at most 2 once terms cancel (``w1**3 - w1**3 + w2**2`` is); ``None`` for any other loss.

    Cached by program (the theory is asked again at every change of the rate or the start)."""
    try:
        poly = polynomial_in(program, 2)
    except NotPolynomial:
        return None
    if poly.degree > 2:
        return None
    c = poly.coefficient
    return PlaneQuadratic(
        hessian=(2 * c(2, 0), c(1, 1), 2 * c(0, 2)),
        slope=(c(1, 0), c(0, 1)),
        value=c(0, 0),
    )


def plane_quadratic(expr: LossExpr) -> PlaneQuadratic | None:
    """A loss of w1, w2 as a :class:`PlaneQuadratic` if it is exactly a quadratic (see
    :func:`quadratic_of`); ``None`` for any other loss, and for a loss of ``w`` alone."""
    if len(expr.params) != 2:
        return None
    return quadratic_of(expr.program)


def known_plane_minimum(expr: LossExpr) -> float | None:
    """The lowest loss of a two-parameter quadratic with one (a bowl or a valley), else ``None``.

    What the engine's status would measure the tolerance from, as
    :func:`tui.engine.theory.known_minimum` is for one parameter.
    """
    quad = plane_quadratic(expr)
    low = None if quad is None else quad.minimum_loss
    return None if low is None else float(low)


# --- Eigenvalues and directions. ---------------------------------------------------------------


def dec(x: Fraction) -> Decimal:
    """``x`` as a decimal in the current context."""
    return Decimal(x.numerator) / Decimal(x.denominator)


def _unit(x: Decimal, y: Decimal) -> tuple[Decimal, Decimal]:
    """``(x, y)`` scaled to length 1, pointing right (or up, when vertical)."""
    norm = (x * x + y * y).sqrt()
    x, y = x / norm, y / norm
    if x < 0 or (x == 0 and y < 0):
        x, y = -x, -y
    return x, y


def eigen(hessian: tuple[Fraction, Fraction, Fraction]) -> tuple[Point, tuple[Point, Point]]:
    """The eigenvalues ``(λ1, λ2)``, ``λ1 <= λ2``, of ``((h11, h12), (h12, h22))`` and their unit
    directions ``(v1, v2)`` (each pointing right, or up when vertical; v1 ⟂ v2).

    Computed in :data:`DIGITS`-digit decimals from the exact entries and rounded once: the
    larger eigenvalue in size by the quadratic formula, the other as the determinant divided by
    it (no cancellation), and an eigenvalue that is exactly 0 (determinant 0) is exactly 0.0.
    A multiple of the identity has the axes as its directions.
    """
    h11, h12, h22 = hessian
    det, trace = h11 * h22 - h12 * h12, h11 + h22
    with localcontext() as ctx:
        ctx.prec = DIGITS
        root = dec((h11 - h22) ** 2 + 4 * h12 * h12).sqrt()
        if det == 0:
            low, high = min(Decimal(0), dec(trace)), max(Decimal(0), dec(trace))
        elif trace >= 0:
            high = (dec(trace) + root) / 2
            low = dec(det) / high
        else:
            low = (dec(trace) - root) / 2
            high = dec(det) / low
        if h12 == 0:
            v2 = (Decimal(1), Decimal(0)) if h11 >= h22 else (Decimal(0), Decimal(1))
        else:
            b = dec(h12)
            first, second = (b, high - dec(h11)), (high - dec(h22), b)
            size = [abs(first[0]) + abs(first[1]), abs(second[0]) + abs(second[1])]
            v2 = _unit(*(first if size[0] >= size[1] else second))
        v1 = _unit(-v2[1], v2[0])
        return (float(low), float(high)), (
            (float(v1[0]), float(v1[1])),
            (float(v2[0]), float(v2[1])),
        )


# --- The local model, with TensorFlow (for the engine's process). ------------------------------


@dataclass(frozen=True)
class LocalHessian:
    """The loss, its gradient and its Hessian ``(h11, h12, h22)`` at ``point``, in float32.

    Computed by :func:`local_hessian` in the engine's process; plain floats, so it pickles.
    """

    point: Point
    value: float
    gradient: Point
    hessian: tuple[float, float, float]

    def model(self) -> PlaneQuadratic | None:
        """The quadratic model at ``point`` (its numbers taken exactly), ``None`` if any of them
        is not finite."""
        numbers = (*self.point, self.value, *self.gradient, *self.hessian)
        if not all(math.isfinite(x) for x in numbers):
            return None
        h11, h12, h22 = (Fraction(x) for x in self.hessian)
        return PlaneQuadratic(
            hessian=(h11, h12, h22),
            slope=(Fraction(self.gradient[0]), Fraction(self.gradient[1])),
            value=Fraction(self.value),
            centre=(Fraction(self.point[0]), Fraction(self.point[1])),
        )


def local_hessian(expr: LossExpr, w1: float, w2: float) -> LocalHessian:
    """The loss, gradient and Hessian at ``(w1, w2)`` by nested ``tf.GradientTape`` in float32.

    As the engine's one-parameter curvature: the start rounded to float32, gradients of a
    parameter the loss does not use taken as 0. The Hessian's off-diagonal entry is the mean
    of ``∂²L/∂w1∂w2`` and ``∂²L/∂w2∂w1`` (float32 may round the two differently). Imports
    TensorFlow (configured by :mod:`tui.engine.tfenv`) when called.
    """
    from tui.engine import tfenv

    tf = tfenv.load()
    fn = expr.tf_function()
    x1, x2 = tf.constant(w1, tf.float32), tf.constant(w2, tf.float32)
    zero = tf.UnconnectedGradients.ZERO
    with tf.GradientTape(persistent=True) as outer:
        outer.watch([x1, x2])
        with tf.GradientTape() as inner:
            inner.watch([x1, x2])
            value = fn(x1, x2)
        g1, g2 = inner.gradient(value, [x1, x2], unconnected_gradients=zero)
    h11, h12 = outer.gradient(g1, [x1, x2], unconnected_gradients=zero)
    h21, h22 = outer.gradient(g2, [x1, x2], unconnected_gradients=zero)
    del outer
    return LocalHessian(
        point=(float(x1.numpy()), float(x2.numpy())),
        value=float(value.numpy()),
        gradient=(float(g1.numpy()), float(g2.numpy())),
        hessian=(
            float(h11.numpy()),
            (float(h12.numpy()) + float(h21.numpy())) / 2,
            float(h22.numpy()),
        ),
    )


def start_hessian(loss: str, starts: tuple[float, ...]) -> LocalHessian | None:
    """What the engine sends beside a run of a loss of w1, w2 that is not quadratic: the
    :func:`local_hessian` at ``starts`` (w1's and w2's), for the local theory.

    ``None`` for a loss of ``w``, for a quadratic (its theory is exact and needs none), for
    starts that are not two, and when TensorFlow cannot compute it: no Hessian means no local
    theory, never a failed run.
    """
    from tui.engine.losses import parse_loss

    try:
        expr = parse_loss(loss)
        if len(expr.params) != 2 or len(starts) != 2 or plane_quadratic(expr) is not None:
            return None
        return local_hessian(expr, starts[0], starts[1])
    except Exception:  # noqa: BLE001 - no Hessian means no theory, never a failed run
        return None
