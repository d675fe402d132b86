"""Theory beside the landscape: descent and momentum on a loss of ``w1`` and ``w2``.

On a quadratic loss ``L(x) = L* + ½ (x - x*)ᵀ H (x - x*)`` (``x = (w1, w2)``), write the start's
distance to the minimum in the eigenbasis of the Hessian H: ``x0 - x* = c1·v1 + c2·v2``,
``H vi = λi vi``, ``λ1 <= λ2``. One step of plain descent with rate ``lr`` multiplies each
component by its own factor ``qi = 1 - lr·λi``, so the loss above its minimum after k steps is
exactly ``Σ λi/2 · ci² · qi^(2k)``. No single rate suits both directions when ``λ1 < λ2``: the
critical rate ``2/λ2`` is set by the steep direction, the flat one then shrinks by only
``1 - 2λ1/λ2``; the best constant rate ``2/(λ1 + λ2)`` makes both factors
``±(κ - 1)/(κ + 1)``, ``κ = λ2/λ1``. Heavy-ball momentum (``tf.keras.optimizers.SGD(momentum=β)``)
does better: with ``lr = 4/(√λ1 + √λ2)²`` and ``β = ((√κ - 1)/(√κ + 1))²`` its rate of
convergence is ``(√κ - 1)/(√κ + 1)``.

:mod:`tui.engine.plane_quadratic` recognizes quadratics in w1, w2 exactly and classifies
them (a bowl, a valley of minima, a saddle...); :func:`plane_theory_for` gives the theory of one
rate, exact for a quadratic and, for any other loss, that of its quadratic model at the start
(:func:`~tui.engine.plane_quadratic.local_hessian`, by nested tapes in float32 as the engine
computes it): local, and its texts say so. :func:`plane_models` says when the theory does not
model a run; :func:`plane_contradiction` what a run did that the theory says it would not.

Like :mod:`tui.engine.theory`, this module imports neither TensorFlow nor Textual.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from decimal import Decimal, localcontext
from fractions import Fraction
from typing import TYPE_CHECKING

from tui.engine.outcome import Outcome
from tui.engine.plane_quadratic import (
    DIGITS,
    Landscape,
    LocalHessian,
    PlaneQuadratic,
    Point,
    dec,
    eigen,
    plane_quadratic,
)
from tui.engine.spec import DEFAULT_TOL, MAX_EPOCHS, RunSpec
from tui.engine.theory import BOUNDARY_TOL, _number
from tui.i18n import Msg, msg

if TYPE_CHECKING:
    from tui.engine.losses import LossExpr
    from tui.engine.result import RunResult

__all__ = [
    "PlaneTheory",
    "plane_contradiction",
    "plane_models",
    "plane_theory",
    "plane_theory_for",
]


# --- The theory. -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlaneTheory:
    """The theory of one rate (and, for momentum, one β) from one start on a loss of w1, w2.

    ``exact`` is True for a quadratic, False for the quadratic model at the start of any other
    loss (its figures hold only near the start). ``eigenvalues`` ``(λ1, λ2)`` with ``λ1 <= λ2``
    and ``directions`` ``(v1, v2)`` are the Hessian's; ``factors`` the signed ``1 - lr·λi`` of
    each direction and ``contractions`` their sizes ``|1 - lr·λi|``. The figures that need a
    minimum (``condition`` κ, ``best_lr`` and ``best_rate``, the momentum pair) are ``None``
    unless ``λ1 > 0``; ``critical_lr`` (``2/λ2``) unless ``λ2 > 0``. ``gaps`` is the loss above
    its minimum along each direction at the start, ``λi/2 · ci²`` (``None`` without a lowest
    loss). ``optimizer`` is ``gd`` or ``momentum`` (with ``beta``); for momentum, ``rates``
    are the run's rates of convergence along each direction (the spectral radius of its
    two-step recurrence), for gd the contractions. ``slopes`` are the gradient's components
    along ``v1`` and ``v2`` at the start. ``unmodelled`` says why the theory does not model
    the run it was made for (:func:`plane_models`), if it does not: then it predicts nothing
    of it (no steps, no sentence about the run), and tells only of the loss. ``sentences``
    says it all in words.
    """

    exact: bool
    start: Point
    lr: float
    landscape: Landscape
    eigenvalues: Point
    directions: tuple[Point, Point]
    factors: Point
    minimum: Point | None
    minimum_loss: float | None
    gaps: Point | None
    critical_lr: float | None
    condition: float | None
    best_lr: float | None
    best_rate: float | None
    momentum_lr: float | None
    momentum_beta: float | None
    momentum_rate: float | None
    optimizer: str = "gd"
    beta: float = 0.0
    rates: Point = field(default=(math.nan, math.nan))
    slopes: Point = (0.0, 0.0)
    unmodelled: Msg | None = None

    @property
    def contractions(self) -> Point:
        """``|1 - lr·λi|`` for each direction: how much a step of plain descent shrinks it."""
        return abs(self.factors[0]), abs(self.factors[1])

    @property
    def converges(self) -> bool | None:
        """Whether the run converges to the lowest loss: every direction with a gap shrinks.
        ``None`` where there is no lowest loss (a saddle, no minimum)."""
        if self.gaps is None:
            return None
        return all(r < 1 for r, gap in zip(self.rates, self.gaps, strict=True) if gap > 0)

    def predicted_steps(self, tol: float = DEFAULT_TOL, steps: int | None = None) -> int | None:
        """The steps after which the loss stays within ``tol`` of its minimum, as the engine's
        status counts them (:func:`tui.engine.analysis.steps_to_tolerance`, from the start).

        For plain descent the loss above its minimum after k steps is ``Σ gaps[i]·qi^(2k)``,
        which never rises once every ``|qi| <= 1``: the answer is the first k with it at most
        ``tol`` (0 if the start is within), found from the start's components, not a bound;
        ``None`` if that never happens (or comes after ``steps``, when given). For momentum
        the error along each direction follows the run's two-step recurrence, which may rise
        again: the loss is computed for every step up to ``steps`` (default
        :data:`~tui.engine.spec.MAX_EPOCHS`) and the answer is the step after the last above
        ``tol``, ``None`` if the last is. ``None`` also without a lowest loss. ``tol`` must be
        above 0, else :class:`ValueError`.
        """
        if not tol > 0:
            raise ValueError(f"tol must be above 0, not {tol!r}")
        if self.unmodelled is not None:
            return None
        if self.gaps is None or not all(math.isfinite(g) for g in self.gaps):
            return None
        # (NumPy's, loaded here: the explorer's first frame loads this module, not NumPy)
        from tui.engine.plane_steps import descent_steps, momentum_steps

        if self.optimizer == "momentum":
            return momentum_steps(
                self.gaps,
                self.eigenvalues,
                self.lr,
                self.beta,
                tol,
                MAX_EPOCHS if steps is None else steps,
            )
        found = descent_steps(self.gaps, self.factors, tol)
        return None if found is None or (steps is not None and found > steps) else found

    def prediction(self, tol: float = DEFAULT_TOL, steps: int | None = None) -> Msg | None:
        """:meth:`predicted_steps` in words (``steps`` the run's, if given), ``None`` where the
        loss has no lowest value to be within ``tol`` of. A local theory's words say that the
        steps are an estimate, to the lowest loss of the model at the start."""
        if self.gaps is None or self.unmodelled is not None:
            return None
        found = self.predicted_steps(tol, steps)
        if found is not None:
            key = "plane.predicted" if self.exact else "plane.predicted_local"
            return msg(key, tol=float(tol), steps=found)
        if steps is None and self.optimizer == "gd":
            key = "plane.predicted_never" if self.exact else "plane.predicted_local_never"
            return msg(key, tol=float(tol))
        horizon = MAX_EPOCHS if steps is None else steps
        key = "plane.predicted_not_in" if self.exact else "plane.predicted_local_not_in"
        return msg(key, tol=float(tol), steps=horizon)

    def sentences(self) -> tuple[Msg, ...]:
        """The theory in words, one :class:`~tui.i18n.Msg` a sentence, each true of the figures."""
        return _sentences(self)


def plane_models(spec: RunSpec) -> Msg | None:
    """``None`` if the theory models ``spec``'s run, else why it does not, in one sentence.

    It models plain descent and heavy-ball momentum at one constant rate. Nesterov momentum,
    Adagrad, RMSprop and Adam make other iterations, a schedule or a warm-up changes the rate:
    of those the theory predicts nothing, and says so.
    """
    if spec.optimizer not in ("gd", "momentum"):
        return msg("plane.not_modelled_optimizer", optimizer=spec.optimizer)
    if spec.decays:
        return msg("plane.not_modelled_rate", lr=_number(spec.lr))
    return None


def plane_theory(
    model: PlaneQuadratic,
    lr: float,
    start: Point,
    exact: bool = True,
    optimizer: str = "gd",
    beta: float = 0.0,
) -> PlaneTheory:
    """The theory of rate ``lr`` (with momentum ``beta`` for ``optimizer="momentum"``) from
    ``start`` on the quadratic ``model``; ``exact`` False marks a local model.

    ``lr`` must be finite and at least 0, ``start`` finite, ``beta`` in ``[0, 1)``, else
    :class:`ValueError`.
    """
    if not (math.isfinite(lr) and lr >= 0):
        raise ValueError(f"lr must be finite and at least 0, not {lr!r}")
    if not all(math.isfinite(x) for x in start):
        raise ValueError(f"start must be finite, not {start!r}")
    if optimizer not in ("gd", "momentum"):
        raise ValueError(f"optimizer must be gd or momentum, not {optimizer!r}")
    if not 0 <= beta < 1:
        raise ValueError(f"beta must be from 0 up to 1, not {beta!r}")
    (low, high), (v1, v2) = eigen(model.hessian)
    factors = (_snap(1.0 - lr * low), _snap(1.0 - lr * high))
    minimum = model.minimum
    minimum_loss = model.minimum_loss
    grad = model.gradient(start[0], start[1])
    slopes = tuple(a * float(grad[0]) + b * float(grad[1]) for a, b in (v1, v2))
    if model.landscape in (Landscape.VALLEY, Landscape.FLAT):  # exactly 0 along the line
        slopes = tuple(0.0 if lam == 0 else x for x, lam in zip(slopes, (low, high), strict=True))
    gaps = None if minimum_loss is None else _gaps((slopes[0], slopes[1]), (low, high))
    pd = model.landscape is Landscape.BOWL
    condition = best_lr = best_rate = m_lr = m_beta = m_rate = None
    if pd:
        with localcontext() as ctx:
            ctx.prec = DIGITS
            lo, hi = _decimal_eigenvalues(model.hessian)
            kappa = hi / lo
            root = kappa.sqrt()
            condition = float(kappa)
            best_lr = float(2 / (lo + hi))
            best_rate = float((kappa - 1) / (kappa + 1))
            m_lr = float(4 / (lo.sqrt() + hi.sqrt()) ** 2)
            m_beta = float(((root - 1) / (root + 1)) ** 2)
            m_rate = float((root - 1) / (root + 1))
    if optimizer == "momentum":
        from tui.engine.plane_steps import momentum_radius  # (NumPy's: see predicted_steps)

        rates = (momentum_radius(lr, beta, low), momentum_radius(lr, beta, high))
    else:
        rates = (abs(factors[0]), abs(factors[1]))
    return PlaneTheory(
        exact=exact,
        start=(float(start[0]), float(start[1])),
        lr=float(lr),
        landscape=model.landscape,
        eigenvalues=(low, high),
        directions=(v1, v2),
        factors=factors,
        minimum=None if minimum is None else (float(minimum[0]), float(minimum[1])),
        minimum_loss=None if minimum_loss is None else float(minimum_loss),
        gaps=gaps,
        critical_lr=2.0 / high if high > 0 else None,
        condition=condition,
        best_lr=best_lr,
        best_rate=best_rate,
        momentum_lr=m_lr,
        momentum_beta=m_beta,
        momentum_rate=m_rate,
        optimizer=optimizer,
        beta=float(beta) if optimizer == "momentum" else 0.0,
        rates=rates,
        slopes=(slopes[0], slopes[1]),
    )


def plane_theory_for(
    expr: LossExpr,
    spec: RunSpec,
    start: Point,
    local: LocalHessian | None = None,
) -> PlaneTheory | None:
    """The theory of ``spec``'s rate from ``start`` (w1's and w2's) on a loss of w1, w2.

    Exact for a quadratic (``local`` is not used); for any other loss that of ``local``'s model
    (the engine's :func:`local_hessian` at the start), marked ``exact=False``. ``None`` for a
    loss of ``w`` alone, or one that is not quadratic without a usable ``local``. The momentum
    figures of the run are given for ``spec.optimizer == "momentum"``; any other optimizer gets
    those of plain descent, and its ``unmodelled`` says that the theory does not model the run
    (:func:`plane_models`): so does a schedule or a warm-up.
    """
    if len(expr.params) != 2:
        return None
    start = (float(start[0]), float(start[1]))
    optimizer = "momentum" if spec.optimizer == "momentum" else "gd"
    beta = spec.beta if optimizer == "momentum" else 0.0
    quad = plane_quadratic(expr)
    model = quad if quad is not None else None if local is None else local.model()
    if model is None:
        return None
    theory = plane_theory(model, spec.lr, start, quad is not None, optimizer, beta)
    unmodelled = plane_models(spec)
    return theory if unmodelled is None else replace(theory, unmodelled=unmodelled)


def plane_contradiction(
    theory: PlaneTheory, result: RunResult, tol: float = DEFAULT_TOL
) -> Msg | None:
    """What ``result`` does that ``theory`` says it would not, or ``None`` if nothing.

    Nothing for a run the theory does not model (:attr:`PlaneTheory.unmodelled`). Else, in
    this order: a run the theory says converges that diverged; one it says never converges (a
    direction with a gap that does not shrink) that converged; a predicted number of steps
    that the run passed (by at least one step) without reaching the tolerance (for an exact
    theory, the run's loss within ``tol`` of the loss's exact minimum, as the prediction
    counts it; for a local one, the status's steps to the tolerance). An exact
    theory is caught only where float32 departs from exact arithmetic; a local one where the
    model at the start stops describing the loss.
    """
    status = result.status
    converges = theory.converges
    if theory.unmodelled is not None:
        return None  # it claims nothing of this run
    if converges and status.outcome is Outcome.DIVERGED:
        return msg("why.seen_diverged")
    if converges is False and status.outcome is Outcome.CONVERGED:
        return msg("why.seen_converged")
    steps = len(result.loss)
    predicted = theory.predicted_steps(tol, steps)
    if predicted is not None and _reached(theory, result, tol) is None and predicted < steps:
        return msg("why.seen_not_by", steps=predicted)
    return None


def _reached(theory: PlaneTheory, result: RunResult, tol: float) -> int | None:
    """The run's steps to ``tol``, counted as the theory counts them: for an exact theory, from
    the loss's own minimum (the first step after which the run's loss stays within ``tol`` of
    it, whatever floor the status was judged by); else the status's steps to the tolerance."""
    if not theory.exact or theory.minimum_loss is None:
        return result.status.steps_to_tol
    import numpy as np  # (see PlaneTheory.predicted_steps)

    seen = np.append(result.loss, result.final_loss).astype(np.float64) - theory.minimum_loss
    above = np.nonzero(~(seen <= tol))[0]
    if not above.size:
        return 0
    last = int(above[-1])
    return None if last == len(seen) - 1 else last + 1


# --- Helpers. ----------------------------------------------------------------------------------


def _snap(q: float) -> float:
    """``q`` as exactly 0 or -1 when it is that up to :data:`~tui.engine.theory.BOUNDARY_TOL`
    (a rate typed as ``2/λ2`` gives ``q = -1`` up to the rounding of ``lr·λ2``), as the
    one-parameter theory does. Never 1: a tiny ``lr·λ`` still shrinks that direction (and
    ``λ = 0`` gives exactly 1 anyway)."""
    for edge in (0.0, -1.0):
        if abs(q - edge) <= BOUNDARY_TOL:
            return edge
    return q


def _decimal_eigenvalues(hessian: tuple[Fraction, Fraction, Fraction]) -> tuple[Decimal, Decimal]:
    """λ1, λ2 of a positive definite Hessian in the current decimal context."""
    h11, h12, h22 = hessian
    det, trace = dec(h11 * h22 - h12 * h12), dec(h11 + h22)
    high = (trace + dec((h11 - h22) ** 2 + 4 * h12 * h12).sqrt()) / 2
    return det / high, high


def _gaps(slopes: Point, eigenvalues: Point) -> Point:
    """The loss above its minimum along each direction at the start: ``λi/2 · ci²``.

    ``ci`` is the start's distance to the minimum along ``vi``, from the gradient's component
    there: ``H (x - x*) = ∇L(x)``, so ``ci = vi·∇L(start) / λi`` where ``λi`` is not 0 (along a
    direction with ``λi = 0`` nothing is above the minimum).
    """
    out = [
        0.0 if lam == 0 else slope * slope / (2.0 * lam)
        for slope, lam in zip(slopes, eigenvalues, strict=True)
    ]
    return out[0], out[1]


def _vector(v: Point) -> str:
    return f"({_number(v[0])}, {_number(v[1])})"


def _sentences(th: PlaneTheory) -> tuple[Msg, ...]:
    out: list[Msg] = []
    low, high = th.eigenvalues
    if not th.exact:
        out.append(msg("plane.local", w1=_number(th.start[0]), w2=_number(th.start[1])))
    key = f"plane.{'kind' if th.exact else 'model'}.{th.landscape.name.lower()}"
    if th.minimum is not None and th.minimum_loss is not None:
        w1, w2 = (_number(x) for x in th.minimum)
        out.append(msg(key, w1=w1, w2=w2, loss=_number(th.minimum_loss)))
    elif th.landscape is Landscape.VALLEY and th.minimum_loss is not None:
        out.append(msg(key, loss=_number(th.minimum_loss)))
    else:
        out.append(msg(key))
    v1, v2 = (_vector(v) for v in th.directions)
    out.append(msg("plane.eigen", l1=_number(low), v1=v1, l2=_number(high), v2=v2))
    if th.condition is not None and th.best_lr is not None and th.best_rate is not None:
        kappa, best, rate = _number(th.condition), _number(th.best_lr), _number(th.best_rate)
        out.append(msg("plane.condition", kappa=kappa, best=best, rate=rate))
    if th.critical_lr is not None:
        out.append(msg("plane.critical", critical=_number(th.critical_lr)))
    if th.unmodelled is not None:
        out.insert(0, th.unmodelled)
    elif th.lr == 0:
        out.append(msg("plane.still"))
    elif th.optimizer == "gd":
        q1, q2 = (_number(q) for q in th.factors)
        out.append(msg("plane.factors", lr=_number(th.lr), q1=q1, q2=q2))
        out.extend(_gd_verdict(th))
    else:
        r1, r2 = (_number(r) for r in th.rates)
        out.append(
            msg("plane.momentum_run", lr=_number(th.lr), beta=_number(th.beta), r1=r1, r2=r2)
        )
        for name, radius in zip(_NAMES, th.rates, strict=True):
            if radius > 1:
                out.append(msg("plane.momentum_diverges", name=name))
    if th.unmodelled is None and th.lr > 0 and th.converges and th.gaps is not None:
        pace = max((r for r, g in zip(th.rates, th.gaps, strict=True) if g > 0), default=0.0)
        key = _CONVERGES[th.optimizer, th.landscape is Landscape.VALLEY]
        out.append(msg(key, rate=_number(pace)))
    pair = (th.momentum_lr, th.momentum_beta, th.momentum_rate)
    if pair[0] is not None and pair[1] is not None and pair[2] is not None:
        m_lr, m_beta, m_rate = (_number(x) for x in (pair[0], pair[1], pair[2]))
        out.append(msg("plane.momentum_best", lr=m_lr, beta=m_beta, rate=m_rate))
    return tuple(out)


#: The sentence saying a run converges, by optimizer and whether to a line of minima.
_CONVERGES = {
    ("gd", False): "plane.converges",
    ("gd", True): "plane.converges_valley",
    ("momentum", False): "plane.momentum_converges",
    ("momentum", True): "plane.momentum_converges_valley",
}

#: How the texts name the two directions, by their eigenvalues (symbols, the same in every
#: language).
_NAMES = ("λ1", "λ2")


def _gd_verdict(th: PlaneTheory) -> list[Msg]:
    """What plain descent does along each direction, in words (only the true ones)."""
    out: list[Msg] = []
    for name, q, lam, slope in zip(_NAMES, th.factors, th.eigenvalues, th.slopes, strict=True):
        if lam < 0:
            out.append(msg("plane.away", name=name, q=_number(q)))
        elif lam == 0:
            out.append(msg("plane.slides_along" if slope else "plane.flat_along", name=name))
        elif q < -1:
            out.append(msg("plane.diverges_along", name=name, q=_number(abs(q))))
        elif q == -1:
            out.append(msg("plane.cycle_along", name=name))
        elif q < 0:
            out.append(msg("plane.zigzag_along", name=name, q=_number(q)))
    return out
