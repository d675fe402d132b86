"""How the up and down keys move a numeric field of the parameter pane (each parameter's rule
is in :data:`tui.model.parameters.PARAMETERS`)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Nudge:
    """How the up and down keys move a numeric field: times ``amount``, or plus ``amount``;
    then rounded to a whole number at least ``low`` (``whole``), or kept within ``low`` and
    ``high`` (``None``: no bound)."""

    how: str  # "times" or "plus"
    amount: float
    low: float | None = None
    high: float | None = None
    whole: bool = False

    def apply(self, value: float, direction: int) -> float:
        """``value`` a notch up (``direction`` > 0) or down, not yet bounded."""
        if self.how == "times":
            return value * self.amount if direction > 0 else value / self.amount
        return value + direction * self.amount

    def text(self, value: float) -> str:
        """The field's text for ``value``, bounded and rounded by the rule."""
        if self.whole:
            return str(max(int(self.low or 0), round(value)))
        if self.low is not None:
            value = max(value, self.low)
        if self.high is not None:
            value = min(value, self.high)
        return f"{value:.6g}"
