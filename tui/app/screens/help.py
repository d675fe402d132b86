"""The help screen (``?`` or ``f1``): the keys, the fields, and what the chart shows."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

from tui.app.frames import PacedFrames
from tui.app.keys import key, page_keys
from tui.app.screens.dismissal import DismissedOnce
from tui.engine.losses import FUNCTIONS
from tui.engine.schedule_formulas import FORMULAS, KERAS_CLASSES, WARMUP_FORMULA
from tui.engine.spec import OPTIMIZERS
from tui.i18n import page, t


def schedule_table() -> str:
    """Every schedule's formula as a Markdown table (T is the steps field)."""
    rows = [t("help.schedule_head"), "|---|---|---|"]
    for kind, text in FORMULAS.items():
        source = f"keras `{KERAS_CLASSES[kind]}`" if kind in KERAS_CLASSES else t("help.lesson")
        rows.append(f"| {kind} | `{text}` | {source} |")
    rows.append(t("help.warmup_row", formula=WARMUP_FORMULA))
    return "\n".join(rows)


class HelpScreen(DismissedOnce, PacedFrames, ModalScreen[None]):
    """A modal page of help; any of escape, q, ? or f1 closes it."""

    BINDINGS = [
        key("escape,q,question_mark,f1", "dismiss", "close-help"),
    ]

    def compose(self) -> ComposeResult:
        """The help text, scrollable."""
        with VerticalScroll(id="help-body"):
            yield Markdown(
                page("help.md").format(
                    **page_keys(self.app),  # the keys as bound (the user's keymap applied)
                    functions=", ".join(f"`{name}`" for name in FUNCTIONS),
                    schedules=schedule_table(),
                    optimizers=", ".join(f"`{name}`" for name in OPTIMIZERS[1:]),
                )
            )
