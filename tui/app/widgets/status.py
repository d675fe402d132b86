"""The status line: the engine's state, the run's outcome, its final w and loss, its time."""

from __future__ import annotations

from textual.geometry import Size
from textual.widgets import Static

from tui.engine.outcome import Outcome
from tui.engine.result import RunResult
from tui.i18n import t
from tui.readable import readable


def update_text(widget: Static, text: str) -> None:
    """Show ``text`` (markup) in ``widget``, laying the screen out again only if its height
    changes: nothing is done for the same text, and a new one of the same height is only
    redrawn (``Static.update`` lays out the whole screen every time by default).

    Only for a widget as wide as its container gives it: a ``width: auto`` one is updated with
    a layout, as its width follows its text."""
    if text == widget.content:
        return
    width = widget.content_region.width
    rule = widget.styles.width
    if not width or (rule is not None and rule.is_auto):
        widget.update(text)
        return
    nowhere = Size(0, 0)  # a widget that is no container measures its own content only
    before = widget.get_content_height(nowhere, nowhere, width)
    widget.update(text, layout=False)
    if widget.get_content_height(nowhere, nowhere, width) != before:
        widget.refresh(layout=True)


def describe(result: RunResult, timings: bool = True) -> str:
    """One line about ``result``: outcome, final w (or w1 and w2) and its loss, run time
    (Textual markup)."""
    common = {"status": result.status, "loss": readable(float(result.final_loss))}
    if result.w2 is None:
        text = t("result.line", w=readable(float(result.final_w)), steps=len(result.w), **common)
    else:
        w1, w2 = (readable(float(w)) for w in result.final_ws)
        text = t("result.line_two", w1=w1, w2=w2, steps=len(result.w), **common)
    if timings:
        # The backend is an identifier ("xla", "graph"): its words come from the catalogue.
        backend = t(f"result.backend.{result.backend}")
        text += t("result.time", ms=result.seconds * 1000, backend=backend)
    return text


class StatusLine(Static):
    """The line under the panes; its class follows the outcome (converged, diverged, ...).

    One row as a rule; on a narrow screen a long line wraps at words to the next rows."""

    DEFAULT_CSS = """
    StatusLine {
        height: auto;  /* a long line wraps at words rather than being cut at the edge */
        max-height: 3;
        padding: 0 1;
        background: $panel;
        &.-converged { color: $text-success; }
        &.-diverged { color: $text-error; }
        &.-oscillating, &.-stalled, &.-rising { color: $text-warning; }
        &.-busy { color: $text-muted; }
    }
    """

    def show_result(self, result: RunResult, timings: bool = True) -> None:
        """Show a finished run (its run time too, unless ``timings`` is off)."""
        outcome = result.status.outcome
        for name, kind in (
            ("-converged", Outcome.CONVERGED),
            ("-diverged", Outcome.DIVERGED),
            ("-oscillating", Outcome.OSCILLATING),
            ("-stalled", Outcome.STALLED),
            ("-rising", Outcome.RISING),
        ):
            self.set_class(outcome is kind, name)
        self.set_class(False, "-busy")
        self.say(describe(result, timings))

    def show_busy(self, text: str) -> None:
        """Show that something is under way (loading TensorFlow, a long run)."""
        for name in ("-converged", "-diverged", "-oscillating", "-stalled", "-rising"):
            self.set_class(False, name)
        self.set_class(True, "-busy")
        self.say(text)

    def say(self, text: str) -> None:
        """Show ``text`` (markup), laying the screen out again only if the line's height changes.

        A long run's progress arrives ten times a second: laying out the whole screen for each
        (``Static.update`` does by default) made every key pressed meanwhile wait for it."""
        update_text(self, text)
