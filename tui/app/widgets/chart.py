"""The chart pane: loss, w and lr against the step, drawn with textual-plotext.

What it draws of the runs is in :mod:`~tui.app.widgets.chart_points`, laid out as the panels
of :mod:`~tui.app.widgets.chart_panels`, with ticks from :mod:`~tui.app.widgets.chart_axes`
and the lines under the plot (notes and legend) from :mod:`~tui.app.widgets.chart_legend`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from rich.text import Span, Text
from textual.app import RenderResult
from textual.cache import LRUCache
from textual.geometry import Region
from textual.reactive import reactive
from textual.strip import Strip
from textual.visual import Visual, visualize
from textual_plotext import PlotextPlot
from textual_plotext.plot import Plot

from tui.app.widgets.chart_ansi import rows_from_matrix
from tui.app.widgets.chart_axes import RUN_STYLES, Style, linear_ticks, padded, pin_style
from tui.app.widgets.chart_landscape import LandscapePanel, draw_landscape, landscape_panel
from tui.app.widgets.chart_legend import left_out_notes, under_plot
from tui.app.widgets.chart_panels import Axis, Curve, Panel
from tui.app.widgets.chart_points import (
    Blocks,
    LeftOut,
    line_points,
    path_points,
    scatter_points,
    spans,
    thin,
)
from tui.app.widgets.chart_strips import row_strip
from tui.app.widgets.chart_w2 import with_w2
from tui.app.widgets.plotext_lines import install as install_plotext_lines
from tui.engine.losses import LossExpr, parse_loss
from tui.engine.result import RunResult
from tui.engine.theory import loss_curve
from tui.i18n import t
from tui.model.pins import Pin
from tui.model.views import default_view, views_for

install_plotext_lines()  # plotext's lines and braille characters, the same cells in NumPy


def log_ticks(low: float, high: float, most: int = 6) -> tuple[list[float], list[str]]:
    """At most ``most`` tick positions (log10 values) and labels (``1e-3``) over low..high.

    plotext drops ticks that collide on one row, and which one it drops is not stable, so the
    caller asks for no more ticks than the plot has rows for.
    """
    first, last = math.ceil(low), math.floor(high)
    if last <= first:  # less than a decade: label the ends instead
        ends = [low, high] if high > low else [low]
        return ends, [_compact_number(10**value) for value in ends]
    stride = max(1, math.ceil((last - first) / max(1, most - 1)))
    ticks = list(range(first, last + 1, stride))
    return [float(t) for t in ticks], [f"1e{t}" for t in ticks]


#: A row of the chart's picture as it is compared with the last one's: its text and spans.
RowKey = tuple[str, tuple[Span, ...]]

#: The lines of rows kept: those of the last few pictures.
ROW_LINES = 512


def _listed(xy: tuple[np.ndarray, np.ndarray]) -> tuple[list[float], list[float]]:
    """Points as the lists plotext takes."""
    return xy[0].tolist(), xy[1].tolist()


def _compact_number(value: float) -> str:
    """``value`` to two significant digits, as short as it goes: ``36``, ``0.42``, ``3.6e-5``."""
    text = f"{value:.2g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        return f"{mantissa}e{int(exponent)}"
    return text


# mypy sees PlotextPlot as Any (textual-plotext is skipped, see pyproject.toml), so not the
# can_focus argument Widget takes.
class DescentChart(PlotextPlot, can_focus=True):  # type: ignore[call-arg]
    """The run's curves; ``view`` picks which, ``log_loss`` puts the loss on a log scale.

    The legend and the notes on points left out are lines of this widget under the plot, not
    plotext's legend: that one sat on the first points of every run (the top left corner, where
    a descent starts) and grew a line per series.
    """

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
        self.count = 1
        """How many parameters the loss shown has: which views it has (``views_for``)."""
        self._rendered: tuple[tuple[object, ...], RenderResult] | None = None
        self._strips: list[tuple[RenderResult, tuple[object, ...], list[Strip]]] = []
        self._drawing: list[Strip] | None = None
        """The picture's lines while :meth:`render_lines` draws them."""
        self._rows: tuple[RenderResult, list[Text]] | None = None
        """The last picture built and its rows (the plot's, then the lines under it)."""
        self._row_lines: LRUCache[tuple[tuple[object, ...], int, RowKey], Strip] = LRUCache(
            ROW_LINES
        )
        """The lines of the rows drawn lately, by size and style, place and row."""
        self._whole: dict[str, tuple[float, float]] = {}
        self._whole_runs: list[RunResult] = []
        self._blocks: list[Blocks] = []
        self._results: list[tuple[Pin | None, RunResult]] = []
        self._left_out: list[LeftOut] = []
        self._whole_left_out: list[LeftOut] = []
        self.panels: list[Panel] = []
        """What the plot draws, built by :meth:`replot` (the current run first, then pins)."""
        self.notes: list[str] = []
        """One line per series with points left out: which, how many and why."""
        self.note = ""
        """The notes in one line."""

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
            self._whole = spans(whole)
            self._blocks = [Blocks(run) for run in whole]
            self._whole_left_out = [LeftOut(run) for run in whole]
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
            self._points = thin(result)
            self._pin_points = [(pin, thin(run)) for pin, run in drawn]
        self._results = [(None, result), *drawn]
        runs = [run for _, run in self._results]
        self._left_out = self._whole_left_out if whole else [LeftOut(run) for run in runs]
        self.loss_expr = parse_loss(result.loss_expr)
        count = len(self.loss_expr.params)
        if count != self.count:
            # A loss of two opens on the landscape, of one on loss and w; a view chosen (a
            # session's) that the new loss has too stays.
            opened = self.view == default_view(self.count)
            self.count = count
            if opened or self.view not in views_for(count):
                self.set_reactive(DescentChart.view, default_view(count))
        self._path = path_points(result)
        self._pin_paths = [(pin, path_points(run)) for pin, run in drawn]
        self.replot()

    def render(self) -> RenderResult:
        """The plot with its legend and notes under it; at sizes plotext cannot draw, a short
        note instead of a crash.

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
        width, height = self.size.width, self.size.height
        lines = under_plot(
            self.notes,
            self.panels,
            width,
            height,
            console=self.app.console,
            warning=self.app.theme_variables.get("warning", "yellow"),
            no_color=self.app.no_color,
        )
        try:
            plot = self._build(width, height - len(lines))
        except Exception as err:  # noqa: BLE001 - plotext may fail at odd sizes; keep the app
            return Text(t("chart.failed", why=err), no_wrap=True, overflow="ellipsis")
        rows = [*plot, *lines]
        rendered = Text("\n").join(rows)
        self._rendered = (key, rendered)
        self._rows = (rendered, rows)
        return rendered

    def render_lines(self, crop: Region) -> list[Strip]:
        """The lines in ``crop``, the picture's lines looked up once for them all (each line
        looked them up, asking the widget's size, theme and style again)."""
        self._drawing = self._lines()
        try:
            return super().render_lines(crop)
        finally:
            self._drawing = None

    def render_line(self, y: int) -> Strip:
        """Line ``y`` of :meth:`render`'s picture, as Textual draws it.

        Textual 8.2.8 turns a widget's picture into lines anew at every repaint (a change of
        focus repaints the chart: its tint follows the focus), which costs as much as drawing
        it. The lines of the last few pictures and styles are kept instead."""
        strips = self._lines() if self._drawing is None else self._drawing
        if y < len(strips):
            return strips[y]
        return Strip.blank(self.size.width, self.visual_style.rich_style)

    def _lines(self) -> list[Strip]:
        """The lines of the picture at the current size and style (made as Textual makes
        them: ``Visual.to_strips``)."""
        picture = self.render()
        style = self.visual_style
        key = (self.size, style, self.text_selection)
        for made, made_key, strips in self._strips:
            if made is picture and made_key == key:
                return strips
        width, height = self.size
        rows = self._rows[1] if self._rows is not None and self._rows[0] is picture else None
        styles = self.styles
        # Row by row only where a line is a row (none wraps) and nothing else moves them.
        if (
            rows is not None
            and len(rows) <= height
            and self.text_selection is None
            and styles.content_align == ("left", "top")
            and styles.text_align in ("left", "start")
            and styles.line_pad == 0
            and all(row.cell_len <= width for row in rows)
        ):
            lines = self._lines_by_row(rows, key)
        else:
            visual = visualize(self, picture, markup=self._render_markup)
            lines = Visual.to_strips(self, visual, width, height, style)
        self._strips = [(picture, key, lines), *self._strips[:3]]
        return lines

    def _lines_by_row(self, rows: list[Text], key: tuple[object, ...]) -> list[Strip]:
        """The picture's lines, made only for the rows not drawn lately at the same place, size
        and style (the others are the lines made then): a new run moves some of the curves,
        its ticks and notes, and leaves the frame, the axes, the legend and the rows of a
        settled run as they were; a key back to an earlier rate draws its picture again.
        A row missing is made alone, as Textual makes that line of the picture
        (:func:`~tui.app.widgets.chart_strips.row_strip`)."""
        cache = self._row_lines
        style = self.visual_style
        app = self.app
        lines = []
        for y, row in enumerate(rows):
            row_key = (key, y, (row.plain, tuple(row.spans)))
            line = cache.get(row_key)
            if line is None:
                line = cache[row_key] = row_strip(row, y, style, app)
            lines.append(line)
        return lines

    def watch_view(self) -> None:
        """Redraw in the new view (a view the loss has not: in the loss's first view)."""
        if self.view not in views_for(self.count):
            self.view = default_view(self.count)
            return
        self.replot()

    def watch_log_loss(self) -> None:
        """Redraw on the new scale."""
        self.replot()

    def replot(self) -> None:
        """Lay out what the current result (and the pins) show in the current view, and the
        notes on what they cannot show; the plot itself is built when it is drawn, at the
        size it is drawn at (its ticks depend on it)."""
        self._version += 1
        self.panels = []
        self.notes = []
        if not self._points:
            self.note = ""
            self.refresh()
            return
        if self.view == "all":
            self.panels = [Panel([self._axis(name)]) for name in ("loss", "w", "lr")]
        elif self.view == "path":
            self.panels = [self._path_panel()]
        elif self.view == "landscape" and self.loss_expr is not None:
            landscape, notes = landscape_panel(
                self.loss_expr, self._results, self._whole_runs, self._who
            )
            self.panels, self.notes = [landscape], notes
        elif self.view == "loss+w":
            self.panels = [Panel([self._axis("loss"), self._axis("w", yside="right")])]
        else:
            self.panels = [Panel([self._axis(self.view)])]
        if self.count == 2:  # w is w1: w2 beside it
            self.notes += with_w2(self.panels, self._results, self._whole_runs, self._who)
        for panel in self.panels:
            if panel.steps:
                steps = self._whole.get("steps", (1.0, 1.0))[1] if self._whole else 1.0
                longest = max([steps, *(float(len(run.w)) for _, run in self._results)])
                panel.xspan = (1.0, longest)
            if any(axis.name == "lr" for axis in panel.axes):
                panel.rates = self.marked_rates
        self.note = "; ".join(self.notes)
        self.refresh()

    def _who(self, pin: Pin | None) -> tuple[str, str]:
        """The legend's long and short name of the current run (``pin`` None) or a pin."""
        if pin is None:
            name = t("chart.legend.run")
            return name, name
        return pin.label, f"#{pin.number}"

    def _axis(self, name: str, yside: str = "left") -> Axis:
        """Series ``name`` of the run and each pin, with the notes on the points left out."""
        column = {"w": 1, "loss": 2, "lr": 3}[name]
        log = name == "loss" and self.log_loss
        runs: list[tuple[Pin | None, list[np.ndarray]]] = [(None, self._points)]
        runs += self._pin_points
        curves: list[Curve] = []
        for (pin, points), (_, result), left_out in zip(
            runs, self._results, self._left_out, strict=True
        ):
            style = RUN_STYLES[name] if pin is None else pin_style(pin, name)
            who, short = self._who(pin)
            shown = "w1" if name == "w" and self.count == 2 else name  # w is w1 of two
            series = shown if pin is None else f"#{pin.number} {shown}"
            self.notes += left_out_notes(left_out, len(result.w), log, name, series)
            x, y = points[0], points[column]
            keep = np.isfinite(y) & (y > 0) if log else np.isfinite(y)
            y = np.log10(y[keep]) if log else y[keep]
            curves.append(Curve(x[keep], y, style, who, short))
        span = self._whole.get(f"log {name}" if log else name) if self._whole else None
        heading = t("chart.legend.log", name=name) if log else name
        return Axis(heading, curves, yside, log, span)

    def _path_panel(self) -> Panel:
        """The loss as a function of w, with each iterate of the run (and the pins) on it."""
        paths: list[tuple[Pin | None, np.ndarray]] = [(None, self._path), *self._pin_paths]
        curves: list[Curve] = []
        for pin, path in paths:
            keep = np.isfinite(path[:, 0]) & np.isfinite(path[:, 1])
            left = int(len(path) - np.count_nonzero(keep))
            who, short = self._who(pin)
            if left:
                series = who if pin is None else short
                self.notes.append(
                    t("chart.path_not_drawn", series=series, count=left, total=len(path))
                )
            style = RUN_STYLES["path"] if pin is None else pin_style(pin, "path")
            curves.append(Curve(path[keep, 0], path[keep, 1], style, who, short, scatter=True))
        panel = Panel([Axis("path", curves)], steps=False, xlabel="w")
        ws = np.concatenate([curve.x for curve in curves])
        if self.loss_expr is None or not ws.size:
            return panel
        low, high = float(ws.min()), float(ws.max())
        margin = max((high - low) * 0.1, 1e-3 * max(1.0, abs(high)))
        grid = np.linspace(low - margin, high + margin, 200)
        curve = np.array(loss_curve(self.loss_expr, grid.tolist()))
        keep = np.isfinite(curve)
        panel.background = Curve(grid[keep], curve[keep], RUN_STYLES["loss"], "loss(w)", "loss(w)")
        panel.xspan = (float(grid[keep].min()), float(grid[keep].max())) if keep.any() else None
        return panel

    def _build(self, width: int, rows: int) -> list[Text]:
        """The plot of :attr:`panels`, ``width`` by ``rows`` cells, as a text per row."""
        # plotext 5.3's clear_figure() leaves subplots' ticks behind (log labels of one view
        # showed up in the next), so every build starts from a new figure.
        self._plot = plt = Plot()
        plt.plotsize(width, rows)
        plt._set_size(width, rows)  # as textual-plotext's render does (its issue #5)
        if len(self.panels) > 1:
            plt.subplots(len(self.panels), 1)
        for row, panel in enumerate(self.panels, start=1):
            # Draw on the subplot object itself: the figure's own methods would all land on
            # one of them.
            target = plt.subplot(row, 1) if len(self.panels) > 1 else plt
            self._draw(target, panel, width, rows // len(self.panels))
        plt.theme(self._get_plotext_theme_name(self.app.theme))
        # plt.build() less its canvas: the cells are read as text directly (chart_ansi).
        plt._set_sizes()
        plt._build_matrix()
        return rows_from_matrix(plt.monitor.matrix)

    def _color(self, style: Style) -> str | int:
        """``style``'s colour; under ``NO_COLOR`` none: Textual 8.2.8 would turn each colour
        into a grey as dark as its colour (a red pin nearly black on a dark theme), and the
        markers tell the series apart."""
        return "default" if self.app.no_color else style.color

    def _draw(self, plt: Plot, panel: Panel, width: int, rows: int) -> None:
        """Draw ``panel`` on ``plt``, ``rows`` tall, with ticks of our own on every axis."""
        if isinstance(panel, LandscapePanel):
            draw_landscape(plt, panel, width, rows, self._color)
            return
        # plotext is given only the points that draw something (chart_points.line_points).
        if panel.background is not None:
            back = panel.background
            plt.plot(
                *_listed(line_points(back.x, back.y)),
                color=self._color(back.style),
                marker="braille",
            )
        for axis in panel.axes:
            for index, curve in enumerate(axis.curves):
                if not curve.x.size:
                    continue
                color, marker = self._color(curve.style), curve.style.marker
                if curve.scatter:
                    if index == 0:  # the current run's zigzag, in thin lines under its points
                        plt.plot(
                            *_listed(line_points(curve.x, curve.y)), color=color, marker="braille"
                        )
                    plt.scatter(
                        *_listed(scatter_points(curve.x, curve.y)), color=color, marker=marker
                    )
                else:
                    xy = _listed(line_points(curve.x, curve.y))
                    plt.plot(*xy, color=color, marker=marker, yside=axis.yside)
        usable = max(1, rows - 3)  # the frame and the x axis' ticks
        most_y = max(2, min(8, usable // 2 + 1))
        for axis in panel.axes:
            ys = [curve.y for curve in axis.curves if curve.y.size]
            if not ys:
                continue
            low = min(float(y.min()) for y in ys)
            high = max(float(y.max()) for y in ys)
            if axis.span is not None:
                low, high = min(low, axis.span[0]), max(high, axis.span[1])
            if panel.background is not None:
                low = min(low, float(panel.background.y.min()))
                high = max(high, float(panel.background.y.max()))
            if panel.rates:  # the critical and optimal rates' lines stay on the plot
                low = min(low, *panel.rates.values())
                high = max(high, *panel.rates.values())
            bottom, top = padded(low, high)
            plt.ylim(bottom, top, yside=axis.yside)
            if axis.log:
                ticks, labels = log_ticks(low, high, most=most_y)
            else:
                ticks, labels = linear_ticks(bottom, top, most_y)
            plt.yticks(ticks, labels, yside=axis.yside)
        if panel.xspan is not None:
            left, right = panel.xspan
            if panel.steps:
                left, right = (left - 0.5, right + 0.5) if right <= left else (left, right)
                ticks, labels = linear_ticks(left, right, max(2, min(10, width // 10)), whole=True)
            else:
                left, right = padded(left, right, 0.0)
                ticks, labels = linear_ticks(left, right, max(2, min(8, width // 12)))
            plt.xlim(left, right)
            plt.xticks(ticks, labels)
        if panel.xlabel:
            plt.xlabel(panel.xlabel)
        if panel.rates and panel.xspan is not None:
            for (label, rate), color in zip(panel.rates.items(), ("red", "green"), strict=False):
                plt.hline(rate, color)
                # At the right end of the steps, where a descent has settled.
                plt.text(label, panel.xspan[1], rate, color=color, alignment="right")
