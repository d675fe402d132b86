"""The lines under the chart's plot: the notes on the points it leaves out (which series, how
many and why), then the legend (each series' heading, and each run's glyph in its colour and
name).

They are lines of the chart under the plot, not plotext's legend: that one sat on the first
points of every run (the top left corner, where a descent starts) and grew a line per series.
"""

from __future__ import annotations

from collections.abc import Sequence

from plotext._dict import color_codes as PLOTEXT_COLORS
from rich.console import Console
from rich.text import Text

from tui.app.widgets.chart_panels import Curve, Panel
from tui.app.widgets.chart_points import LeftOut
from tui.i18n import t

#: The plot keeps at least this many rows before a legend or note line is shown.
MIN_PLOT_ROWS = 6
#: At most this many lines of notes under the plot.
NOTE_LINES = 3


def left_out_notes(left_out: LeftOut, total: int, log: bool, name: str, series: str) -> list[str]:
    """The notes on how many of the first ``total`` steps of series ``name`` (called
    ``series`` in the notes) are not drawn, and why: inf/nan, or (``log``) no log."""
    notes: list[str] = []
    bad = left_out.count(name, total)
    nonpositive = left_out.count("loss <= 0", total) if log else 0
    if bad:
        notes.append(t("chart.not_drawn", series=series, count=bad, total=total))
    if nonpositive:
        notes.append(t("chart.log_not_drawn", series=series, count=nonpositive, total=total))
    return notes


def under_plot(
    notes: Sequence[str],
    panels: Sequence[Panel],
    width: int,
    height: int,
    *,
    console: Console,
    warning: str,
    no_color: bool,
) -> list[Text]:
    """The lines under a plot ``height`` rows tall with its lines: the notes first (they say
    what the plot does not show), wrapped at words in ``console``'s way and in the theme's
    ``warning`` colour, then the legend, as many as leave the plot :data:`MIN_PLOT_ROWS` rows;
    notes cut short end in an ellipsis."""
    room = max(0, height - MIN_PLOT_ROWS)
    allowed = min(NOTE_LINES, room - 1)  # a line is kept for the legend
    lines: list[Text] = []
    if allowed > 0:
        style = f"bold {warning}"
        for note in notes:
            lines.extend(Text(note, style=style).wrap(console, width))
        if len(lines) > allowed:
            lines = lines[:allowed]
            lines[-1].truncate(width - 1)
            lines[-1].rstrip()
            lines[-1].append("…")
    return [*lines, *legend(panels, width, room - len(lines), no_color=no_color)]


def legend(panels: Sequence[Panel], width: int, room: int = 99, *, no_color: bool) -> list[Text]:
    """The legend of ``panels`` in at most ``room`` lines of ``width`` cells: a line per series
    name (its heading, then each run's glyph in its colour and name); the pins by number alone
    (as the comparison table shows them) where their full names do not fit; all on one line if
    the lines do not fit."""
    if room <= 0:
        return []
    groups: list[tuple[str, list[Curve]]] = []
    for panel in panels:
        for axis in panel.axes:
            background = [panel.background] if panel.background is not None else []
            groups.append((axis.name, [*background, *axis.curves]))
    lines: list[Text] = []
    for short in (False, True):
        lines = [_legend_line(name, curves, short, no_color) for name, curves in groups]
        if all(line.cell_len <= width for line in lines):
            break
    if len(lines) > room:  # one line: each run's glyphs side by side (loss/w  ⢕/▞ run)
        lines = [_legend_runs(groups, no_color)]
    for line in lines:
        line.truncate(width, overflow="ellipsis")
    return lines[:room]


def _legend_runs(groups: list[tuple[str, list[Curve]]], no_color: bool) -> Text:
    line = Text("/".join(name for name, _ in groups), style="bold")
    for curves in zip(*(curves for _, curves in groups), strict=True):
        line.append("  ")
        for index, curve in enumerate(curves):
            if index:
                line.append("/")
            line.append(curve.style.glyph, style="" if no_color else rich_color(curve.style.color))
        line.append(curves[0].short)
    return line


def _legend_line(name: str, curves: list[Curve], short: bool, no_color: bool) -> Text:
    line = Text(name, style="bold")
    for curve in curves:
        line.append("  ")
        line.append(curve.style.glyph, style=rich_color(curve.style.color, no_color))
        line.append(" " + (curve.short if short else curve.who))
    return line


def rich_color(color: str | int, no_color: bool = False) -> str:
    """A plotext colour as a Rich style (``color(n)``), the same the plot is drawn in (none
    under ``NO_COLOR``, as the plot)."""
    if no_color:
        return ""
    if isinstance(color, int):
        return f"color({color})"
    code = PLOTEXT_COLORS.get(color)
    return f"color({code})" if code is not None else ""
