"""The theory panel: the contraction factor, the regime, the critical and optimal rates."""

from __future__ import annotations

import numpy as np
from textual.widgets import Static

from tui.engine.analysis import steps_to_tolerance
from tui.engine.result import RunResult
from tui.engine.theory import Theory
from tui.i18n import t


def describe(theory: Theory | None, result: RunResult, tol: float) -> str:
    """Two lines of theory for ``result`` (Textual markup), or why there is none."""
    if theory is None:
        return t("theory.none")
    where = "L" if theory.exact else t("theory.local_L")
    scope = t("theory.exact") if theory.exact else t("theory.estimate")
    predicted = theory.predicted_steps(tol, result.spec.w0)
    floor = theory.minimum_loss if theory.exact else 0.0
    above = result.loss.astype(np.float64) - floor
    measured = steps_to_tolerance(above, float(result.final_loss) - floor, tol)
    measured_text = t("theory.not_in", steps=len(result.w)) if measured is None else f"{measured:,}"
    predicted_text = t("theory.never") if predicted is None else f"{predicted:,}"
    return t(
        "theory.text",
        scope=scope,
        where=where,
        curvature=f"{theory.curvature:g}",
        q=f"{theory.contraction:.6g}",
        regime=theory.regime.label,
        critical=f"{theory.critical_lr:g}",
        optimal=f"{theory.optimal_lr:g}",
        tol=f"{tol:g}",
        predicted=predicted_text,
        measured=measured_text,
        why=theory.why,
    ) + _caveat(result)


def _caveat(result: RunResult) -> str:
    """What the theory of plain descent at one rate does not cover in this run."""
    spec = result.spec
    if not spec.plain:
        return t("theory.optimizer", optimizer=spec.optimizer)
    return t("theory.decaying") if spec.decays else ""


class TheoryPanel(Static):
    """What theory says of the current rate, beside what the run did."""

    DEFAULT_CSS = """
    TheoryPanel {
        height: auto;
        max-height: 4;
        padding: 0 1;
        color: $text-muted;
    }
    """

    def show(self, theory: Theory | None, result: RunResult, tol: float) -> None:
        """Show the theory of ``result``'s rate."""
        self.update(describe(theory, result, tol))
