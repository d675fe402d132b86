"""The Textual explorer. Never imports TensorFlow: the engine runs in a process of its own."""

from tui.app.app import ExplorerApp

__all__ = ["ExplorerApp"]
