"""What a run did: converged, still descending, loss rising, oscillating, stalled or diverged.

NumPy only. The verdicts themselves, :class:`~tui.engine.outcome.Outcome` and
:class:`~tui.engine.outcome.Status`, are :mod:`tui.engine.outcome`'s. Every word a status says
is a statement about the numbers the run shows: the loss at ``w0`` and after each step, and w
after each step (for a loss of two parameters, w1 and w2 after each step: see
:func:`classify`). :func:`steps_to_tolerance` is the one definition of "steps to the
tolerance", used by the status line, the theory line, the comparison table and the range test
alike.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from tui.engine.outcome import Outcome, Status
from tui.engine.spec import DEFAULT_TOL
from tui.i18n import Msg, msg

#: How many of the last steps decide whether w oscillates, stalled, or the loss keeps rising.
WINDOW = 10

#: How many of the last steps must all take the loss one way for it to be falling or rising.
TREND = 3

#: A run's start: ``w0``, or one start per parameter (``(w1, w2)``).
Start = float | Sequence[float]

#: A run's path: w after each step, or one such array per parameter (``(w1, w2)``).
Path = np.ndarray | Sequence[np.ndarray]

#: The gradient at the last point: a number, or one per parameter.
Gradient = float | Sequence[float]

#: The names of the parameters in messages, by how many there are.
_NAMES: dict[int, tuple[str, ...]] = {1: ("w",), 2: ("w1", "w2")}


def classify(
    w0: Start,
    w: Path,
    loss: np.ndarray,
    lr: np.ndarray,
    final_loss: float,
    final_grad: Gradient,
    tol: float = DEFAULT_TOL,
    floor: float | None = None,
) -> Status:
    """Classify a run from its per-step ``w`` (after each update), ``loss`` (before it) and ``lr``.

    A run of two parameters passes ``w0`` as its two starts, ``w`` as the two paths (w1 and w2
    after each step) and ``final_grad`` as the gradient's two components. Every rule below then
    reads "w" as the point (w1, w2): it is not finite if a coordinate is not, it has not moved
    if neither coordinate has, a move's and the gradient's size is their Euclidean norm, and it
    oscillates if a coordinate moves back and forth (the reason names that coordinate).

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
    starts, paths, grads = _coordinates(w0, w, final_grad)
    one = len(paths) == 1
    steps = len(paths[0])
    # loss_after[i] is the loss at w after step i + 1: loss[i + 1], and final_loss for the last.
    loss_after = np.append(loss[1:], np.float32(final_loss))
    finite_w = np.isfinite(paths[0])
    for path in paths[1:]:
        finite_w &= np.isfinite(path)
    bad = ~(finite_w & np.isfinite(loss_after))
    if bad.any():
        step = int(np.argmax(bad)) + 1
        if one:
            key = "status.loss_overflowed" if finite_w[step - 1] else "status.w_overflowed"
            reason = msg(key, value=_first_bad([*paths, loss_after]))
        elif finite_w[step - 1]:
            reason = msg("status.loss_overflowed", value=_first_bad([loss_after[step - 1 :]]))
        else:
            name, path = next(
                (n, p)
                for n, p in zip(_NAMES[2], paths, strict=True)
                if not np.isfinite(p[step - 1])
            )
            reason = msg("status.param_overflowed", name=name, value=_first_bad([path[step - 1 :]]))
        return Status(Outcome.DIVERGED, step, reason)
    settled = _settled(starts, paths, loss, lr, final_loss, grads, tol, floor)
    if settled is not None:
        return Status(Outcome.CONVERGED, settled[0], settled[1])
    seen = np.concatenate([loss[:1], loss_after]).astype(np.float64)
    start = seen[0]
    recent = seen[-(min(WINDOW, steps) + 1) :]
    if seen[-1] > start and recent[-1] > recent[0]:
        step = int(np.argmax(loss_after > start)) + 1
        return Status(Outcome.DIVERGED, step, msg("status.rose"))
    stalled = _stalled_since(starts, paths)
    if stalled is not None:
        resting = lr[stalled - 1 :]
        if one:
            key = "status.lr_zero" if not resting.any() else "status.below_resolution"
        else:
            key = "status.lr_zero_two" if not resting.any() else "status.below_resolution_two"
        return Status(Outcome.STALLED, stalled, msg(key))
    moves = np.diff(seen)
    rose = _trend(moves, rising=True)
    if rose:
        return Status(Outcome.RISING, None, msg("status.rising", steps=rose))
    alternating = [
        name for name, p in zip(_NAMES[len(paths)], paths, strict=True) if _alternates(p)
    ]
    if alternating:
        reason = msg("status.jumps") if one else msg("status.param_jumps", name=alternating[0])
        return Status(Outcome.OSCILLATING, None, reason)
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
    return Status(
        Outcome.STALLED, since, msg("status.loss_flat" if one else "status.loss_flat_two")
    )


def steps_to_tolerance(
    w0: Start,
    w: Path,
    loss: np.ndarray,
    lr: np.ndarray,
    final_loss: float,
    final_grad: Gradient,
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

    A run of two parameters passes its starts, paths and gradient as :func:`classify` takes
    them; the gradient's size and each move's are then their Euclidean norms.
    """
    starts, paths, grads = _coordinates(w0, w, final_grad)
    loss_after = np.append(loss[1:], np.float32(final_loss))
    if not (all(np.isfinite(p).all() for p in paths) and np.isfinite(loss_after).all()):
        return None
    settled = _settled(starts, paths, loss, lr, final_loss, grads, tol, floor)
    return None if settled is None else settled[0]


def _coordinates(
    w0: Start, w: Path, final_grad: Gradient
) -> tuple[tuple[float, ...], tuple[np.ndarray, ...], tuple[float, ...]]:
    """The starts, paths and gradient of a run, one per parameter."""
    if isinstance(w, np.ndarray):
        paths: tuple[np.ndarray, ...] = (w,)
    else:
        paths = tuple(w)
    starts = tuple(float(x) for x in w0) if isinstance(w0, Sequence) else (float(w0),)
    if isinstance(final_grad, Sequence):
        grads = tuple(float(g) for g in final_grad)
    else:
        grads = (float(final_grad),)
    if not len(starts) == len(paths) == len(grads) or len(paths) not in _NAMES:
        raise ValueError(f"{len(starts)} starts, {len(paths)} paths, {len(grads)} gradients")
    return starts, paths, grads


def _norm(parts: Sequence[np.ndarray]) -> np.ndarray:
    """The Euclidean norm of vectors given by components, in float64 (|x| for one)."""
    norm: np.ndarray = np.abs(parts[0]) if len(parts) == 1 else np.hypot(*parts)
    return norm


def _settled(
    w0: tuple[float, ...],
    w: tuple[np.ndarray, ...],
    loss: np.ndarray,
    lr: np.ndarray,
    final_loss: float,
    final_grad: tuple[float, ...],
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
    if math.hypot(*final_grad) <= tol:
        moves = _norm(
            [
                np.diff(np.concatenate([[np.float32(start)], path]).astype(np.float64))
                for start, path in zip(w0, w, strict=True)
            ]
        )
        small = moves <= lr.astype(np.float64) * tol
        failing = np.nonzero(~small)[0]
        step = int(failing[-1]) + 2 if failing.size else 1
        return step, msg("status.gradient_tol", tol=float(tol))
    return None


def _stalled_since(w0: tuple[float, ...], w: tuple[np.ndarray, ...]) -> int | None:
    """The step from which w (every coordinate) stayed the same, if it did over the last steps
    (all, if fewer)."""
    changed = np.zeros(len(w[0]), bool)
    for start, coordinate in zip(w0, w, strict=True):
        path = np.concatenate([[np.float32(start)], coordinate]).view(np.int32)
        changed |= path[1:] != path[:-1]
    moved = np.nonzero(changed)[0]
    since = int(moved[-1]) + 2 if moved.size else 1
    steps = len(w[0])
    return since if steps - since + 1 >= min(WINDOW, steps) else None


def _first_bad(arrays: Sequence[np.ndarray]) -> str:
    both = np.concatenate(arrays)
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
