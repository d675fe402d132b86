"""The UI's own engine process, started early (:mod:`tui.engine.launch`) and adopted here.

:class:`QuickEngineClient` is an :class:`~tui.app.engine_client.EngineClient` whose first
engine may be one the command line started before Textual was imported; it starts every later
one (a restart) the same way, with the quick start's hooks (:mod:`tui.engine.quickstart`).
"""

from __future__ import annotations

from tui.app.engine_client import EngineClient, _Link
from tui.engine import launch


class QuickEngineClient(EngineClient):
    """The UI's engine process, started by :mod:`tui.engine.launch`: the first one may be
    given (started before the UI loaded); a dead one given is adopted all the same, so that
    the reader reports how it ended."""

    def __init__(self, started: launch.EngineProcess | None = None) -> None:
        super().__init__()
        self._started = started

    def _new_link(self) -> _Link:
        started, self._started = self._started, None
        return _Link(started if started is not None else launch.start())
