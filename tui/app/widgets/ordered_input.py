"""Our text field: it applies its keys in the order they came, however fast they come, and
shows its text from the start while it does not have the focus.

Textual 8.2.8 (Textualize/textual#6605, open) types a printable key into an ``Input`` at once,
in the field's own ``_on_key``, but a bound key (backspace, the arrows, home and end, ctrl+a,
ctrl+k...) bubbles up to the app first, whose binding check then runs the field's action. When
keys arrive together (a loaded machine, SSH, a pasted run of keys, a classroom server) every
printable key of the burst is typed before any bound key runs: ``ctrl+a ctrl+k 0.02`` left the
field EMPTY (select all and delete came after the digits). :class:`OrderedInput` runs its own
bindings inline instead, in the order the keys arrive, as Textual's proposed fix (PR #6631)
does. A key bound only by an ancestor (tab, ctrl+s...) still takes Textual's way.

Textual 8.2.8's ``Input`` also keeps its view on the cursor once the focus has left, or a value
was set from outside (a preset, a session): "-1.25" typed into w1's five cells showed "1.25", a
start of the other sign. Without the focus the field shows its text from the start; focused
again, the cursor is brought back into view, where typing goes on.
"""

from __future__ import annotations

from textual import events
from textual.geometry import Region
from textual.widgets import Input
from textual.widgets.input import Selection


class OrderedInput(Input):
    """An ``Input`` whose bound keys act in the order typed, shown from the start without the
    focus (see the module's docstring)."""

    def _watch_selection(self, selection: Selection) -> None:
        super()._watch_selection(selection)
        if not self.has_focus:
            self.scroll_to(x=0, animate=False, immediate=True)

    def on_blur(self) -> None:
        """Show the text from its start."""
        self.scroll_to(x=0, animate=False, immediate=True)

    def on_focus(self) -> None:
        """Bring the cursor back into view, where typing goes on."""
        self.scroll_to_region(
            Region(self._cursor_offset, 0, width=1, height=1),
            force=True,
            animate=False,
            immediate=True,
        )

    async def _on_key(self, event: events.Key) -> None:
        if not event.is_printable and await self._run_own_binding(event.key):
            event.stop()
            event.prevent_default()  # done: no Input._on_key, and no binding check on the app

    async def _run_own_binding(self, key: str) -> bool:
        """Run the action this field binds to ``key`` (as the user's keymap binds it), as the
        app's binding check would; whether one ran. Priority bindings are not the field's to
        run: the app checks those before the key reaches any widget."""
        bindings = self._bindings.copy()
        keymap = self.app._keymap
        if keymap:
            bindings.apply_keymap(keymap)
        for binding in bindings.key_to_bindings.get(key, ()):
            if not binding.priority and await self.app.run_action(binding.action, self):
                return True
        return False
