"""The line under a dialog that says what happened (saved, refused, written, ...)."""

from __future__ import annotations

from textual.widgets import Static

from tui.app.markup import escape


class MessageLine(Static):
    """A dialog's message line: shows a text as it is, styled as an error where it is one."""

    def say(self, text: str, error: bool = False) -> None:
        """Show ``text`` (plain text, not markup); ``error`` gives the line its error style."""
        self.set_class(error, "-error")
        self.update(escape(text))
