"""A run's result as plain NumPy data: picklable without TensorFlow, for the UI's process."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from tui.engine.analysis import DEFAULT_TOL, Status
from tui.engine.spec import RunSpec


@dataclass(frozen=True)
class RunResult:
    """One run's log: per step (1-based) the w after the update, the loss before it, the lr.

    ``w``, ``loss`` and ``lr`` are float32 arrays, ``lr`` holding the rate as the update used it;
    ``lr64`` is the float64 rate as Python computed it (what the seed prints). ``final_loss`` and
    ``final_grad`` are the loss and its gradient at the last w. ``tol`` is the tolerance the
    ``status`` was judged by (what "converged" means depends on it).
    """

    spec: RunSpec
    loss_expr: str
    step: np.ndarray
    w: np.ndarray
    loss: np.ndarray
    lr: np.ndarray
    lr64: np.ndarray
    final_loss: np.float32
    final_grad: np.float32
    status: Status
    backend: str
    tol: float = DEFAULT_TOL
    seconds: float = field(default=0.0, compare=False)

    @property
    def final_w(self) -> np.float32:
        """The w after the last step."""
        last: np.float32 = self.w[-1]
        return last

    @property
    def rates(self) -> np.ndarray:
        """The rate at each step as shown: the float64 rate Python computed where it changes
        from step to step (what the seed prints), else the float32 rate the update used."""
        return self.lr64 if self.spec.decays else self.lr

    def prefix(self, steps: int) -> RunResult:
        """The run as it stood after its first ``steps`` steps (at least 1, at most all):
        ``final_loss`` is then the loss after the last of them."""
        n = max(1, min(steps, len(self.w)))
        if n == len(self.w):
            return self
        return replace(
            self,
            step=self.step[:n],
            w=self.w[:n],
            loss=self.loss[:n],
            lr=self.lr[:n],
            lr64=self.lr64[:n],
            final_loss=self.loss[n],
        )
