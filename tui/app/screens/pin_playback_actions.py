"""The explorer's actions on its pins and on its playback, bound to keys in
:mod:`~tui.app.screens.explorer_keys`: pin the run on screen, unpin one or all; play, pause,
step and change the speed.

A mixin of :class:`~tui.app.screens.explorer.ExplorerScreen`: Textual finds an action by its
name on the screen, whichever class of the screen's defines it. What the actions use of the
screen is :class:`Explorer`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from textual.notifications import SeverityLevel

from tui.i18n import t
from tui.model.params import Params
from tui.model.pins import MAX_PINS, Pin, PinBoard

if TYPE_CHECKING:  # (the results pane's: they load after the first frame)
    from tui.app.widgets.pins_table import PinsTable
    from tui.app.widgets.playback import PlaybackBar
    from tui.engine.result import RunResult


class Explorer(Protocol):
    """What the actions use of the explorer screen."""

    board: PinBoard

    @property
    def current(self) -> RunResult | None: ...

    @property
    def params(self) -> Params | None: ...

    @property
    def pins(self) -> list[Pin]: ...

    @property
    def pins_table(self) -> PinsTable: ...

    @property
    def playback(self) -> PlaybackBar: ...

    def show_pins(self) -> None: ...

    def action_focus_chart(self) -> None: ...

    def notify(self, message: str, *, severity: SeverityLevel = ...) -> None: ...


class PinAndPlaybackActions:
    """The pin and playback actions of the explorer screen."""

    def action_pin(self: Explorer) -> None:
        """Pin the run on screen, to compare the next ones with it."""
        if self.current is None or self.params is None:
            self.notify(t("note.nothing_to_pin"), severity="warning")
            return
        if self.board.full:
            self.notify(t("note.too_many_pins", most=MAX_PINS), severity="warning")
            return
        self.board.add(self.params.spec, self.current)
        self.show_pins()

    def action_unpin(self: Explorer, number: int | None = None) -> None:
        """Remove pin ``number``, else the one selected in the table, else the last."""
        if not self.pins:
            return
        if number is None:
            table = self.pins_table
            number = table.selected_number() if table.has_focus else None
        if number is None:
            number = self.pins[-1].number
        self.board.remove(number)
        self.show_pins()
        if not self.pins:
            self.action_focus_chart()

    def action_clear_pins(self: Explorer) -> None:
        """Remove every pin."""
        self.board.clear()
        self.show_pins()

    def action_play(self: Explorer) -> None:
        """Play the run step by step, or pause."""
        self.playback.toggle()

    def action_step(self: Explorer, delta: int) -> None:
        """Pause, and go ``delta`` steps on or back."""
        self.playback.step_by(delta)

    def action_play_start(self: Explorer) -> None:
        """Pause on the first step."""
        self.playback.to_start()

    def action_play_end(self: Explorer) -> None:
        """Stop playback: the whole run again."""
        self.playback.to_end()

    def action_speed(self: Explorer, direction: int) -> None:
        """Play faster (+1) or slower (-1)."""
        self.playback.faster(direction)
