"""Plain text inside Textual markup: :func:`escape`, the one way this app quotes a text."""

from __future__ import annotations

__all__ = ["escape"]


def escape(text: str) -> str:
    """``text`` as Textual markup that shows exactly ``text`` (a message, a file name, a formula).

    Textual 8.2.8's markup parser reads ``\\[`` as a literal ``[`` and every other backslash as
    itself, so putting a backslash before every ``[`` is the whole escape. ``rich.markup.escape``
    and ``textual.markup.escape`` (8.2.8, a copy of Rich's) do not fit that parser: they double a
    backslash already before a ``[`` and add one at the end, which Textual then shows, and they
    leave ``[$name]`` (a style variable to Textual) unescaped, so it vanishes.
    """
    return text.replace("[", r"\[")
