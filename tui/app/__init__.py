"""The Textual explorer. Never imports TensorFlow: the engine runs in a process of its own.

:class:`ExplorerApp` (and Textual with it) loads on first use, so that a module of this package
(the engine client, the room's engine) can be imported before Textual is: the command line
starts the engine before the UI loads.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tui.app.app import ExplorerApp

__all__ = ["ExplorerApp"]


def __getattr__(name: str) -> Any:
    """``ExplorerApp``, imported when first asked for."""
    if name == "ExplorerApp":
        from tui.app.app import ExplorerApp

        return ExplorerApp
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
