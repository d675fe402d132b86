"""The theory panel: the contraction factor, the regime, the critical and optimal rates."""

from __future__ import annotations

import numpy as np
from textual.widgets import Static

from tui.engine.analysis import steps_to_tolerance
from tui.engine.result import RunResult
from tui.engine.theory import Theory

DECAYING = " (for the starting rate; this rate decays)"


def describe(theory: Theory | None, result: RunResult, tol: float) -> str:
    """Two lines of theory for ``result`` (Textual markup), or why there is none."""
    if theory is None:
        return "theory: no minimum in sight at w0 (the loss is not convex there)"
    where = "L" if theory.exact else "local L at w0"
    scope = "quadratic, exact" if theory.exact else "not quadratic: local, an estimate"
    predicted = theory.predicted_steps(tol, result.spec.w0)
    floor = theory.minimum_loss if theory.exact else 0.0
    above = result.loss.astype(np.float64) - floor
    measured = steps_to_tolerance(above, float(result.final_loss) - floor, tol)
    measured_text = f"not in {len(result.w):,} steps" if measured is None else f"{measured:,}"
    predicted_text = "never" if predicted is None else f"{predicted:,}"
    return (
        f"[b]theory[/b] ({scope}): {where} = {theory.curvature:g}, "
        f"q = 1 - lr*L = {theory.contraction:.6g}: [b]{theory.regime.value}[/b]; "
        f"critical lr 2/L = {theory.critical_lr:g}, optimal 1/L = {theory.optimal_lr:g}\n"
        f"steps to {tol:g}: predicted {predicted_text}, measured {measured_text}: "
        f"{theory.why}" + _caveat(result)
    )


def _caveat(result: RunResult) -> str:
    """What the theory of plain descent at one rate does not cover in this run."""
    spec = result.spec
    if not spec.plain:
        return f" (theory of plain descent at the starting rate; this run uses {spec.optimizer})"
    return DECAYING if spec.decays else ""


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
