"""The lr range test: hundreds of rates at once, a cursor along them, and one key to apply one."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, cast

import numpy as np
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.reactive import reactive
from textual.screen import Screen
from textual.validation import ValidationResult, Validator
from textual.widgets import Input, Static
from textual_plotext import PlotextPlot
from textual_plotext.plot import Plot

from tui.app.frames import PacedFrames
from tui.app.keys import bound_key, key
from tui.app.messages import Replied
from tui.app.screens.dismissal import DismissedOnce
from tui.app.screens.sweep_theory import TheoryMarks, plane_theory_of_sweep, theory_marks
from tui.app.widgets.chart import log_ticks
from tui.app.widgets.chart_legend import rich_color
from tui.app.widgets.footer import FittedFooter
from tui.app.widgets.ordered_input import OrderedInput
from tui.engine.plane_quadratic import LocalHessian
from tui.engine.protocol import EngineReady, RunDone
from tui.engine.spec import ParameterError, parse_number
from tui.engine.sweep import Sweep, log_rates, suggest, summarize, sweep_specs
from tui.engine.theory import Theory
from tui.i18n import msg, t
from tui.model.params import Params

if TYPE_CHECKING:
    from tui.app.app import ExplorerApp

#: The legend's glyph for the rates' points (plotext's braille marker).
BRAILLE_GLYPH = "⢕"

METRICS = ("final-loss", "steps")
"""What the sweep plots against lr: the final loss, or the steps to the tolerance."""

#: The characters a range field takes. One character class, checked in linear time: Textual
#: 8.2.8's ``Input(type="number")`` checks every key against a regex with nested quantifiers
#: that backtracks exponentially (``"1" * 20 + "a"`` took 21 s, freezing the app).
NUMBER_CHARACTERS = r"[-+.0-9eE_ ]*"


class FiniteNumber(Validator):
    """A finite number, read as the sweep reads it (:func:`~tui.engine.spec.parse_number`,
    that is ``float``): never Textual's ``Number`` regex."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name
        """The catalogue key of the field's name, for the failure's words."""

    def validate(self, value: str) -> ValidationResult:
        """Valid if ``value`` is a finite number."""
        try:
            parse_number(t(self.name), value)
        except ParameterError as err:
            return self.failure(str(err), value)
        return self.success()


def _named(err: ParameterError) -> str:
    """What is wrong with the range fields, named as the screen names them: the engine names
    the pair ``range`` and the count ``count``; a field that is no number names itself."""
    if err.name == "range":
        return t("sweep.range", why=err.reason)
    if err.name == "count":
        return str(ParameterError(t("sweep.sweep-count"), err.reason))
    return str(err)


#: The suggestions: their name in :class:`~tui.engine.sweep.Suggestions`, their binding's id,
#: and the catalogue key of their words in the readout.
SUGGESTIONS = (
    ("best", "sweep-best", "sweep.best"),
    ("steepest", "sweep-steepest", "sweep.steepest"),
    ("min_over_10", "sweep-min10", "sweep.min10"),
)


class SweepScreen(DismissedOnce, PacedFrames, Screen[float | None]):
    """Final loss (or steps to the tolerance) against lr, log-spaced; dismissed with a rate."""

    BINDINGS = [
        key("left", "move(-1)", "sweep-left"),
        key("right", "move(1)", "sweep-right"),
        key("shift+left", "move(-10)", "sweep-left-10", show=False),
        key("shift+right", "move(10)", "sweep-right-10", show=False),
        key("a,enter", "apply", "sweep-apply"),
        key("m", "metric", "sweep-metric"),
        key("b", "suggestion('best')", "sweep-best", show=False),
        key("g", "suggestion('steepest')", "sweep-steepest", show=False),
        key("t", "suggestion('min_over_10')", "sweep-min10", show=False),
        key("escape", "back", "sweep-back"),
    ]

    metric: reactive[str] = reactive(METRICS[0])
    """What is plotted against lr."""
    cursor: reactive[int] = reactive(0)
    """The index of the rate under the cursor."""

    def __init__(self, params: Params, theory: Theory | None) -> None:
        super().__init__()
        self.params = params
        self.theory = theory
        """The theory of a loss of ``w`` (the explorer's); a loss of w1 and w2 gets its own from
        the sweep's reply (:attr:`marks`)."""
        self.marks = TheoryMarks()
        """The theory's lines and words, made when the sweep's results arrive."""
        self.sweep: Sweep | None = None
        self._asked: np.ndarray | None = None  # the rates of the newest request
        self._request = 0  # its id (0 while it waits for the engine)

    @property
    def explorer_app(self) -> ExplorerApp:
        """The app, typed (``textual.getters.app`` would import the app module here)."""
        return cast("ExplorerApp", self.app)

    def compose(self) -> ComposeResult:
        """Range fields, the plot, the readout and the footer."""
        with Horizontal(id="sweep-range"):
            for name, value in (("sweep-low", "1e-4"), ("sweep-high", "2"), ("sweep-count", "200")):
                field = OrderedInput(  # its keys in the order typed: Textualize/textual#6605
                    value,
                    id=name,
                    restrict=NUMBER_CHARACTERS,
                    validators=[FiniteNumber(f"sweep.{name}")],
                    select_on_focus=False,
                )
                field.border_title = t(f"sweep.{name}")
                yield field
        yield PlotextPlot(id="sweep-chart")
        yield Static(id="sweep-legend")
        yield Static(t("sweep.running"), id="sweep-info")
        yield FittedFooter()

    def on_mount(self) -> None:
        """Ask for the sweep at once; the chart takes the focus so the arrows move the cursor."""
        self.query_one("#sweep-chart").can_focus = True
        self.query_one("#sweep-chart").focus()
        self.request()

    def request(self) -> None:
        """Send the sweep the range fields describe, or say what is wrong with them."""
        info = self.query_one("#sweep-info", Static)
        try:
            low = parse_number(t("sweep.sweep-low"), self.query_one("#sweep-low", Input).value)
            high = parse_number(t("sweep.sweep-high"), self.query_one("#sweep-high", Input).value)
            count = parse_number(
                t("sweep.sweep-count"), self.query_one("#sweep-count", Input).value
            )
            if count != int(count):
                raise ParameterError(t("sweep.sweep-count"), msg("sweep.whole"))
            lrs = log_rates(low, high, int(count))
        except ParameterError as err:
            info.update(Text(_named(err), style="bold red"))
            return
        info.update(t("sweep.running"))
        self._asked = lrs
        self._send()

    def _send(self) -> None:
        """Send the rates last asked for, in one engine call; while the engine is restarting
        nothing is sent (the request is 0), and they are sent once it has loaded."""
        if self._asked is None:
            return
        params = self.params
        specs = sweep_specs(params.spec, self._asked)
        self._request = self.explorer_app.submit(self, specs, params.loss, params.tol)

    @on(Replied)
    def _replied(self, event: Replied) -> None:
        """The engine has loaded (send what waits), or answered this screen's newest request."""
        reply = event.reply
        if isinstance(reply, EngineReady):
            self._send()
        elif isinstance(reply, RunDone) and reply.request_id == self._request:
            assert self._asked is not None  # a request was sent for them
            self.marks = self._theory_marks(reply.hessian)
            self.show(summarize(self._asked, reply.results, self.params.tol))

    def _theory_marks(self, hessian: LocalHessian | None) -> TheoryMarks:
        """The theory's lines and words: a loss of w1 and w2's from its parameters and, if it is
        not quadratic, the engine's Hessian at the starts (``hessian``, from the reply)."""
        plane = plane_theory_of_sweep(self.params, hessian)
        return theory_marks(self.params, self.theory, plane, colored=not self.app.no_color)

    @on(Input.Changed)
    def _range_changed(self) -> None:
        self.request()

    def show(self, sweep: Sweep) -> None:
        """Show a finished sweep; the cursor starts at the best measured rate."""
        self.sweep = sweep
        best = suggest(sweep).best
        self.cursor = sweep.result_index(best) if best is not None else 0
        self.replot()

    def watch_metric(self) -> None:
        """Redraw with the other metric."""
        self.replot()

    def watch_cursor(self) -> None:
        """Redraw the cursor and its readout."""
        self.replot()

    def replot(self) -> None:
        """Draw the sweep with the cursor, the critical and optimal rates, and the readout."""
        chart = self.query_one("#sweep-chart", PlotextPlot)
        sweep = self.sweep
        if sweep is None:
            return
        chart._plot = Plot()  # a fresh figure: plotext 5.3 leaves old ticks behind
        plt = chart.plt
        x = np.log10(sweep.lrs)
        zero = np.zeros(x.shape, bool)
        if self.metric == METRICS[0]:
            raw = sweep.final_loss.astype(np.float64)
            keep = np.isfinite(raw) & (raw > 0)
            zero = raw == 0
            y = np.log10(np.where(keep, raw, 1.0))
            label = t("sweep.legend.loss")
            if (np.isfinite(raw) & (raw < 0)).any():
                label += t("sweep.legend.negative")
        else:
            y = sweep.steps_to_tol.astype(np.float64)
            keep = y >= 0
            label = t("sweep.legend.steps", tol=sweep.tol)
        # The legend is a line under the plot, not plotext's (which sat on the first points).
        entries: list[tuple[str, str, str]] = []
        if keep.any():
            plt.scatter(x[keep].tolist(), y[keep].tolist(), marker="braille", color="cyan")
            entries.append((BRAILLE_GLYPH, "cyan", label))
        if self.metric == METRICS[0] and (keep.any() or zero.any()):
            low = float(y[keep].min()) if keep.any() else 0.0
            high = float(y[keep].max()) if keep.any() else 0.0
            ticks, labels = log_ticks(low, high, most=6) if keep.any() else ([], [])
            if zero.any():
                # A loss of exactly 0 has no logarithm: those rates go on a row of their own,
                # a decade under the smallest loss, marked 0.
                floor = math.floor(low) - 1
                plt.scatter(
                    x[zero].tolist(),
                    [floor] * int(zero.sum()),
                    marker="0",
                    color="green",
                )
                entries.append(("0", "green", t("sweep.legend.zero")))
                ticks, labels = [floor, *ticks], ["0", *labels]
                y = np.where(zero, floor, y)
            plt.yticks(ticks, labels)
        ticks, labels = log_ticks(float(x.min()), float(x.max()), most=8)
        plt.xticks(ticks, labels)
        # The axis spans every rate swept, whichever rates have a point in this metric (the
        # steps to the tolerance exist only where a run converged: plotext would fit the axis
        # to those and show a single tick).
        plt.xlim(float(x.min()), float(x.max()))
        marks = self._mark_suggestions(plt, x, y, keep | zero, chart.size.width)
        if marks:
            entries.append((" ".join(marks), "magenta+", t("sweep.legend.suggestion")))
        plt.xlabel(t("plot.lr_log"))
        for rate, color, words in self.marks.lines:
            if sweep.lrs[0] <= rate <= sweep.lrs[-1]:
                plt.vline(math.log10(rate), color)
                entries.append(("│", color, words))
        plt.vline(float(x[self.cursor]), "orange")
        entries.append(("│", "orange", t("sweep.legend.cursor", lr=float(sweep.lrs[self.cursor]))))
        chart.refresh()
        self.query_one("#sweep-legend", Static).update(self._legend(entries))
        self.query_one("#sweep-info", Static).update(self._readout(sweep))

    def _mark_suggestions(
        self, plt: Any, x: np.ndarray, y: np.ndarray, drawn: np.ndarray, width: int
    ) -> list[str]:
        """Label each suggestion on the curve, as lr finders mark theirs: its key at the point
        of the swept rate nearest to it (where that rate has a point in the metric shown), and
        its rate just right of it, so that the mark hides no other point than its own. No
        words: plotext places text by characters, so a Chinese word would shift the frame (the
        readout says which key is which suggestion). Return the marks drawn."""
        sweep = self.sweep
        assert sweep is not None
        picks = suggest(sweep)
        marks: list[str] = []
        column = (float(x.max()) - float(x.min())) / max(1, width - 10)  # one cell, about
        for name, binding, _ in SUGGESTIONS:
            rate = getattr(picks, name)
            if rate is None:
                continue
            i = sweep.result_index(rate)
            if not drawn[i]:
                continue
            shown = self._key_of(binding)
            at = float(x[i]), float(y[i])
            plt.scatter([at[0]], [at[1]], marker=shown[:1], color="magenta+", style="bold")
            marks.append(shown[:1])
            plt.text(
                f"{rate:.3g}",
                at[0] + column,
                at[1],
                color="magenta+",
                background="default",
                alignment="left",
            )
        return marks

    def _legend(self, entries: list[tuple[str, str, str]]) -> Text:
        """The legend line: each series' or line's glyph in its colour (none under
        ``NO_COLOR``, as the plot), then what it is; the lines give their rates, which tell them
        apart where colours do not."""
        line = Text()
        for glyph, color, words in entries:
            if line:
                line.append("   ")
            line.append(glyph, style=rich_color(color, self.app.no_color))
            line.append(" " + words)
        return line

    def _key_of(self, binding_id: str) -> str:
        """The key bound to ``binding_id`` as the user sees it (their keymap applied)."""
        return bound_key(self.app, binding_id)

    def _readout(self, sweep: Sweep) -> str:
        i = self.cursor
        steps = int(sweep.steps_to_tol[i])
        picks = suggest(sweep)
        lines = [
            t(
                "sweep.cursor",
                lr=sweep.lrs[i],
                loss=float(sweep.final_loss[i]),
                tol=sweep.tol,
                steps=t("sweep.never") if steps < 0 else steps,
                outcome=sweep.outcomes[i].label,
                apply=self._key_of("sweep-apply"),
                left=self._key_of("sweep-left"),
                right=self._key_of("sweep-right"),
                metric=self._key_of("sweep-metric"),
            )
        ]
        found = [
            t(words, lr=rate, key=self._key_of(binding))
            for name, binding, words in SUGGESTIONS
            if (rate := getattr(picks, name)) is not None
        ]
        line = t("sweep.found", found=t("sweep.comma").join(part for part in found if part))
        lines.append(line + self.marks.words)
        return "\n".join(lines)

    def action_move(self, delta: int) -> None:
        """Move the cursor along the rates."""
        if self.sweep is not None:
            self.cursor = max(0, min(len(self.sweep.lrs) - 1, self.cursor + delta))

    def action_metric(self) -> None:
        """Plot the other metric."""
        self.metric = METRICS[(METRICS.index(self.metric) + 1) % len(METRICS)]

    def action_apply(self) -> None:
        """Back to the explorer with the rate under the cursor."""
        if self.sweep is not None:
            self.dismiss(float(self.sweep.lrs[self.cursor]))

    def action_suggestion(self, name: str) -> None:
        """Back to the explorer with suggestion ``name`` (``best``, ``steepest``,
        ``min_over_10``), if the sweep has one."""
        if self.sweep is None:
            return
        rate = getattr(suggest(self.sweep), name, None)
        if rate is not None:
            self.dismiss(float(rate))

    def action_back(self) -> None:
        """Back to the explorer, rate unchanged."""
        self.dismiss(None)
