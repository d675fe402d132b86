"""Screens that dismiss themselves only while they are the one on top.

Textual 8.2.8's ``Screen.dismiss`` pops whichever screen is on top of the stack. A screen still
handles the messages queued for it after it has left the stack, so a second dismiss of the same
screen popped the screen under it: the explorer, and the app crashed (``ScreenStackError``: no
screen left). Found by the random keys in a real terminal: two enters in the session line in one
burst, the second's ``Input.Submitted`` already queued when the first applied the line. Every
screen of ours that closes itself dismisses through this guard (``tests/test_dismissal.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.await_complete import AwaitComplete
from textual.screen import Screen

if TYPE_CHECKING:
    _Screen = Screen[Any]
else:
    # Not a DOMNode at run time: Textual follows a class's first DOMNode base for its styles
    # and component classes, which must stay the screen's own (ModalScreen's).
    _Screen = object


class DismissedOnce(_Screen):
    """A screen whose dismiss does nothing once it is no longer the screen on top (it has been
    dismissed already): put it before the screen's own base."""

    def dismiss(self, result: Any = None) -> AwaitComplete:
        """Textual's dismiss while this screen is on top; else nothing (a finished wait)."""
        if not self.is_active:
            return AwaitComplete()
        return super().dismiss(result)
