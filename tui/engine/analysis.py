"""What a run did: converged, still descending, loss rising, oscillating, stalled or diverged.

NumPy only. Every word a :class:`Status` says is a statement about the numbers the run shows:
the loss at ``w0`` and after each step, and w after each step. :func:`steps_to_tolerance` is the
one definition of "steps to the tolerance", used by the status line, the theory line, the
comparison table and the range test alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import numpy as np

from tui.i18n import Msg, msg, t

#: Default tolerance: a run has converged once its loss stays within this of its minimum (or,
#: where that minimum is unknown, its gradient is at most this and w has stopped moving).
DEFAULT_TOL = 1e-6

#: How many of the last steps decide whether w oscillates, stalled, or the loss keeps rising.
WINDOW = 10

#: How many of the last steps must all take the loss one way for it to be falling or rising.
TREND = 3


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


def classify(
    w0: float,
    w: np.ndarray,
    loss: np.ndarray,
    lr: np.ndarray,
    final_loss: float,
    final_grad: float,
    tol: float = DEFAULT_TOL,
    floor: float | None = None,
) -> Status:
    """Classify a run from its per-step ``w`` (after each update), ``loss`` (before it) and ``lr``.

    ``floor`` is the loss's minimum where it is known exactly (a quadratic loss), else ``None``.
    The loss as the run shows it is ``loss[0]`` (at w0), ..., ``loss[-1]``, ``final_loss`` (at
    the last w); the last :data:`WINDOW` steps of it are "the last steps" below. In this order:

    - diverged at step k: w or the loss stops being finite at step k;
    - converged at step k: k is :func:`steps_to_tolerance`, the run stays within the tolerance
      from step k to its end;
    - diverged at step k: the loss ends above where it started and above where it was before
      the last steps, k being the first step it went above its start;
    - stalled at step k: w has not moved since step k, over (at least) the last steps;
    - loss rising: over the last n >= :data:`TREND` steps the loss rose and never fell (the
      reason says n);
    - oscillating: w moved back and forth at most of the last steps;
    - still descending: over the last n >= :data:`TREND` steps the loss fell and never rose;
    - oscillating: the loss both rose and fell over the last steps;
    - stalled at step k: the loss has not changed since step k, over the last steps.
    """
    # loss_after[i] is the loss at w after step i + 1: loss[i + 1], and final_loss for the last.
    loss_after = np.append(loss[1:], np.float32(final_loss))
    bad = ~(np.isfinite(w) & np.isfinite(loss_after))
    if bad.any():
        step = int(np.argmax(bad)) + 1
        key = "status.w_overflowed" if not np.isfinite(w[step - 1]) else "status.loss_overflowed"
        return Status(Outcome.DIVERGED, step, msg(key, value=_first_bad(w, loss_after)))
    settled = _settled(w0, w, loss, lr, final_loss, final_grad, tol, floor)
    if settled is not None:
        return Status(Outcome.CONVERGED, settled[0], settled[1])
    seen = np.concatenate([loss[:1], loss_after]).astype(np.float64)
    start = seen[0]
    recent = seen[-(min(WINDOW, len(w)) + 1) :]
    if seen[-1] > start and recent[-1] > recent[0]:
        step = int(np.argmax(loss_after > start)) + 1
        return Status(Outcome.DIVERGED, step, msg("status.rose"))
    stalled = _stalled_since(w0, w)
    if stalled is not None:
        resting = lr[stalled - 1 :]
        key = "status.lr_zero" if not resting.any() else "status.below_resolution"
        return Status(Outcome.STALLED, stalled, msg(key))
    moves = np.diff(seen)
    rose = _trend(moves, rising=True)
    if rose:
        return Status(Outcome.RISING, None, msg("status.rising", steps=rose))
    if _alternates(w):
        return Status(Outcome.OSCILLATING, None, msg("status.jumps"))
    fell = _trend(moves, rising=False)
    if fell:
        # "Still falling" only if the last step lowered it; else it fell, then held.
        key = "status.falling" if moves[-1] < 0 else "status.fell"
        return Status(Outcome.DESCENDING, None, msg(key, steps=fell))
    if (moves[-(len(recent) - 1) :] != 0).any():
        steps = len(recent) - 1
        return Status(Outcome.OSCILLATING, None, msg("status.up_and_down", steps=steps))
    same = np.nonzero(seen != seen[-1])[0]
    since = int(same[-1]) + 1 if same.size else 0
    return Status(Outcome.STALLED, since, msg("status.loss_flat"))


def steps_to_tolerance(
    w0: float,
    w: np.ndarray,
    loss: np.ndarray,
    lr: np.ndarray,
    final_loss: float,
    final_grad: float,
    tol: float = DEFAULT_TOL,
    floor: float | None = None,
) -> int | None:
    """The steps after which the run stays within the tolerance to its end, or ``None``.

    This is the one definition of "steps to the tolerance" (the help states it): the smallest k
    (0 being w0 itself) such that the loss at w after step k and after every later step is at
    most ``floor + tol``, ``floor`` being the loss's exact minimum where it is known (a
    quadratic), else 0 for a run whose loss never went below 0. Where that never holds (or the
    loss went below 0 and its minimum is unknown), the run has reached the tolerance at a
    stationary point if the gradient at its last w is at most ``tol`` in size: k is then the
    step after the last that moved w by more than ``lr * tol``. A run whose w or loss stops
    being finite never reaches it.
    """
    loss_after = np.append(loss[1:], np.float32(final_loss))
    if not (np.isfinite(w).all() and np.isfinite(loss_after).all()):
        return None
    settled = _settled(w0, w, loss, lr, final_loss, final_grad, tol, floor)
    return None if settled is None else settled[0]


def _settled(
    w0: float,
    w: np.ndarray,
    loss: np.ndarray,
    lr: np.ndarray,
    final_loss: float,
    final_grad: float,
    tol: float,
    floor: float | None,
) -> tuple[int, Msg] | None:
    """:func:`steps_to_tolerance` and the reason, for a run whose numbers are all finite."""
    seen = np.append(loss, np.float32(final_loss)).astype(np.float64)
    if floor is None and seen.min() >= 0:
        floor = 0.0
    if floor is not None and seen[-1] - floor <= tol:
        failing = np.nonzero(seen - floor > tol)[0]
        step = int(failing[-1]) + 1 if failing.size else 0
        reason = (
            msg("status.loss_tol", tol=float(tol))
            if floor == 0
            else msg("status.loss_min_tol", tol=float(tol), floor=float(floor))
        )
        return step, reason
    if abs(final_grad) <= tol:
        moves = np.abs(np.diff(np.concatenate([[np.float32(w0)], w]).astype(np.float64)))
        small = moves <= lr.astype(np.float64) * tol
        failing = np.nonzero(~small)[0]
        step = int(failing[-1]) + 2 if failing.size else 1
        return step, msg("status.gradient_tol", tol=float(tol))
    return None


def _stalled_since(w0: float, w: np.ndarray) -> int | None:
    """The step from which w stayed the same, if it did over the last steps (all, if fewer)."""
    path = np.concatenate([[np.float32(w0)], w]).view(np.int32)
    moved = np.nonzero(path[1:] != path[:-1])[0]
    since = int(moved[-1]) + 2 if moved.size else 1
    return since if len(w) - since + 1 >= min(WINDOW, len(w)) else None


def _first_bad(w: np.ndarray, loss: np.ndarray) -> str:
    both = np.concatenate([w, loss])
    value = both[~np.isfinite(both)][0]
    return "nan" if np.isnan(value) else ("inf" if value > 0 else "-inf")


def _trend(moves: np.ndarray, rising: bool) -> int:
    """How many of the last steps the loss went one way (up if ``rising``) and never back.

    ``moves`` are the loss's changes step by step. The count is of the steps since the last
    that went the other way; it is returned (else 0) if it covers at least :data:`TREND` steps
    (all of them, if the run is shorter) and at least one of them moved the loss that way.
    """
    back = np.nonzero(moves < 0 if rising else moves > 0)[0]
    count = len(moves) - (int(back[-1]) + 1 if back.size else 0)
    ahead = moves[len(moves) - count :]
    forth = (ahead > 0 if rising else ahead < 0).any()
    return count if count >= min(TREND, len(moves)) and forth else 0


def _alternates(w: np.ndarray) -> bool:
    moves = np.diff(w[-(WINDOW + 1) :].astype(np.float64))
    if moves.size < 2:
        return False
    flips = np.sign(moves[1:]) * np.sign(moves[:-1]) < 0
    return bool(flips.mean() >= 0.8)
