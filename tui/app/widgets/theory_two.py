"""The theory panel's words for a loss of two parameters (``w1``, ``w2``).

What :mod:`tui.engine.theory_plane` says of the run's rate, a sentence a line (the panel shows
the first lines that fit): first the landscape (a bowl, a valley, a saddle...), then the
predicted steps to the tolerance beside the measured ones, then the rest (eigenvalues and their
directions, the condition number, the critical and best rates, each direction's factor, the
momentum pair). Exact for a quadratic; for any other loss, that of its quadratic model at the
start (the engine's Hessian there), said to be an estimate. A run that does what the theory
says it would not is said to, and the theory's verdict then stands as a claim it contradicts.
"""

from __future__ import annotations

from tui.app.markup import escape
from tui.engine.losses import LossExpr
from tui.engine.plane_quadratic import LocalHessian
from tui.engine.result import RunResult
from tui.engine.theory_plane import PlaneTheory, plane_contradiction, plane_theory_for
from tui.i18n import t


def plane_theory_of(
    expr: LossExpr, result: RunResult, hessian: LocalHessian | None
) -> PlaneTheory | None:
    """The theory of ``result``'s rate from its starts (``hessian``: the engine's, at them, for
    a loss that is not quadratic); ``None`` where there is none. Never raises: a theory that
    cannot be made (a start that is not finite) is no theory."""
    spec = result.spec
    if spec.start2 is None:
        return None
    try:
        return plane_theory_for(expr, spec, (spec.w0, spec.start2), hessian)
    except (ValueError, ArithmeticError):
        return None


def describe_plane(theory: PlaneTheory | None, result: RunResult, tol: float) -> str:
    """``theory`` of ``result`` (a run of a loss of w1 and w2) as the panel's markup: one
    statement a line; ``None``: why there is none."""
    if theory is None:
        return t("theory.none", why=t("theory.plane_none"))
    scope = t("theory.exact") if theory.exact else t("theory.estimate")
    sentences = [escape(str(sentence)) for sentence in theory.sentences()]
    lines = [t("theory.plane", scope=scope, sentence=sentences[0])]
    measured = result.status.steps_to_tol
    counted = t("theory.not_in", steps=len(result.w)) if measured is None else f"{measured:,}"
    seen = plane_contradiction(theory, result, tol)
    if seen is not None:
        lines.append(t("theory.plane_contradicted", seen=escape(str(seen))))
    prediction = theory.prediction(tol, result.spec.epochs)
    if prediction is not None:
        steps = t("theory.plane_steps", predicted=escape(str(prediction)), measured=counted)
        lines.append(steps)
    lines.extend(sentences[1:])
    return "\n".join(lines)
