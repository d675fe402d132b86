"""An app that holds its input until it says it may go on: the explorer's, whose results pane
mounts once the first frame is out (:mod:`tui.app.screens.results_pane`).

Until then an action on the chart, the log or the pins would find none of them. The keys,
clicks and pastes that come from the terminal in that time (from launch to a few tenths of a
second after the first frame, much less than TensorFlow takes to load; keys typed then waited
for the first frame before) are kept, and go on in the order they came once
:meth:`HoldingApp.release_input` is called. A key the app binds to quit is never held.
"""

from __future__ import annotations

from typing import Any

from textual import events
from textual.app import App


class HoldingApp(App[None]):
    """An app holding its input from the start until :meth:`release_input`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._held: list[events.Event] | None = []
        """The input held so far, in order (``None`` once let go)."""
        self._letting_go = False

    async def on_event(self, event: events.Event) -> None:
        """Keep ``event`` if it is input to hold (:meth:`hold_input`); else Textual's."""
        held = self._held
        if held is not None and self.hold_input(event):
            held.append(event)
            return
        await super().on_event(event)

    def hold_input(self, event: events.Event) -> bool:
        """Whether ``event`` is input to hold: a key, a mouse event or a paste, straight from
        the terminal (none handed on by a widget), but a key the app binds to quit."""
        if not isinstance(event, events.InputEvent | events.Paste) or event.is_forwarded:
            return False
        if isinstance(event, events.Key):
            bindings = self._bindings.key_to_bindings.get(event.key, [])
            return not any(binding.action == "quit" for binding in bindings)
        return True

    @property
    def holding_input(self) -> bool:
        """Whether input is still held."""
        return self._held is not None

    def release_input(self) -> None:
        """Let input go on, in the order it came: the held input is handled one event a turn of
        the app's queue, as it would have been, ahead of anything sent later (which is held
        behind it until then). Posted again instead, it would come after input already
        waiting in the queue; handled all in one turn, a key would act before what the one
        before it had asked for (a focus moved by ``f`` is itself a callback in the queue)."""
        if self._held is not None and not self._letting_go:
            self._letting_go = True
            self.call_later(self._let_go)

    async def _let_go(self) -> None:
        """Handle the first held event, and come back for the next in the next turn; stop
        holding once none is left."""
        held = self._held
        if not held:
            self._held = None
            return
        event = held.pop(0)
        await super().on_event(event)
        self.call_later(self._let_go)
