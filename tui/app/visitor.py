"""Visitor mode (``lr-explorer serve``): an app a browser visitor uses touches nothing on the host.

Its exports and session files are sent to the visitor's browser as downloads (Textual's
``App.deliver_binary``, which textual-serve turns into a download), never written on the host,
and what the visitor chooses (theme, language) is kept for that visitor only: the host's
settings are read at start, never written (see :class:`~tui.app.app.ExplorerApp`).
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

from textual.app import App
from textual.dom import DOMNode

__all__ = ["is_visitor", "send"]


def is_visitor(node: DOMNode) -> bool:
    """Whether ``node`` belongs to a browser visitor's app."""
    from tui.app.app import ExplorerApp  # the screens load after the app: no import cycle

    app = node.app
    return isinstance(app, ExplorerApp) and app.visitor


def send(app: App[Any], files: Mapping[str, bytes]) -> bool:
    """Send each of ``files`` (a file name, its bytes) to the visitor's browser as a download,
    in order; whether every one was sent (the app refuses when no browser is there)."""
    sent = [
        app.deliver_binary(io.BytesIO(data), save_filename=name) for name, data in files.items()
    ]
    return None not in sent
