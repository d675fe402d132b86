"""The learning-rate range test: hundreds of rates in one batched engine call, and what it says."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from tui.engine.losses import LossExpr
from tui.engine.outcome import Outcome
from tui.engine.result import RunResult
from tui.engine.spec import DEFAULT_TOL, ParameterError, RunSpec
from tui.i18n import msg

#: The most rates one sweep may hold.
MAX_RATES = 2000


def log_rates(low: float, high: float, count: int) -> np.ndarray:
    """``count`` learning rates spaced evenly in log between ``low`` and ``high`` (float64)."""
    if not (math.isfinite(low) and math.isfinite(high)) or low <= 0 or high <= low:
        raise ParameterError("range", msg("sweep.low_high", low=low, high=high))
    if not 2 <= count <= MAX_RATES:
        raise ParameterError("count", msg("sweep.rates_count", max=MAX_RATES, count=count))
    return np.geomspace(low, high, count)


@dataclass(frozen=True)
class Sweep:
    """One range test: per rate, the final loss, the steps to tolerance (-1: never), the outcome."""

    tol: float
    lrs: np.ndarray
    final_loss: np.ndarray
    steps_to_tol: np.ndarray
    outcomes: tuple[Outcome, ...]
    seconds: float

    def result_index(self, lr: float) -> int:
        """The index of the swept rate nearest to ``lr`` (in log)."""
        return int(np.argmin(np.abs(np.log(self.lrs) - math.log(lr))))


def sweep(
    base: RunSpec,
    lrs: np.ndarray,
    loss: str | LossExpr,
    tol: float = DEFAULT_TOL,
    run_batch: Callable[..., list[RunResult]] | None = None,
) -> Sweep:
    """Run ``base`` once per rate in ``lrs``, all in one batched engine call."""
    if run_batch is None:
        from tui.engine.descent import run_batch as engine_batch

        run_batch = engine_batch
    return summarize(lrs, run_batch(sweep_specs(base, lrs), loss, tol=tol), tol)


def sweep_specs(base: RunSpec, lrs: np.ndarray) -> list[RunSpec]:
    """One spec per rate: ``base`` with its ``lr`` replaced."""
    return [replace(base, lr=float(lr)) for lr in lrs]


def summarize(lrs: np.ndarray, results: Sequence[RunResult], tol: float) -> Sweep:
    """The :class:`Sweep` that the runs of :func:`sweep_specs` (in order) add up to."""
    steps = np.array([_steps_to_tol(r) for r in results], np.int64)
    return Sweep(
        tol=tol,
        lrs=np.asarray(lrs, np.float64),
        final_loss=np.array([r.final_loss for r in results], np.float32),
        steps_to_tol=steps,
        outcomes=tuple(r.status.outcome for r in results),
        seconds=results[0].seconds,
    )


def _steps_to_tol(result: RunResult) -> int:
    """The run's steps to the tolerance as its status counts them (one definition), or -1."""
    steps = result.status.steps_to_tol
    return -1 if steps is None else steps


@dataclass(frozen=True)
class Suggestions:
    """The range test's usual picks, beside the best rate the sweep actually found."""

    steepest: float | None
    """The rate where the final loss falls fastest against log(lr)."""
    min_over_10: float | None
    """The rate of the lowest final loss, divided by 10 (the usual safety margin)."""
    best: float | None
    """The rate of the lowest final loss the sweep measured (the fastest, among ties)."""


def suggest(result: Sweep) -> Suggestions:
    """The steepest-descent and minimum/10 suggestions, and the measured best rate."""
    loss = result.final_loss.astype(np.float64)
    finite = np.isfinite(loss)
    if finite.sum() < 2:
        return Suggestions(None, None, None)
    lowest = np.nanmin(np.where(finite, loss, np.nan))
    # Many rates can reach the same lowest loss (often exactly 0): the fastest of them is best.
    tied = np.nonzero(finite & (loss == lowest))[0]
    steps = np.where(
        result.steps_to_tol[tied] >= 0, result.steps_to_tol[tied], np.iinfo(np.int64).max
    )
    best_index = int(tied[int(np.argmin(steps))])
    best = float(result.lrs[best_index])
    # Slope of log(loss) against log(lr), over the finite, positive stretch up to the minimum.
    usable = finite & (loss > 0)
    usable[best_index + 1 :] = False
    steepest = None
    index = np.nonzero(usable)[0]
    if index.size >= 2:
        slope = np.diff(np.log(loss[index])) / np.diff(np.log(result.lrs[index]))
        steepest = float(result.lrs[index[int(np.argmin(slope))]])
    return Suggestions(steepest=steepest, min_over_10=best / 10, best=best)
