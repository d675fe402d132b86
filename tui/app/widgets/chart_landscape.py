"""The landscape view of a loss of two parameters: its level lines around the region the runs
visit, the minimum where the theory knows it, and each run's path across it.

The level lines are contourpy's (a real contouring library, not a hand-written marching
squares) on a grid that NumPy evaluates from the loss's program in float64
(:mod:`tui.engine.loss_numpy`); the levels are log-spaced above the grid's lowest value where
the loss spans decades there, else evenly spaced. Plain functions of numbers, testable without a
screen, and the one function that draws a :class:`LandscapePanel` on a plotext plot.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import contourpy
import numpy as np
from textual_plotext.plot import Plot

from tui.app.widgets.chart_axes import RUN_STYLES, Style, linear_ticks, pin_style
from tui.app.widgets.chart_panels import Axis, Curve, Panel
from tui.app.widgets.chart_points import line_points, scatter_points
from tui.engine.loss_ir import Node
from tui.engine.loss_numpy import evaluate
from tui.engine.losses import LossExpr
from tui.engine.plane_quadratic import plane_quadratic
from tui.engine.result import RunResult
from tui.i18n import t
from tui.model.pins import Pin

#: Grid points per side the loss is evaluated at.
GRID = 121
#: How many level lines are drawn.
LEVELS = 9
#: The level lines' colour (a grey, under the paths) and the minimum's style.
LEVEL_STYLE = Style(244, "braille", "⢕")
MINIMUM_STYLE = Style("white", "✚", "✚")
#: The marker of each path's head: where the run (or the playback) stands.
HEAD_MARKER = "◆"


def path_of(result: RunResult) -> np.ndarray:
    """(w1, w2) at the start and after each step of a two-parameter run, float64, (n + 1, 2)."""
    assert result.w2 is not None, "a run of two parameters"
    start = np.array([result.spec.starts], np.float64)
    steps = np.column_stack([result.w, result.w2]).astype(np.float64)
    return np.concatenate([start, steps])


def region(
    paths: Sequence[np.ndarray], minimum: tuple[float, float] | None = None, margin: float = 0.15
) -> tuple[tuple[float, float], tuple[float, float]] | None:
    """The w1 and w2 ranges that hold every finite point of ``paths`` (and ``minimum``), widened
    by ``margin`` of the span on each side (a point alone, or a line, by 1 or a tenth of its
    size): ``None`` if there is no finite point."""
    points = [p[np.isfinite(p).all(axis=1)] for p in paths]
    if minimum is not None:
        points.append(np.array([minimum], np.float64))
    finite = np.concatenate(points) if points else np.empty((0, 2))
    if not finite.size:
        return None
    spans: list[tuple[float, float]] = []
    for column in (0, 1):
        low, high = float(finite[:, column].min()), float(finite[:, column].max())
        pad = (high - low) * margin or (abs(low) * 0.1 or 1.0)
        spans.append((low - pad, high + pad))
    return spans[0], spans[1]


def levels(values: np.ndarray, count: int = LEVELS) -> tuple[np.ndarray, bool]:
    """``count`` levels for the grid's loss ``values`` and whether they are log-spaced.

    Levels run from just above the lowest finite value to its 95th percentile (the corners of a
    steep bowl would take every line): log-spaced offsets from the lowest value where those span
    at least two decades, else evenly spaced ones."""
    finite = values[np.isfinite(values)]
    if finite.size < 2:
        return np.empty(0), False
    low = float(finite.min())
    offsets = finite - low
    top = float(np.percentile(offsets, 95))
    if not top > 0:
        return np.empty(0), False
    bottom = float(np.percentile(offsets, 1))
    if bottom > 0 and top / bottom >= 100:
        return low + np.geomspace(bottom, top, count), True
    return low + np.linspace(top / count, top, count), False


@functools.lru_cache(maxsize=8)
def level_lines(
    program: Node,
    w1_span: tuple[float, float],
    w2_span: tuple[float, float],
    grid: int = GRID,
    count: int = LEVELS,
) -> tuple[np.ndarray, bool, list[list[np.ndarray]]]:
    """The loss's level lines over ``w1_span`` x ``w2_span``: the levels, whether they are
    log-spaced, and per level contourpy's lines (each an (n, 2) array of (w1, w2)).

    The last few are kept (a program is hashable): playback's frames draw the same landscape.
    Read-only: the arrays are shared."""
    w1 = np.linspace(*w1_span, grid)
    w2 = np.linspace(*w2_span, grid)
    z = evaluate(program, w1[np.newaxis, :], w2[:, np.newaxis])
    chosen, log = levels(z, count)
    if not chosen.size:
        return chosen, log, []
    masked = np.ma.masked_invalid(z)
    generator = contourpy.contour_generator(w1, w2, masked, line_type=contourpy.LineType.Separate)
    lines = [[np.asarray(line, np.float64) for line in generator.lines(level)] for level in chosen]
    return chosen, log, lines


def known_minimum(expr: LossExpr) -> tuple[float, float] | None:
    """The loss's one minimum where the theory knows it exactly (a bowl), else ``None``: the
    grid's lowest point is no known minimum."""
    quad = plane_quadratic(expr)
    point = None if quad is None else quad.minimum
    return None if point is None else (float(point[0]), float(point[1]))


def thinned(path: np.ndarray, most: int) -> np.ndarray:
    """At most ``most`` of ``path``'s points, evenly spread, the first and last kept."""
    if len(path) <= most:
        return path
    return path[np.unique(np.linspace(0, len(path) - 1, max(2, most)).round().astype(int))]


@dataclass
class LandscapePanel(Panel):
    """The landscape: paths (the axis' curves, (w1, w2) points), the level lines, the minimum."""

    lines: list[list[np.ndarray]] = field(default_factory=list)
    spans: tuple[tuple[float, float], tuple[float, float]] = ((0.0, 1.0), (0.0, 1.0))
    minimum: tuple[float, float] | None = None
    paths: list[Curve] = field(default_factory=list)


def _compact(value: float) -> str:
    return f"{value:.2g}"


def landscape_panel(
    expr: LossExpr,
    results: Sequence[tuple[Pin | None, RunResult]],
    whole: Sequence[RunResult],
    who: Callable[[Pin | None], tuple[str, str]],
) -> tuple[LandscapePanel, list[str]]:
    """The landscape of ``expr`` with the path of each of ``results`` (the current run first,
    then the pins), and the notes on points that cannot be drawn. ``whole``, during playback,
    are the whole runs: the region spans them, so the paths walk across a landscape that stays."""
    notes: list[str] = []
    paths: list[Curve] = []
    for pin, result in results:
        if result.w2 is None:
            continue
        path = path_of(result)
        keep = np.isfinite(path).all(axis=1)
        long, short = who(pin)
        left = int(len(path) - np.count_nonzero(keep))  # steps: the start is finite
        if left:
            series = long if pin is None else short
            notes.append(t("chart.path_not_drawn", series=series, count=left, total=len(result.w)))
        style = RUN_STYLES["path"] if pin is None else pin_style(pin, "path")
        paths.append(Curve(path[keep, 0], path[keep, 1], style, long, short, scatter=True))
    minimum = known_minimum(expr)
    seen = [path_of(run) for run in whole if run.w2 is not None] or [
        np.column_stack([c.x, c.y]) for c in paths
    ]
    spans = region(seen, minimum) or ((-1.0, 1.0), (-1.0, 1.0))
    chosen, log, lines = level_lines(expr.program, *spans)
    legend: list[Curve] = []
    if chosen.size:
        key = "chart.landscape.levels_log" if log else "chart.landscape.levels"
        text = t(key, low=_compact(float(chosen[0])), high=_compact(float(chosen[-1])))
        short = t("chart.landscape.levels_short")
        legend.append(Curve(np.empty(0), np.empty(0), LEVEL_STYLE, text, short))
    if minimum is not None:
        text, short = t("chart.landscape.minimum"), t("chart.landscape.minimum_short")
        legend.append(Curve(np.empty(0), np.empty(0), MINIMUM_STYLE, text, short))
    axis = Axis(t("chart.landscape.heading"), [*paths, *legend])
    panel = LandscapePanel(
        [axis],
        xspan=spans[0],
        steps=False,
        xlabel="w1",
        lines=lines,
        spans=spans,
        minimum=minimum,
        paths=paths,
    )
    return panel, notes


def draw_landscape(
    plt: Plot, panel: LandscapePanel, width: int, rows: int, color: Callable[[Style], str | int]
) -> None:
    """Draw ``panel`` on the plotext plot ``plt``, ``width`` by ``rows`` cells: level lines in
    braille under the paths, each path's points in its marker (thinned to the cells there are),
    its head in :data:`HEAD_MARKER`, the minimum, and ticks of our own."""
    draw = plt
    plot, scatter = draw.plot, draw.scatter
    level_color = color(LEVEL_STYLE)
    for per_level in panel.lines:
        for line in per_level:
            if len(line) > 1:
                plot(line[:, 0].tolist(), line[:, 1].tolist(), color=level_color, marker="braille")
    most = max(2, width * rows // 4)
    for index, curve in enumerate(panel.paths):
        if not curve.x.size:
            continue
        points = thinned(np.column_stack([curve.x, curve.y]), most)
        # Only the points that draw something (a settled run repeats its last one).
        xs, ys = scatter_points(points[:, 0], points[:, 1])
        if index == 0:  # the current run's zig-zag, in thin lines under its points
            lx, ly = line_points(xs, ys)
            plot(lx.tolist(), ly.tolist(), color=color(curve.style), marker="braille")
        scatter(xs.tolist(), ys.tolist(), color=color(curve.style), marker=curve.style.marker)
    for curve in panel.paths:  # heads last: on top of every path
        if curve.x.size:
            scatter(
                [float(curve.x[-1])],
                [float(curve.y[-1])],
                color=color(curve.style),
                marker=HEAD_MARKER,
            )
    if panel.minimum is not None:
        scatter(
            [panel.minimum[0]],
            [panel.minimum[1]],
            color=color(MINIMUM_STYLE),
            marker=MINIMUM_STYLE.marker,
        )
    (left, right), (bottom, top) = panel.spans
    draw.xlim(left, right)
    draw.ylim(bottom, top)
    usable = max(1, rows - 3)
    draw.xticks(*linear_ticks(left, right, max(2, min(8, width // 12))))
    draw.yticks(*linear_ticks(bottom, top, max(2, min(8, usable // 2 + 1))))
    draw.xlabel("w1")
    draw.ylabel("w2")
