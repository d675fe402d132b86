"""What a run did: converged, still descending, oscillating or diverged (NumPy only)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import numpy as np

from tui.i18n import Msg, msg, t

#: Default tolerance: a run has converged once its loss, or its gradient, is at most this.
DEFAULT_TOL = 1e-6

#: How many of the last steps decide whether a run oscillates or keeps rising.
WINDOW = 10


class Outcome(str, Enum):
    """The kind of ending a run had.

    The values are identifiers (CSS classes, JSON exports) and stay English; :attr:`label` is
    the word to show, in the current language.
    """

    CONVERGED = "converged"
    DESCENDING = "still descending"
    OSCILLATING = "oscillating"
    STALLED = "stalled"
    DIVERGED = "diverged"

    @property
    def label(self) -> str:
        """The outcome in words, in the current language (``converged``, ``收敛``...)."""
        return t(f"outcome.{self.name.lower()}")


@dataclass(frozen=True)
class Status:
    """A run's outcome, the step it refers to (1-based) where one applies, and why.

    ``reason`` is a :class:`~tui.i18n.Msg` (the status travels from the engine's process to the
    UI's), and ``str(status)``, e.g. ``converged at step 12``, is made in the current language.
    """

    outcome: Outcome
    step: int | None
    reason: Msg

    def __str__(self) -> str:
        if self.step is None:
            return self.outcome.label
        return t("outcome.at_step", outcome=self.outcome.label, step=self.step)


def classify(
    w0: float,
    w: np.ndarray,
    loss: np.ndarray,
    lr: np.ndarray,
    final_loss: float,
    final_grad: float,
    tol: float = DEFAULT_TOL,
) -> Status:
    """Classify a run from its per-step ``w`` (after each update), ``loss`` (before it) and ``lr``.

    - diverged at step k: w or the loss first stops being finite at step k, or the loss ends
      above where it started and was still rising, k being the first step it went above;
    - converged at step k: for a loss that never went below 0, the loss at the last w is at most
      ``tol``, k being the step after which it stayed so; for any loss, the gradient at the
      last w is at most ``tol`` in size (a stationary point), k being the step after which the
      steps stayed that small (|w_k - w_k-1| <= lr * tol);
    - stalled at step k: w has not moved since step k, over at least the last steps, though
      the gradient is not 0: each step lr * g is below float32's resolution at that w;
    - oscillating: w moved back and forth across most of the last steps;
    - still descending: anything else.
    """
    # loss_after[i] is the loss at w after step i + 1: loss[i + 1], and final_loss for the last.
    loss_after = np.append(loss[1:], np.float32(final_loss))
    bad = ~(np.isfinite(w) & np.isfinite(loss_after))
    if bad.any():
        step = int(np.argmax(bad)) + 1
        key = "status.w_overflowed" if not np.isfinite(w[step - 1]) else "status.loss_overflowed"
        return Status(Outcome.DIVERGED, step, msg(key, value=_first_bad(w, loss_after)))
    start = float(loss[0])
    if final_loss > start and _rising(loss_after):
        step = int(np.argmax(loss_after > start)) + 1
        return Status(Outcome.DIVERGED, step, msg("status.rose"))
    if final_loss <= tol and loss.min() >= 0 and final_loss >= 0:
        return Status(
            Outcome.CONVERGED, _stays(loss_after <= tol), msg("status.loss_tol", tol=float(tol))
        )
    if abs(final_grad) <= tol:
        moves = np.abs(np.diff(np.concatenate([[np.float32(w0)], w]).astype(np.float64)))
        small = moves <= lr.astype(np.float64) * tol
        return Status(Outcome.CONVERGED, _stays(small), msg("status.gradient_tol", tol=float(tol)))
    stalled = _stalled_since(w0, w)
    if stalled is not None:
        resting = lr[stalled - 1 :]
        key = "status.lr_zero" if not resting.any() else "status.below_resolution"
        return Status(Outcome.STALLED, stalled, msg(key))
    if _alternates(w):
        return Status(Outcome.OSCILLATING, None, msg("status.jumps"))
    return Status(Outcome.DESCENDING, None, msg("status.falling"))


def _stays(ok: np.ndarray) -> int:
    """The first step (1-based) from which ``ok`` holds to the end (the last step if only there)."""
    failing = np.nonzero(~ok)[0]
    return int(failing[-1]) + 2 if failing.size else 1


def _stalled_since(w0: float, w: np.ndarray) -> int | None:
    """The step from which w stayed the same, if it did over the last :data:`WINDOW` steps."""
    path = np.concatenate([[np.float32(w0)], w]).view(np.int32)
    moved = np.nonzero(path[1:] != path[:-1])[0]
    since = int(moved[-1]) + 2 if moved.size else 1
    return since if len(w) - since + 1 >= WINDOW else None


def _first_bad(w: np.ndarray, loss: np.ndarray) -> str:
    both = np.concatenate([w, loss])
    value = both[~np.isfinite(both)][0]
    return "nan" if np.isnan(value) else ("inf" if value > 0 else "-inf")


def _rising(loss_after: np.ndarray) -> bool:
    tail = loss_after[-WINDOW:]
    return tail.size < 2 or bool(tail[-1] > tail[0])


def _alternates(w: np.ndarray) -> bool:
    moves = np.diff(w[-(WINDOW + 1) :].astype(np.float64))
    if moves.size < 2:
        return False
    flips = np.sign(moves[1:]) * np.sign(moves[:-1]) < 0
    return bool(flips.mean() >= 0.8)


def steps_to_tolerance(loss: np.ndarray, final_loss: float, tol: float = DEFAULT_TOL) -> int | None:
    """The first step (1-based) after which the loss is at most ``tol``, or ``None`` if never."""
    loss_after = np.append(loss[1:], np.float32(final_loss))
    hit = np.nonzero(loss_after <= tol)[0]
    return int(hit[0]) + 1 if hit.size else None
