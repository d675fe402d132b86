"""w1 and w2 against the step, for the chart's step views of a loss of two parameters.

The step views lay out one ``w`` axis per panel from the runs' w (w1 of a loss of two);
:func:`with_w2` heads it ``w1`` and, where the panel shows w alone (the ``w`` view, the ``all``
view's middle panel), adds w2 on the right-hand axis. w2 takes the markers of the runs' loss
(the run's braille, each pin's own marker), which no panel with w2 on it draws, so every series
of such a panel differs by its marker as well as by its colour (``NO_COLOR``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from tui.app.widgets.chart_axes import RUN_STYLES, pin_style
from tui.app.widgets.chart_panels import Axis, Curve, Panel
from tui.app.widgets.chart_points import downsample
from tui.engine.result import RunResult
from tui.i18n import t
from tui.model.pins import Pin


def w2_axis(
    results: Sequence[tuple[Pin | None, RunResult]],
    whole: Sequence[RunResult],
    who: Callable[[Pin | None], tuple[str, str]],
) -> tuple[Axis, list[str]]:
    """w2 of each run of ``results`` against the step (thinned), on the right-hand axis, and
    the notes on steps whose w2 is inf or nan. ``whole``, during playback, give the axis' span
    (the whole runs'), so that a frame only adds points."""
    curves: list[Curve] = []
    notes: list[str] = []
    for pin, result in results:
        if result.w2 is None:
            continue
        step, w2 = downsample(result.step, result.w2)
        keep = np.isfinite(w2)
        left = int(np.count_nonzero(~np.isfinite(result.w2)))
        long, short = who(pin)
        if left:
            series = "w2" if pin is None else f"#{pin.number} w2"
            notes.append(t("chart.not_drawn", series=series, count=left, total=len(result.w2)))
        style = RUN_STYLES["loss"] if pin is None else pin_style(pin, "loss")
        curves.append(Curve(step[keep], w2[keep], style, long, short))
    span = None
    values = [run.w2[np.isfinite(run.w2)] for run in whole if run.w2 is not None]
    values = [v for v in values if v.size]
    if values:
        span = (float(min(v.min() for v in values)), float(max(v.max() for v in values)))
    return Axis("w2", curves, "right", False, span), notes


def with_w2(
    panels: list[Panel],
    results: Sequence[tuple[Pin | None, RunResult]],
    whole: Sequence[RunResult],
    who: Callable[[Pin | None], tuple[str, str]],
) -> list[str]:
    """Head the ``w`` axes of ``panels`` ``w1`` and add w2 beside w1 where a panel shows w
    alone; the notes on w2's steps that cannot be drawn."""
    notes: list[str] = []
    for panel in panels:
        names = [axis.name for axis in panel.axes]
        if "w" not in names:
            continue
        panel.axes[names.index("w")].name = "w1"
        if names == ["w"]:
            axis, notes = w2_axis(results, whole, who)
            panel.axes.append(axis)
    return notes
