"""What the chart lays out before plotext draws it: panels, their y axes, and the curves on
each (points, style, and their names in the legend)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from tui.app.widgets.chart_axes import Style


@dataclass
class Curve:
    """One series as drawn: its points, style, and its names in the legend (long, short)."""

    x: np.ndarray
    y: np.ndarray
    style: Style
    who: str
    short: str
    scatter: bool = False


@dataclass
class Axis:
    """The series on one y axis of a panel, headed ``name`` in the legend."""

    name: str
    curves: list[Curve]
    yside: str = "left"
    log: bool = False
    span: tuple[float, float] | None = None
    """During playback: the whole runs' range, so that a frame only adds points."""


@dataclass
class Panel:
    """One plot of the figure: its axes, the x range, and what else it draws."""

    axes: list[Axis]
    xspan: tuple[float, float] | None = None
    steps: bool = True
    """Whether x is the step (whole-number ticks)."""
    xlabel: str | None = None
    rates: dict[str, float] = field(default_factory=dict)
    background: Curve | None = None
    """A curve drawn first and named in the legend before the series (the path's loss(w))."""
