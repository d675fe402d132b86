"""A run's result as plain NumPy data: picklable without TensorFlow, for the UI's process."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from tui.engine.outcome import Status
from tui.engine.spec import DEFAULT_TOL, RunSpec

if TYPE_CHECKING:  # its arrays are NumPy's, but this module needs no NumPy to load
    import numpy as np


@dataclass(frozen=True)
class RunResult:
    """One run's log: per step (1-based) the w after the update, the loss before it, the lr.

    ``w``, ``loss`` and ``lr`` are float32 arrays, ``lr`` holding the rate as the update used it;
    ``lr64`` is the float64 rate as Python computed it (what the seed prints). ``final_loss`` and
    ``final_grad`` are the loss and its gradient at the last w. ``tol`` is the tolerance the
    ``status`` was judged by (what "converged" means depends on it).

    A run of two parameters has ``w`` (w1 after each step) and ``w2`` (w2 after each step), and
    ``final_grad``, ``final_grad2`` the gradient's two components at the last point; ``w2`` and
    ``final_grad2`` are ``None`` for a run of one. :attr:`ws` gives the parameters together.
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
    w2: np.ndarray | None = None
    final_grad2: np.float32 | None = None

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled with its arrays of one value and its steps as what makes them again
        (:mod:`tui.engine.result_wire`): a run at a constant rate is sent in less than half
        its bytes, and unpickled bit for bit as it was."""
        from tui.engine.result_wire import packed, unpacked

        return (unpacked, (packed(self),))

    @property
    def ws(self) -> tuple[np.ndarray, ...]:
        """Each parameter after each step: ``(w,)``, or ``(w, w2)`` for two (w1 and w2)."""
        return (self.w,) if self.w2 is None else (self.w, self.w2)

    @property
    def final_ws(self) -> tuple[np.float32, ...]:
        """Each parameter after the last step: ``(w,)`` or ``(w1, w2)``."""
        return tuple(w[-1] for w in self.ws)

    @property
    def final_grads(self) -> tuple[np.float32, ...]:
        """The gradient at the last point, one component per parameter."""
        if self.final_grad2 is None:
            return (self.final_grad,)
        return (self.final_grad, self.final_grad2)

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
            w2=None if self.w2 is None else self.w2[:n],
            loss=self.loss[:n],
            lr=self.lr[:n],
            lr64=self.lr64[:n],
            final_loss=self.loss[n],
        )
