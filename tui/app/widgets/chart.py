"""The chart pane: loss, w and lr against the step, drawn with textual-plotext."""

from __future__ import annotations

import math

import numpy as np
from rich.text import Text
from textual.app import RenderResult
from textual.reactive import reactive
from textual_plotext import PlotextPlot
from textual_plotext.plot import Plot

from tui.engine.result import RunResult

#: The chart views, in the order the view key cycles through them.
VIEWS = ("loss+w", "all", "loss", "w", "lr")

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
        grid = np.full(buckets * size, np.nan)
        grid[:n] = np.where(np.isfinite(y), y, np.nan)
        grid = grid.reshape(buckets, size)
        rows = np.nonzero(~np.isnan(grid).all(axis=1))[0]
        if rows.size:
            picks.append(rows * size + np.nanargmin(grid[rows], axis=1))
            picks.append(rows * size + np.nanargmax(grid[rows], axis=1))
    index = np.unique(np.concatenate(picks))
    return [x[index], *(y[index] for y in ys)]


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


class DescentChart(PlotextPlot, can_focus=True):
    """The run's curves; ``view`` picks which, ``log_loss`` puts the loss on a log scale."""

    view: reactive[str] = reactive("loss+w")
    """Which series to draw: one of :data:`VIEWS`."""
    log_loss: reactive[bool] = reactive(False)
    """Whether the loss is drawn as log10(loss), ticks labelled 1e-k."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._points: list[np.ndarray] = []
        self._version = 0
        self._rendered: tuple[tuple[object, ...], RenderResult] | None = None
        self.note = ""

    def show(self, result: RunResult) -> None:
        """Draw ``result`` (thinned once here, not at every redraw)."""
        lr = result.lr64 if result.spec.decays else result.lr
        self._points = downsample(
            result.step.astype(np.float64),
            result.w.astype(np.float64),
            result.loss.astype(np.float64),
            lr.astype(np.float64),
        )
        self.replot()

    def render(self) -> RenderResult:
        """The plot; at sizes plotext cannot draw, a short note instead of a crash.

        Building a plot costs tens of milliseconds, so the last one is kept for redraws that
        change nothing it shows (focus, a footer update, ...).
        """
        if self.size.width < 10 or self.size.height < 4:
            return Text("chart: too small", no_wrap=True, overflow="ellipsis")
        key = (self._version, self.size, self.app.theme, self.theme)
        if self._rendered is not None and self._rendered[0] == key:
            return self._rendered[1]
        try:
            rendered = super().render()
        except Exception as err:  # noqa: BLE001 - plotext may fail at odd sizes; keep the app
            return Text(f"chart: {err}", no_wrap=True, overflow="ellipsis")
        self._rendered = (key, rendered)
        return rendered

    def watch_view(self) -> None:
        """Redraw in the new view."""
        self.replot()

    def watch_log_loss(self) -> None:
        """Redraw on the new scale."""
        self.replot()

    def replot(self) -> None:
        """Clear the plot's data and draw the current result in the current view."""
        # plotext 5.3's clear_figure() leaves subplots' ticks behind (log labels of one view
        # showed up in the next), so every replot starts from a new figure.
        self._plot = Plot()
        self._version += 1
        plt = self.plt
        if not self._points:
            plt.title("waiting for the first run")
            self.refresh()
            return
        step, w, loss, lr = self._points
        notes: list[str] = []
        if self.view == "all":
            plt.subplots(3, 1)
            for row, (name, data) in enumerate((("loss", loss), ("w", w), ("lr", lr)), start=1):
                # Draw on the subplot object itself: the figure's own methods would all land
                # on one of them.
                self._series(plt.subplot(row, 1), name, step, data, notes)
        elif self.view == "loss+w":
            self._series(plt, "loss", step, loss, notes)
            self._series(plt, "w", step, w, notes, yside="right")
        else:
            data = {"loss": loss, "w": w, "lr": lr}[self.view]
            self._series(plt, self.view, step, data, notes)
        self.note = "; ".join(dict.fromkeys(notes))
        self.refresh()

    def _series(
        self,
        plt: Plot,
        name: str,
        step: np.ndarray,
        data: np.ndarray,
        notes: list[str],
        yside: str = "left",
    ) -> None:
        keep = np.isfinite(data)
        if not keep.all():
            notes.append(f"{name}: inf/nan not drawn")
        label = name
        if name == "loss" and self.log_loss:
            positive = keep & (data > 0)
            if (keep & (data <= 0)).any():
                notes.append("loss <= 0 not drawn on the log scale")
            keep = positive
            data = np.log10(np.where(positive, data, 1.0))
            label = "loss (log)"
        x, y = step[keep], data[keep]
        if not x.size:
            return
        color = {"loss": "cyan", "w": "orange", "lr": "green"}[name]
        plt.plot(x.tolist(), y.tolist(), label=label, color=color, marker="braille", yside=yside)
        if name == "loss" and self.log_loss:
            rows = self.size.height // (3 if self.view == "all" else 1) - 3
            ticks, labels = log_ticks(float(y.min()), float(y.max()), most=max(2, rows // 2))
            plt.yticks(ticks, labels, yside=yside)
