"""Textual's command palette, made safe under fast keys and in a tiny window.

Textual 8.2.8's :class:`~textual.command.CommandPalette` crashes the app in two ways that a
user with a keyboard can reach (both reproduced in ``tests/test_palette.py``):

- ``pageup``/``pagedown`` with a highlighted command while the list has no height (a window
  a few rows high, or the list not laid out yet) raise ``KeyError`` in
  ``OptionList._move_page``: it reads ``_index_to_line``, which stays empty until the list
  has a content region;
- a command chosen twice before the palette is gone (enter pressed again at once, both keys
  already queued at its input) runs the command twice and dismisses the palette twice: the
  second ``dismiss()`` raises ``ScreenStackError`` (or pops the screen under the palette);
- a search still under way when the palette closes (a letter, then escape at once) shows its
  results in a list that is gone: ``_watch__list_visible`` raises ``NoMatches`` in the
  search's worker, which Textual turns into a crash.
"""

from __future__ import annotations

from textual import on
from textual.command import CommandList, CommandPalette
from textual.widgets import Button, Input, OptionList

from tui.app.frames import PacedFrames
from tui.app.screens.dismissal import DismissedOnce

#: The command list's actions that page through it (those Textual 8.2.8 cannot do unlaid out).
_PAGING = {"page_up", "page_down"}


class SafeCommandPalette(DismissedOnce, PacedFrames, CommandPalette):
    """The command palette, without the crashes of Textual 8.2.8's own (module docstring)."""

    def _watch__list_visible(self) -> None:
        """Show or hide the list, unless the palette's widgets are gone (it has closed)."""
        if not self.query(CommandList):
            # Textual 8.2.8: query_one(CommandList) raises NoMatches in the search's worker.
            return
        super()._watch__list_visible()

    def _action_command_list(self, action: str) -> None:
        """Pass ``action`` on to the command list; paging does nothing while it has no height."""
        if action in _PAGING and not self.query_one(CommandList).scrollable_content_region:
            # Textual 8.2.8: OptionList._move_page raises KeyError here (nothing to page).
            return
        super()._action_command_list(action)

    @on(Input.Submitted)
    @on(Button.Pressed)
    @on(OptionList.OptionSelected)
    def _drop_once_closed(
        self, event: Input.Submitted | Button.Pressed | OptionList.OptionSelected
    ) -> None:
        """A choice that reaches the palette once it is closed is dropped, before Textual's
        handlers (``prevent_default`` stops the handlers of the classes above this one)."""
        if not self.is_active:
            event.stop()
            event.prevent_default()
