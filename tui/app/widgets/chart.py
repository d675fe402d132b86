"""The chart pane: loss, w and lr against the step, drawn with textual-plotext."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from rich.text import Text
from textual.app import RenderResult
from textual.reactive import reactive
from textual_plotext import PlotextPlot
from textual_plotext.plot import Plot

from tui.engine.losses import LossExpr, parse_loss
from tui.engine.result import RunResult
from tui.engine.theory import loss_curve
from tui.i18n import t
from tui.model.pins import Pin

#: At most this many points per series are drawn; the data itself is never cut.
MAX_POINTS = 2000


def downsample(x: np.ndarray, *ys: np.ndarray, limit: int = MAX_POINTS) -> list[np.ndarray]:
    """Keep at most about ``limit`` points, keeping each bucket's first, lowest and highest.

    An oscillation stays visible as the envelope it draws; the last step is always kept.
    """
    n = len(x)
    if n <= limit:
        return [x, *ys]
    size = -(-n // (limit // 3))  # steps per bucket, rounded up
    buckets = -(-n // size)
    picks = [np.arange(0, n, size), np.array([n - 1])]
    for y in ys:
        cells = np.full(buckets * size, np.nan)
        cells[:n] = np.where(np.isfinite(y), y, np.nan)
        grid = cells.reshape(buckets, size)
        rows = np.nonzero(~np.isnan(grid).all(axis=1))[0]
        if rows.size:
            picks.append(rows * size + np.nanargmin(grid[rows], axis=1))
            picks.append(rows * size + np.nanargmax(grid[rows], axis=1))
    index = np.unique(np.concatenate(picks))
    return [x[index], *(y[index] for y in ys)]


def _thin(result: RunResult) -> list[np.ndarray]:
    """Step, w, loss and lr of ``result`` as float64, thinned for drawing."""
    return downsample(
        result.step.astype(np.float64),
        result.w.astype(np.float64),
        result.loss.astype(np.float64),
        result.rates.astype(np.float64),
    )


#: The most iterates the path view draws (the first ones: where the story happens).
PATH_POINTS = 200


#: Steps per block when a playback thins the first steps of a long run.
BLOCK = 256


class _Blocks:
    """Each block's first step and extremes in one whole run, to thin any of its prefixes in
    time proportional to the blocks, not the steps (a playback frame of a long run)."""

    def __init__(self, result: RunResult) -> None:
        self.result = result
        arrays = (result.step, result.w, result.loss, result.rates)
        self.columns = [np.asarray(a, np.float64) for a in arrays]
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
            return [column[:n] for column in self.columns]
        full = n // BLOCK
        index = np.unique(
            np.concatenate([self.picks[:full].ravel(), np.arange(full * BLOCK, n), [n - 1]])
        )
        return downsample(*(column[index] for column in self.columns))


def _spans(runs: Sequence[RunResult]) -> dict[str, tuple[float, float]]:
    """The range of each series over ``runs`` (finite values; ``log loss`` over positive ones),
    and of the steps: the axes a playback keeps while it fills in."""
    spans: dict[str, tuple[float, float]] = {}
    if not runs:
        return spans
    spans["steps"] = (1.0, float(max(len(run.w) for run in runs)))
    columns = {
        "w": [run.w for run in runs],
        "loss": [run.loss for run in runs],
        "lr": [run.rates for run in runs],
    }
    for name, arrays in columns.items():
        values = np.concatenate([a.astype(np.float64) for a in arrays])
        values = values[np.isfinite(values)]
        if values.size:
            spans[name] = (float(values.min()), float(values.max()))
        if name == "loss" and (values > 0).any():
            positive = np.log10(values[values > 0])
            spans["log loss"] = (float(positive.min()), float(positive.max()))
    return spans


def _path(result: RunResult) -> np.ndarray:
    """(w before each step, the loss there) for the first :data:`PATH_POINTS` steps."""
    n = min(len(result.w), PATH_POINTS)
    before = np.concatenate([[np.float32(result.spec.w0)], result.w[: n - 1]]).astype(np.float64)
    return np.column_stack([before, result.loss[:n].astype(np.float64)])


def log_ticks(low: float, high: float, most: int = 6) -> tuple[list[float], list[str]]:
    """At most ``most`` tick positions (log10 values) and labels (``1e-3``) over low..high.

    plotext drops ticks that collide on one row, and which one it drops is not stable, so the
    caller asks for no more ticks than the plot has rows for.
    """
    first, last = math.ceil(low), math.floor(high)
    if last <= first:  # less than a decade: label the ends instead
        ends = [low, high] if high > low else [low]
        return ends, [f"{10**value:.1e}" for value in ends]
    stride = max(1, math.ceil((last - first) / max(1, most - 1)))
    ticks = list(range(first, last + 1, stride))
    return [float(t) for t in ticks], [f"1e{t}" for t in ticks]


# mypy sees PlotextPlot as Any (textual-plotext is skipped, see pyproject.toml), so not the
# can_focus argument Widget takes.
class DescentChart(PlotextPlot, can_focus=True):  # type: ignore[call-arg]
    """The run's curves; ``view`` picks which, ``log_loss`` puts the loss on a log scale."""

    view: reactive[str] = reactive("loss+w")
    """Which series to draw: one of :data:`tui.model.views.VIEWS`."""
    log_loss: reactive[bool] = reactive(False)
    """Whether the loss is drawn as log10(loss), ticks labelled 1e-k."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._points: list[np.ndarray] = []
        self._pin_points: list[tuple[Pin, list[np.ndarray]]] = []
        self.loss_expr: LossExpr | None = None
        self._path = np.empty((0, 2))
        self._pin_paths: list[tuple[Pin, np.ndarray]] = []
        self.marked_rates: dict[str, float] = {}
        """Rates to mark on lr plots, e.g. {"critical 2/L": 1.0, "optimal 1/L": 0.5}."""
        self._version = 0
        self._rendered: tuple[tuple[object, ...], RenderResult] | None = None
        self._whole: dict[str, tuple[float, float]] = {}
        self._whole_runs: list[RunResult] = []
        self._blocks: list[_Blocks] = []
        self.note = ""

    def show(
        self,
        result: RunResult,
        pins: Sequence[Pin] = (),
        marked_rates: dict[str, float] | None = None,
        *,
        whole: Sequence[RunResult] = (),
    ) -> None:
        """Draw ``result`` and the pins' runs (thinned once here, not at every redraw).

        ``marked_rates`` are drawn as horizontal lines on the lr plots. ``whole``, during
        playback, are the whole runs of which ``result`` and the pins are the first steps: the
        axes then span them, so the chart fills in rather than rescales as the steps come.
        """
        self.marked_rates = dict(marked_rates or {})
        same = len(whole) == len(self._whole_runs) and all(
            a is b for a, b in zip(whole, self._whole_runs, strict=False)
        )
        if not same:  # frame after frame of one playback: the same whole runs, done once
            self._whole_runs = list(whole)
            self._whole = _spans(whole)
            self._blocks = [_Blocks(run) for run in whole]
        drawn = [(pin, pin.result) for pin in pins if pin.result is not None]
        if whole:
            # Playback: ``whole`` is the run then each drawn pin's, in order; thin the prefixes
            # from the whole runs' blocks.
            self._points = self._blocks[0].points(len(result.w))
            self._pin_points = [
                (pin, blocks.points(len(run.w)))
                for (pin, run), blocks in zip(drawn, self._blocks[1:], strict=True)
            ]
        else:
            self._points = _thin(result)
            self._pin_points = [(pin, _thin(run)) for pin, run in drawn]
        self.loss_expr = parse_loss(result.loss_expr)
        self._path = _path(result)
        self._pin_paths = [(pin, _path(pin.result)) for pin in pins if pin.result is not None]
        self.replot()

    def render(self) -> RenderResult:
        """The plot; at sizes plotext cannot draw, a short note instead of a crash.

        Building a plot costs tens of milliseconds, so the last one is kept for redraws that
        change nothing it shows (focus, a footer update, ...).
        """
        if self.size.width < 10 or self.size.height < 4:
            return Text(t("chart.too_small"), no_wrap=True, overflow="ellipsis")
        if not self._points:  # in Textual's text, not plotext's: plotext counts no wide cells
            return Text(t("chart.waiting"), no_wrap=True, overflow="ellipsis")
        key = (self._version, self.size, self.app.theme, self.theme)
        if self._rendered is not None and self._rendered[0] == key:
            return self._rendered[1]
        try:
            rendered = super().render()
        except Exception as err:  # noqa: BLE001 - plotext may fail at odd sizes; keep the app
            return Text(t("chart.failed", why=err), no_wrap=True, overflow="ellipsis")
        self._rendered = (key, rendered)
        return rendered

    def watch_view(self) -> None:
        """Redraw in the new view."""
        self.replot()

    def watch_log_loss(self) -> None:
        """Redraw on the new scale."""
        self.replot()

    def replot(self) -> None:
        """Clear the plot's data and draw the current result (and the pins) in the current view."""
        # plotext 5.3's clear_figure() leaves subplots' ticks behind (log labels of one view
        # showed up in the next), so every replot starts from a new figure.
        self._plot = Plot()
        self._version += 1
        plt = self.plt
        if not self._points:
            self.refresh()
            return
        notes: list[str] = []
        if self.view == "all":
            plt.subplots(3, 1)
            for row, name in enumerate(("loss", "w", "lr"), start=1):
                # Draw on the subplot object itself: the figure's own methods would all land
                # on one of them.
                self._draw(plt.subplot(row, 1), name, notes)
        elif self.view == "path":
            self._draw_path(plt, notes)
        elif self.view == "loss+w":
            self._draw(plt, "loss", notes)
            self._draw(plt, "w", notes, yside="right")
        else:
            self._draw(plt, self.view, notes)
        self.note = "; ".join(dict.fromkeys(notes))
        self.refresh()

    def _draw_path(self, plt: Plot, notes: list[str]) -> None:
        """The loss as a function of w, with each iterate of the run (and the pins) on it."""
        if self.loss_expr is None:
            return
        paths = [(self._path, "orange", "o", "w_k")]
        paths += [(path, pin.color, pin.marker, pin.label) for pin, path in self._pin_paths]
        finite = [p[np.isfinite(p[:, 0]) & np.isfinite(p[:, 1])] for p, *_ in paths]
        if any(len(p) < len(q) for p, (q, *_) in zip(finite, paths, strict=True)):
            notes.append(t("chart.path_not_drawn"))
        ws = np.concatenate([p[:, 0] for p in finite]) if finite else np.empty(0)
        if not ws.size:
            return
        low, high = float(ws.min()), float(ws.max())
        margin = max((high - low) * 0.1, 1e-3 * max(1.0, abs(high)))
        grid = np.linspace(low - margin, high + margin, 200)
        curve = np.array(loss_curve(self.loss_expr, grid.tolist()))
        keep = np.isfinite(curve)
        curve_xy = (grid[keep].tolist(), curve[keep].tolist())
        plt.plot(*curve_xy, color="cyan", marker="braille", label="loss(w)")
        for index, (points, (_, color, marker, label)) in enumerate(
            zip(finite, paths, strict=True)
        ):
            if len(points):
                xy = (points[:, 0].tolist(), points[:, 1].tolist())
                if index == 0:  # the current run's zigzag, in thin lines under its points
                    plt.plot(*xy, color=color, marker="braille")
                plt.scatter(*xy, color=color, marker=marker, label=label)
        plt.xlabel("w")

    def _span(self, plt: Plot, name: str, log: bool, yside: str) -> None:
        """Axes over the whole runs being played, so that a frame only adds points."""
        span = self._whole.get(f"log {name}" if log else name)
        if span is not None:
            low, high = span
            pad = (high - low) * 0.02 or max(abs(high) * 0.02, 1e-12)
            plt.ylim(low - pad, high + pad, yside=yside)
        plt.xlim(1, max(self._whole["steps"][1], 1.5))

    def _curves(self, name: str) -> list[tuple[np.ndarray, np.ndarray, str, str, str]]:
        """(step, values, colour, marker, label) of series ``name`` for the run and each pin."""
        column = {"w": 1, "loss": 2, "lr": 3}[name]
        own = {"loss": "cyan", "w": "orange", "lr": "green"}[name]
        curves = [(self._points[0], self._points[column], own, "braille", name)]
        for pin, points in self._pin_points:
            curves.append((points[0], points[column], pin.color, pin.marker, f"{pin.label} {name}"))
        return curves

    def _draw(self, plt: Plot, name: str, notes: list[str], yside: str = "left") -> None:
        log = name == "loss" and self.log_loss
        drawn: list[np.ndarray] = []
        for step, data, color, marker, label in self._curves(name):
            keep = np.isfinite(data)
            if not keep.all():
                notes.append(t("chart.not_drawn", name=name))
            if log:
                positive = keep & (data > 0)
                if (keep & (data <= 0)).any():
                    notes.append(t("chart.log_not_drawn"))
                keep = positive
                data = np.log10(np.where(positive, data, 1.0))
                label = label.replace("loss", "loss (log)")
            x, y = step[keep], data[keep]
            if x.size:
                plt.plot(
                    x.tolist(), y.tolist(), label=label, color=color, marker=marker, yside=yside
                )
                drawn.append(y)
        if self._whole and drawn:
            self._span(plt, name, log, yside)
        if name == "lr" and drawn:
            for (label, rate), color in zip(
                self.marked_rates.items(), ("red", "green"), strict=False
            ):
                plt.hline(rate, color)
                # At the right end: the legend holds the top left corner.
                last_step = float(self._points[0][-1])
                plt.text(label, last_step, rate, color=color, yside=yside, alignment="right")
        if log and drawn:
            low = min(float(y.min()) for y in drawn)
            high = max(float(y.max()) for y in drawn)
            rows = self.size.height // (3 if self.view == "all" else 1) - 3
            ticks, labels = log_ticks(low, high, most=max(2, rows // 2))
            plt.yticks(ticks, labels, yside=yside)
