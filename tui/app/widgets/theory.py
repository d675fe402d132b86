"""The theory panel: the contraction factor, the regime, the critical and optimal rates.

Every sentence is checked against the run it sits beside: the theory predicts only for the runs
it models (plain descent at a constant rate), a local estimate the run contradicts says so and
calls the regime unknown, and the measured steps are the status line's (one definition, in
:func:`tui.engine.analysis.steps_to_tolerance`).
"""

from __future__ import annotations

from textual.widgets import Static

from tui.engine.losses import parse_loss
from tui.engine.result import RunResult
from tui.engine.spec import RunSpec
from tui.engine.theory import Theory, contradiction, models, no_minimum, why_no_theory
from tui.i18n import t


def describe(
    theory: Theory | None, result: RunResult, tol: float, curvature: float | None = None
) -> str:
    """Two lines of theory for ``result`` (Textual markup), or why there is none.

    ``curvature`` is the loss's curvature at w0 as the engine measured it (``None`` if not),
    which says why a loss that is not quadratic has no theory.
    """
    expr = parse_loss(result.loss_expr)
    if theory is None or no_minimum(expr) is not None:
        return t("theory.none", why=why_no_theory(expr, result.spec.w0, curvature))
    measured = result.status.steps_to_tol
    common = {
        "scope": t("theory.exact") if theory.exact else t("theory.estimate"),
        "where": "L" if theory.exact else t("theory.local_L"),
        "curvature": f"{theory.curvature:g}",
        "critical": f"{theory.critical_lr:g}",
        "optimal": f"{theory.optimal_lr:g}",
        "tol": f"{tol:g}",
        "measured": (
            t("theory.not_in", steps=len(result.w)) if measured is None else f"{measured:,}"
        ),
    }
    if not models(result.spec):
        return t("theory.unmodeled", what=_unmodeled(result.spec), **common)
    q = f"{theory.contraction:.6g}"
    seen = contradiction(theory, result, tol)
    if seen is not None:
        key = "theory.contradicted_exact" if theory.exact else "theory.contradicted_local"
        return t(
            key, q=q, unknown=t("theory.unknown"), regime=theory.regime.label, seen=seen, **common
        )
    predicted = theory.predicted_steps(tol, result.spec.w0)
    return t(
        "theory.text",
        q=q,
        regime=theory.regime.label,
        predicted=t("theory.never") if predicted is None else f"{predicted:,}",
        why=theory.why,
        **common,
    )


def _unmodeled(spec: RunSpec) -> str:
    """What the run uses that the theory does not model: its optimizer, schedule, warm-up."""
    parts = []
    if not spec.plain:
        parts.append(t("theory.what_optimizer", optimizer=spec.optimizer))
    if spec.decay is not None or spec.schedule is not None:
        parts.append(t("theory.what_schedule", schedule=spec.schedule_kind))
    if spec.warmup:
        parts.append(t("theory.what_warmup"))
    return t("theory.joiner").join(parts)


class TheoryPanel(Static):
    """What theory says of the current rate, beside what the run did."""

    DEFAULT_CSS = """
    TheoryPanel {
        height: auto;
        max-height: 5;  /* a local estimate the run contradicts takes 5 lines at 80 columns */
        padding: 0 1;
        color: $text-muted;
    }
    """

    def show(
        self, theory: Theory | None, result: RunResult, tol: float, curvature: float | None = None
    ) -> None:
        """Show the theory of ``result``'s rate (``curvature``: the engine's, at w0)."""
        self.update(describe(theory, result, tol, curvature))
