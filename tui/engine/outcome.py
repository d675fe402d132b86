"""How a run ended, in words: its :class:`Outcome` and its :class:`Status` (pure Python).

The engine's verdicts (:func:`tui.engine.analysis.classify`, with NumPy) and the UI's texts
share them; a run's status travels from the engine's process to the UI's in its result.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from tui.i18n import Msg, t


class Outcome(str, Enum):
    """The kind of ending a run had.

    The values are identifiers (CSS classes, JSON exports) and stay English; :attr:`label` is
    the word to show, in the current language.
    """

    CONVERGED = "converged"
    DESCENDING = "still descending"
    RISING = "loss rising"
    OSCILLATING = "oscillating"
    STALLED = "stalled"
    DIVERGED = "diverged"

    @property
    def label(self) -> str:
        """The outcome in words, in the current language (``converged``, ``收敛``...)."""
        return t(f"outcome.{self.name.lower()}")


@dataclass(frozen=True)
class Status:
    """A run's outcome, the step it refers to where one applies, and why.

    ``reason`` is a :class:`~tui.i18n.Msg` (the status travels from the engine's process to the
    UI's), and ``str(status)``, e.g. ``converged at step 12``, is made in the current language.
    Step 0 is ``w0`` itself: a run that starts within the tolerance and stays there has
    converged from the start.
    """

    outcome: Outcome
    step: int | None
    reason: Msg

    def __str__(self) -> str:
        if self.step is None:
            return self.outcome.label
        if self.step == 0:
            return t("outcome.at_start", outcome=self.outcome.label)
        return t("outcome.at_step", outcome=self.outcome.label, step=self.step)

    @property
    def steps_to_tol(self) -> int | None:
        """The steps to the tolerance (see :func:`steps_to_tolerance`), ``None`` if not reached."""
        return self.step if self.outcome is Outcome.CONVERGED else None
