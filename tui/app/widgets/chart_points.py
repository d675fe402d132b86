"""The points a chart draws of its runs: each series thinned for drawing (the data itself is
never cut), the ranges the axes keep during a playback, the path of the first iterates, and how
many points each series cannot draw (inf/nan, or no log).

Plain functions of numpy arrays, testable without a screen.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from tui.engine.result import RunResult

#: At most this many points per series are drawn; the data itself is never cut.
MAX_POINTS = 2000


def downsample(x: np.ndarray, *ys: np.ndarray, limit: int = MAX_POINTS) -> list[np.ndarray]:
    """Keep at most about ``limit`` points, keeping each bucket's first, lowest and highest.

    An oscillation stays visible as the envelope it draws; the last step is always kept. The
    points are picked in the arrays' own types (a float32 value is its float64 value exactly,
    so the same points are picked) and returned as float64: no float64 copy of a whole run.
    """
    n = len(x)
    if n <= limit:
        return [np.asarray(a, np.float64) for a in (x, *ys)]
    size = -(-n // (limit // 3))  # steps per bucket, rounded up
    buckets = -(-n // size)
    picks = [np.arange(0, n, size), np.array([n - 1])]
    whole = n // size * size  # the steps of the full buckets
    starts = np.arange(0, whole, size)
    for y in ys:
        finite = np.isfinite(y)
        if finite.all():  # every bucket drawn: its extremes without a padded copy
            grid = y[:whole].reshape(-1, size)
            picks += [starts + grid.argmin(axis=1), starts + grid.argmax(axis=1)]
            if whole < n:
                picks.append(whole + np.array([y[whole:].argmin(), y[whole:].argmax()]))
            continue
        floating = y.dtype if np.issubdtype(y.dtype, np.floating) else np.dtype(np.float64)
        cells = np.full(buckets * size, np.nan, dtype=floating)
        cells[:n] = y
        cells[:n][~finite] = np.nan
        grid = cells.reshape(buckets, size)
        rows = np.nonzero(~np.isnan(grid).all(axis=1))[0]
        if rows.size:
            drawn = grid if rows.size == buckets else grid[rows]  # no copy if every row is
            picks.append(rows * size + np.nanargmin(drawn, axis=1))
            picks.append(rows * size + np.nanargmax(drawn, axis=1))
    index = np.unique(np.concatenate(picks))
    return [np.asarray(a[index], np.float64) for a in (x, *ys)]


def _repeats(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Which points are the point before them again (the first never is)."""
    again = np.zeros(len(x), bool)
    again[1:] = (x[1:] == x[:-1]) & (y[1:] == y[:-1])
    return again


def line_points(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``x``, ``y`` less the points a line joined through them draws no cell more for: a point
    that repeats the one before it, then one inside a level run (the same y as both neighbours,
    its x between theirs). The cells drawn are the same: plotext 5.3.2 joins two points cell by
    cell in its grid (``get_line``), and the cells of a level line from a to c are those from a
    to b and on to c. It does so in time proportional to the points, and a run that has
    settled is thousands of them at one value (issue 14: a key's chart at 100,000 steps)."""
    x, y = scatter_points(x, y)  # first: a point and its repeat are not both level points
    if len(x) < 3:
        return x, y
    inner_x, inner_y = x[1:-1], y[1:-1]
    level = (inner_y == y[:-2]) & (inner_y == y[2:])
    rising = (x[:-2] <= inner_x) & (inner_x <= x[2:])
    between = rising | ((x[:-2] >= inner_x) & (inner_x >= x[2:]))
    drop = np.zeros(len(x), bool)
    drop[1:-1] = level & between
    if not drop.any():
        return x, y
    keep = ~drop
    return x[keep], y[keep]


def scatter_points(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``x``, ``y`` less each point that repeats the one before it: the same markers drawn
    (plotext 5.3.2 keeps a point's first occurrence, ``brush``), in less time."""
    drop = _repeats(x, y)
    if not drop.any():
        return x, y
    keep = ~drop
    return x[keep], y[keep]


def thin(result: RunResult) -> list[np.ndarray]:
    """Step, w, loss and lr of ``result`` as float64, thinned for drawing."""
    return downsample(result.step, result.w, result.loss, result.rates)


#: The most iterates the path view draws (the first ones: where the story happens).
PATH_POINTS = 200


#: Steps per block when a playback thins the first steps of a long run.
BLOCK = 256


class Blocks:
    """Each block's first step and extremes in one whole run, to thin any of its prefixes in
    time proportional to the blocks, not the steps (a playback frame of a long run).

    It keeps the run's own arrays, not float64 copies of them: the run is held once."""

    def __init__(self, result: RunResult) -> None:
        self.result = result
        self.columns = [result.step, result.w, result.loss, result.rates]
        blocks = len(result.w) // BLOCK
        starts = np.arange(blocks) * BLOCK
        picks = [starts]
        for y in self.columns[1:]:
            grid = y[: blocks * BLOCK].reshape(blocks, BLOCK)
            finite = np.isfinite(grid)
            picks.append(starts + np.where(finite, grid, np.inf).argmin(axis=1))
            picks.append(starts + np.where(finite, grid, -np.inf).argmax(axis=1))
        self.picks = np.stack(picks, axis=1)

    def points(self, n: int) -> list[np.ndarray]:
        """The first ``n`` steps, thinned as :func:`downsample` would, keeping extremes."""
        if n <= MAX_POINTS:
            return [np.asarray(column[:n], np.float64) for column in self.columns]
        full = n // BLOCK
        index = np.unique(
            np.concatenate([self.picks[:full].ravel(), np.arange(full * BLOCK, n), [n - 1]])
        )
        return downsample(*(column[index] for column in self.columns))


def spans(runs: Sequence[RunResult]) -> dict[str, tuple[float, float]]:
    """The range of each series over ``runs`` (finite values; ``log loss`` over positive ones),
    and of the steps: the axes a playback keeps while it fills in."""
    ranges: dict[str, tuple[float, float]] = {}
    if not runs:
        return ranges
    ranges["steps"] = (1.0, float(max(len(run.w) for run in runs)))
    columns = {
        "w": [run.w for run in runs],
        "loss": [run.loss for run in runs],
        "lr": [run.rates for run in runs],
    }
    for name, arrays in columns.items():
        values = np.concatenate([a.astype(np.float64) for a in arrays])
        values = values[np.isfinite(values)]
        if values.size:
            ranges[name] = (float(values.min()), float(values.max()))
        if name == "loss" and (values > 0).any():
            positive = np.log10(values[values > 0])
            ranges["log loss"] = (float(positive.min()), float(positive.max()))
    return ranges


def path_points(result: RunResult) -> np.ndarray:
    """(w before each step, the loss there) for the first :data:`PATH_POINTS` steps."""
    n = min(len(result.w), PATH_POINTS)
    before = np.concatenate([[np.float32(result.spec.w0)], result.w[: n - 1]]).astype(np.float64)
    return np.column_stack([before, result.loss[:n].astype(np.float64)])


class LeftOut:
    """How many of a run's first n steps each series cannot draw: inf/nan, and (``loss <= 0``)
    finite losses with no log. Counted per block of :data:`BLOCK` steps once, so that a
    playback frame of a long run costs a block's worth of steps, not the run's."""

    def __init__(self, result: RunResult) -> None:
        loss = result.loss
        self.series = {"w": result.w, "loss": loss, "lr": result.rates, "loss <= 0": loss}
        self.sums: dict[str, np.ndarray] = {}
        whole = len(result.w) // BLOCK * BLOCK
        for key in self.series:
            blocks = self._mask(key, whole).reshape(-1, BLOCK).sum(axis=1)
            self.sums[key] = np.concatenate([[0], np.cumsum(blocks)])

    def _mask(self, key: str, stop: int, start: int = 0) -> np.ndarray:
        """Which of steps ``start``..``stop`` of series ``key`` are left out."""
        values = self.series[key][start:stop]
        if key == "loss <= 0":
            return np.isfinite(values) & (values <= 0)
        return ~np.isfinite(values)

    def count(self, key: str, n: int) -> int:
        """Of the first ``n`` steps of series ``key``, how many are left out."""
        full = min(n // BLOCK, len(self.sums[key]) - 1)
        tail = int(np.count_nonzero(self._mask(key, n, full * BLOCK)))
        return int(self.sums[key][full]) + tail
